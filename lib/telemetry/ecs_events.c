/*
 * Execution events shipped as NDJSON by Winlogbeat or Elastic Agent
 * (st_events_open picks this reader when a log starts with '{'). One JSON
 * object per line, parsed by jansson. A record of Sysmon or the Security
 * log keeps its EventData as winlog.event_data: those values go through
 * the same maps as EVTX records (event_map.c). Whatever is still missing
 * is taken from the ECS fields the shippers fill (process.*, dll.*,
 * file.*, user.*, host.name, @timestamp), which is also all an Elastic
 * Agent (Elastic Defend) record has: process starts (event.category
 * process, event.type start), library loads (event.category library) and
 * driver loads (event.category driver).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "telemetry/telemetry.h"

/* The value at a dotted path ("process.parent.executable"), or NULL. */
static json_t *at(json_t *o, const char *path)
{
	char key[64];

	while (o && json_is_object(o)) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_object_get(o, key);
		if (!dot)
			return o;
		path = dot + 1;
	}
	return NULL;
}

static const char *str_at(json_t *o, const char *path)
{
	json_t *v = at(o, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A number or a numeric string. */
static bool int_at(json_t *o, const char *path, long long *v)
{
	json_t *j = at(o, path);
	char *end;

	if (json_is_integer(j)) {
		*v = json_integer_value(j);
		return true;
	}
	if (json_is_string(j)) {
		*v = strtoll(json_string_value(j), &end, 10);
		return end != json_string_value(j) && *end == '\0';
	}
	return false;
}

/* True when the array (or string) at path holds value. */
static bool has(json_t *o, const char *path, const char *value)
{
	json_t *j = at(o, path), *v;
	size_t i;

	if (json_is_string(j))
		return strcmp(json_string_value(j), value) == 0;
	json_array_foreach(j, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), value) == 0)
			return true;
	return false;
}

static int set_missing(struct st_event *e, st_event_field f, const char *v)
{
	size_t n;
	char *c;

	if (!v || !*v || e->field[f])
		return 0;
	n = strlen(v);
	if (n > ST_EVENT_FIELD_MAX)
		n = ST_EVENT_FIELD_MAX;
	if (!(c = malloc(n + 1)))
		return -1;
	memcpy(c, v, n);
	c[n] = '\0';
	e->field[f] = c;
	return 0;
}

/* ECS hashes of an object ("process", "dll", "file"): lower-case hex. */
static int hashes(struct st_event *e, json_t *rec, const char *obj)
{
	static const struct { const char *name; st_event_field f; size_t len; } algs[] = {
		{ "sha256", ST_FIELD_SHA256, 64 }, { "sha1", ST_FIELD_SHA1, 40 }, { "md5", ST_FIELD_MD5, 32 },
	};
	char path[64], hex[65];

	for (size_t i = 0; i < 3; i++) {
		const char *v;
		snprintf(path, sizeof(path), "%s.hash.%s", obj, algs[i].name);
		if (!(v = str_at(rec, path)) || strlen(v) != algs[i].len)
			continue;
		for (size_t k = 0; k <= algs[i].len; k++)
			hex[k] = (char)(v[k] >= 'A' && v[k] <= 'F' ? v[k] - 'A' + 'a' : v[k]);
		if (strspn(hex, "0123456789abcdef") != algs[i].len)
			continue;
		if (set_missing(e, algs[i].f, hex))
			return -1;
	}
	return 0;
}

/* Windows' judgement of a loaded image, as ECS code_signature gives it. */
static int signature(struct st_event *e, json_t *rec, const char *obj)
{
	char path[64];
	json_t *exists;

	snprintf(path, sizeof(path), "%s.code_signature.exists", obj);
	exists = at(rec, path);
	if (json_is_boolean(exists) && set_missing(e, ST_FIELD_SIGNED, json_is_true(exists) ? "true" : "false"))
		return -1;
	snprintf(path, sizeof(path), "%s.code_signature.subject_name", obj);
	if (set_missing(e, ST_FIELD_SIGNATURE, str_at(rec, path)))
		return -1;
	snprintf(path, sizeof(path), "%s.code_signature.status", obj);
	return set_missing(e, ST_FIELD_SIGNATURE_STATUS, str_at(rec, path));
}

static int64_t iso_time(const char *s)
{
	struct tm tm = { 0 };

	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

/* One line: 1 an execution event, 0 another record, -1 unreadable.
 * line_id stands for the record number when the shipper gives none. */
static int from_json(struct st_event *e, json_t *rec, uint64_t line_id)
{
	const char *provider = str_at(rec, "winlog.provider_name");
	const struct event_map *m = NULL;
	json_t *data = at(rec, "winlog.event_data"), *v;
	const char *key, *obj;
	long long id = 0, number = 0;

	if (!json_is_object(rec))
		return -1;
	if (!int_at(rec, "winlog.event_id", &id))
		(void)int_at(rec, "event.code", &id);
	if (provider && id > 0 && id <= UINT32_MAX)
		m = event_map_find(provider, (uint32_t)id);
	if (m) {
		e->kind = m->kind;
		e->source = m->source;
		json_object_foreach(data, key, v)
			if (json_is_string(v) && event_map_apply(m, e, key, json_string_value(v)))
				return -1;
	} else if (has(rec, "event.category", "process") && has(rec, "event.type", "start")) {
		e->kind = ST_EVENT_PROCESS;
		e->source = "ecs";
	} else if (has(rec, "event.category", "library")) {
		e->kind = ST_EVENT_IMAGE_LOAD;
		e->source = "ecs";
	} else if (has(rec, "event.category", "driver")) {
		e->kind = ST_EVENT_DRIVER_LOAD;
		e->source = "ecs";
	} else {
		return 0;
	}
	e->id = (uint32_t)(id > 0 && id <= UINT32_MAX ? id : 0);
	if (int_at(rec, "winlog.record_id", &number) && number > 0)
		e->record = (uint64_t)number;
	else
		e->record = line_id;
	e->time = iso_time(str_at(rec, "@timestamp"));
	snprintf(e->host, sizeof(e->host), "%s",
		 str_at(rec, "host.name") ? str_at(rec, "host.name")
		 : str_at(rec, "winlog.computer_name") ? str_at(rec, "winlog.computer_name") : "");
	/* The image: the process started, else the DLL or driver loaded. */
	obj = e->kind == ST_EVENT_PROCESS ? "process" : at(rec, "dll") ? "dll" : "file";
	if (e->kind == ST_EVENT_PROCESS) {
		if (set_missing(e, ST_FIELD_IMAGE, str_at(rec, "process.executable")) ||
		    set_missing(e, ST_FIELD_COMMAND_LINE, str_at(rec, "process.command_line")) ||
		    set_missing(e, ST_FIELD_PARENT_IMAGE, str_at(rec, "process.parent.executable")) ||
		    set_missing(e, ST_FIELD_PARENT_COMMAND_LINE, str_at(rec, "process.parent.command_line")))
			return -1;
	} else {
		if (set_missing(e, ST_FIELD_IMAGE, str_at(rec, strcmp(obj, "dll") == 0 ? "dll.path" : "file.path")) ||
		    set_missing(e, ST_FIELD_PROCESS_IMAGE, str_at(rec, "process.executable")) ||
		    signature(e, rec, obj))
			return -1;
	}
	if (set_missing(e, ST_FIELD_PROCESS_GUID, str_at(rec, "process.entity_id")) || hashes(e, rec, obj))
		return -1;
	if (!e->field[ST_FIELD_USER] && str_at(rec, "user.name")) {
		char user[512];
		const char *domain = str_at(rec, "user.domain");
		snprintf(user, sizeof(user), "%s%s%s", domain ? domain : "", domain ? "\\" : "", str_at(rec, "user.name"));
		if (set_missing(e, ST_FIELD_USER, user))
			return -1;
	}
	return e->field[ST_FIELD_IMAGE] ? 1 : -1;
}

/*
 * Elastic Agent's events carry no record number: the line's FNV-1a hash
 * (63 bits) stands for it, so that ingesting the same lines again adds
 * nothing and two events of the same second stay two.
 */
static uint64_t line_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3u;
	}
	return h & INT64_MAX;
}

int ndjson_next(struct st_events *ev, const st_event **out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while ((n = getline(&line, &cap, ev->fp)) > 0) {
		json_t *rec;
		json_error_t jerr;
		int r;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		ev->records++;
		if ((size_t)n > ST_EVENT_LINE_MAX ||
		    !(rec = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &jerr))) {
			ev->malformed++;
			continue;
		}
		r = from_json(&ev->ev, rec, line_hash(line, (size_t)n));
		json_decref(rec);
		if (r == 1) {
			*out = &ev->ev;
			rc = 1;
			break;
		}
		event_clear(&ev->ev);
		if (r == 0)
			ev->other++;
		else
			ev->malformed++;
	}
	free(line);
	return rc;
}

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
#include <stdio.h>
#include <sys/types.h>
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

/* A field the EventData did not give, from an ECS value. */
static int set_missing(struct st_event *e, int f, const char *v)
{
	return !v || !*v || e->field[f] ? 0 : event_set(e, f, v);
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
static int from_json(struct st_event *e, json_t *rec, uint64_t line_id, const struct event_map **mapped)
{
	const char *provider = str_at(rec, "winlog.provider_name");
	const struct event_map *m = NULL;
	json_t *data = at(rec, "winlog.event_data"), *v;
	const char *key, *obj;
	long long id = 0, number = 0;

	*mapped = NULL;
	if (!json_is_object(rec))
		return -1;
	/* macOS Endpoint Security events as eslogger writes them. */
	if (json_is_integer(json_object_get(rec, "event_type")) && json_is_object(json_object_get(rec, "event")))
		return eslogger_event(e, rec, line_id);
	if (!int_at(rec, "winlog.event_id", &id))
		(void)int_at(rec, "event.code", &id);
	if (provider && id > 0 && id <= UINT32_MAX)
		m = event_map_find(provider, (uint32_t)id);
	if (m) {
		*mapped = m;
		e->kind = m->kind;
		e->source = m->source;
		e->id = (uint32_t)id;
		if (set_missing(e, EV_FIELD_ACTIVITY, str_at(rec, "winlog.activity_id")))
			return -1;
		json_object_foreach(data, key, v)
			if (json_is_string(v) && event_map_apply(m, e, key, json_string_value(v)))
				return -1;
		if (m->signature_info)
			return 0;
		if (event_finish(e))
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

/*
 * One line into ev->line, at most ST_EVENT_LINE_MAX bytes: its length, 0
 * for an empty line, -1 at the end, -2 for a longer line (read to its end
 * and dropped: memory stays bounded whatever a line holds).
 */
static ssize_t read_line(struct st_events *ev)
{
	size_t n = 0;
	bool too_long = false;

	if (!ev->line && !(ev->line = malloc(ST_EVENT_LINE_MAX + 2)))
		return -1;
	for (;;) {
		char *got = fgets(ev->line + (too_long ? 0 : n), (int)(ST_EVENT_LINE_MAX + 2 - (too_long ? 0 : n)),
				  ev->fp);
		size_t len;
		if (!got)
			return n == 0 && !too_long ? -1 : too_long ? -2 : (ssize_t)n;
		len = strlen(got);
		if (!too_long)
			n += len;
		if (len && got[len - 1] == '\n')
			break;
		if (!too_long && n > ST_EVENT_LINE_MAX)
			too_long = true;
	}
	if (too_long)
		return -2;
	while (n > 0 && (ev->line[n - 1] == '\n' || ev->line[n - 1] == '\r'))
		ev->line[--n] = '\0';
	return (ssize_t)n;
}

/* The signer of a Code Integrity load: its 3089, one of the next few
 * lines with the same ActivityID; the lines are read again in their turn. */
static void find_signer(struct st_events *ev)
{
	off_t at_line = ftello(ev->fp);

	if (at_line < 0)
		return;
	for (int i = 0; i < ST_EVENT_CI_LOOKAHEAD; i++) {
		struct st_event s = { 0 };
		const struct event_map *m = NULL;
		ssize_t n = read_line(ev);
		json_t *rec;
		bool done = false;

		if (n == -1)
			break;
		if (n <= 0 || !(rec = json_loadb(ev->line, (size_t)n, JSON_REJECT_DUPLICATES, NULL)))
			continue;
		if (from_json(&s, rec, 0, &m) == 0 && m && m->signature_info)
			done = event_take_signer(&ev->ev, &s);
		json_decref(rec);
		event_clear(&s);
		if (done)
			break;
	}
	clearerr(ev->fp);
	(void)fseeko(ev->fp, at_line, SEEK_SET);
}

int ndjson_next(struct st_events *ev, const st_event **out)
{
	ssize_t n;

	while ((n = read_line(ev)) != -1) {
		const struct event_map *m = NULL;
		json_t *rec;
		json_error_t jerr;
		int r;

		if (n == 0)
			continue;
		ev->records++;
		if (n < 0 || !(rec = json_loadb(ev->line, (size_t)n, JSON_REJECT_DUPLICATES, &jerr))) {
			ev->malformed++;
			continue;
		}
		r = from_json(&ev->ev, rec, line_hash(ev->line, (size_t)n), &m);
		json_decref(rec);
		if (r == 1) {
			if (m && ev->ev.field[EV_FIELD_ACTIVITY] && strcmp(m->source, "codeintegrity") == 0)
				find_signer(ev);
			*out = &ev->ev;
			return 1;
		}
		event_clear(&ev->ev);
		if (r == 0)
			ev->other++;
		else
			ev->malformed++;
	}
	return 0;
}

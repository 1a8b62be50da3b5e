/*
 * macOS Endpoint Security events as `eslogger exec` writes them: one JSON
 * object per line, modelled on es_message_t (Apple calls the format "not
 * API": names follow the C structure). Only exec (event_type 9) is an
 * execution event; the target process is at event.exec.target, the
 * process that called exec (the image before it, usually a shell or
 * launchd's child) at the top-level "process". Taken (docs/telemetry.md):
 *   target.executable.path        the image
 *   target.cdhash                 the CDHash the kernel validated (hex)
 *   target.signing_id, team_id    the signature's identity as the kernel saw it
 *   target.codesigning_flags      CS_VALID (0x1), CS_ADHOC (0x2)
 *   target.is_platform_binary     Apple's own code
 *   target.audit_token.euid       the user (a number: eslogger names none)
 *   event.exec.args               the command line
 *   process.executable.path       the parent image
 *   time, global_seq_num          the time and record number
 * eslogger has no host name; an event is from the host whose log it is.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "telemetry/telemetry.h"

#define ES_EVENT_TYPE_NOTIFY_EXEC 9
#define CS_VALID 0x1u
#define CS_ADHOC 0x2u

static const char *str(json_t *o, const char *k1, const char *k2)
{
	json_t *v = json_object_get(o, k1);

	if (k2)
		v = json_object_get(v, k2);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int put(struct st_event *e, int f, const char *v)
{
	return v && *v ? event_set(e, f, v) : 0;
}

/* The arguments joined by spaces, quoted where they hold one; cut at the
 * field limit like any command line. */
static int command_line(struct st_event *e, json_t *args)
{
	char *buf;
	size_t o = 0, i;
	json_t *a;
	int rc;

	if (!json_is_array(args) || json_array_size(args) == 0)
		return 0;
	if (!(buf = malloc(ST_EVENT_FIELD_MAX + 1)))
		return -1;
	json_array_foreach(args, i, a) {
		const char *s = json_is_string(a) ? json_string_value(a) : "";
		bool quote = strchr(s, ' ') != NULL || !*s;
		int n = snprintf(buf + o, ST_EVENT_FIELD_MAX + 1 - o, "%s%s%s%s", i ? " " : "", quote ? "\"" : "", s,
				 quote ? "\"" : "");
		if (n < 0 || (size_t)n >= ST_EVENT_FIELD_MAX + 1 - o) {
			o = ST_EVENT_FIELD_MAX;
			break;
		}
		o += (size_t)n;
	}
	buf[o] = '\0';
	rc = event_set(e, ST_FIELD_COMMAND_LINE, buf);
	free(buf);
	return rc;
}

int eslogger_event(struct st_event *e, json_t *rec, uint64_t line_id)
{
	json_t *exec = json_object_get(json_object_get(rec, "event"), "exec");
	json_t *target = json_object_get(exec, "target"), *flags, *euid, *seq;
	json_int_t type = json_integer_value(json_object_get(rec, "event_type"));
	const char *signing_id, *team_id, *when;
	char buf[512];
	struct tm tm = { 0 };

	if (type != ES_EVENT_TYPE_NOTIFY_EXEC)
		return 0;
	if (!json_is_object(target))
		return -1;
	e->kind = ST_EVENT_PROCESS;
	e->source = "eslogger";
	e->id = ES_EVENT_TYPE_NOTIFY_EXEC;
	seq = json_object_get(rec, "global_seq_num");
	e->record = json_is_integer(seq) && json_integer_value(seq) > 0 ? (uint64_t)json_integer_value(seq) : line_id;
	if ((when = str(rec, "time", NULL)) && strptime(when, "%Y-%m-%dT%H:%M:%S", &tm))
		e->time = (int64_t)timegm(&tm);
	if (put(e, ST_FIELD_IMAGE, str(target, "executable", "path")) ||
	    put(e, ST_FIELD_PARENT_IMAGE, str(json_object_get(rec, "process"), "executable", "path")) ||
	    command_line(e, json_object_get(exec, "args")))
		return -1;
	if (str(target, "cdhash", NULL) && event_set_hex(e, ST_FIELD_CDHASH, str(target, "cdhash", NULL), 40))
		return -1;
	euid = json_object_get(json_object_get(target, "audit_token"), "euid");
	if (json_is_integer(euid)) {
		snprintf(buf, sizeof(buf), "uid %lld", (long long)json_integer_value(euid));
		if (event_set(e, ST_FIELD_USER, buf))
			return -1;
	}
	/* The kernel's judgement at exec: signed and valid (CS_VALID), ad hoc
	 * or not; the signer as signing ID and team. A process runs only
	 * while CS_VALID holds where the kernel enforces code signing. */
	signing_id = str(target, "signing_id", NULL);
	team_id = str(target, "team_id", NULL);
	flags = json_object_get(target, "codesigning_flags");
	if (json_is_integer(flags)) {
		uint64_t f = (uint64_t)json_integer_value(flags);
		if (event_set(e, ST_FIELD_SIGNED, (f & CS_VALID) ? "true" : "false") ||
		    event_set(e, ST_FIELD_SIGNATURE_STATUS,
			      !(f & CS_VALID) ? "Invalid"
			      : (f & CS_ADHOC) ? "Adhoc" : "Valid"))
			return -1;
	}
	if (signing_id && *signing_id) {
		bool platform = json_is_true(json_object_get(target, "is_platform_binary"));
		snprintf(buf, sizeof(buf), "%s%s%s%s%s", signing_id, team_id && *team_id ? " (team " : "",
			 team_id && *team_id ? team_id : "", team_id && *team_id ? ")" : "",
			 platform ? " (platform binary)" : "");
		if (event_set(e, ST_FIELD_SIGNATURE, buf))
			return -1;
	}
	return e->field[ST_FIELD_IMAGE] ? 1 : -1;
}

/*
 * Timesketch JSONL (docs/output.md): one JSON object per line with the
 * fields Timesketch requires (message, datetime, timestamp_desc) and the
 * optional timestamp (microseconds), one event per time a record carries:
 * the file's modification time, each signature's signing and timestamp
 * times, and every time-typed property. A record with none gets one
 * "Scan Time" event, so every record appears on the timeline.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "report/json.h"
#include "report/record.h"

/* ISO 8601 with an explicit UTC offset, as Timesketch's examples write it
 * ("2015-07-24T19:01:01+00:00"); microseconds when there are any. */
static void ts_datetime(int64_t sec, long usec, char *buf, size_t len)
{
	time_t tt = (time_t)sec;
	struct tm tm;
	char base[32];

	buf[0] = '\0';
	/* Years 1 to 9999 only: what ISO 8601 without extension and
	 * Timesketch's parsers take, and sec * 10^6 fits in 64 bits. */
	if (sec < -62135596800LL || sec > 253402300799LL || !gmtime_r(&tt, &tm))
		return;
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (usec)
		snprintf(buf, len, "%s.%06ld+00:00", base, usec);
	else
		snprintf(buf, len, "%s+00:00", base);
}

struct ts_ctx {
	FILE *out;
	const struct record *r;
	char *reasons;           /* codes, "a,b" */
	size_t events;
};

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v ? v : json_null());
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		set(o, k, report_json_string(v));
}

/* One event of the record at sec.usec; sig is the signature the time
 * belongs to (its index in r->sigs), or -1 for the file. */
static void event(struct ts_ctx *c, int64_t sec, long usec, const char *desc, int sig)
{
	const struct record *r = c->r;
	const st_part *part = r->part;
	int p = sig >= 0 ? sig : record_primary(r);
	const st_signature *s = p >= 0 ? r->sigs[p].sig : NULL;
	const st_cert *signer = s ? st_signature_signer(s) : NULL;
	const char *verdict = st_verdict_name(st_part_verdict(part));
	json_t *ev = json_object();
	char dt[80], *msg;
	size_t mlen = 0;
	FILE *m;

	ts_datetime(sec, usec, dt, sizeof(dt));
	if (!dt[0]) {
		json_decref(ev);
		return;
	}
	m = open_memstream(&msg, &mlen);
	if (!m) {
		json_decref(ev);
		return;
	}
	fprintf(m, "%s: %s %s", desc, verdict, r->path);
	if (sig >= 0)
		fprintf(m, " (signature %d: %s)", sig,
			st_verdict_name(st_signature_verdict(s)));
	if (signer)
		fprintf(m, ", signer \"%s\"", st_cert_subject_cn(signer));
	if (c->reasons && c->reasons[0])
		fprintf(m, ", reasons %s", c->reasons);
	fclose(m);

	set(ev, "message", report_json_string(msg));
	free(msg);
	set(ev, "datetime", json_string(dt));
	set(ev, "timestamp", json_integer((json_int_t)sec * 1000000 + usec));
	set(ev, "timestamp_desc", json_string(desc));
	set(ev, "data_type", json_string("sigtrace:file"));
	set(ev, "path", report_json_string(r->path));
	set(ev, "verdict", json_string(verdict));
	set(ev, "reasons", report_json_string(c->reasons ? c->reasons : ""));
	set_str(ev, "status", st_part_ecs_status(part));
	set_str(ev, "format", st_part_format(part));
	set_str(ev, "arch", st_part_arch(part));
	set_str(ev, "sha256", st_part_sha256(part));
	set_str(ev, "signer", signer ? st_cert_subject_cn(signer) : NULL);
	set_str(ev, "signer_sha256", signer ? st_cert_sha256(signer) : NULL);
	if (sig >= 0) {
		set(ev, "signature_index", json_integer(sig));
		set(ev, "signature_verdict",
		    json_string(st_verdict_name(st_signature_verdict(s))));
		set(ev, "signature_source", json_string(st_signature_source(s)));
		if (st_signature_timestamp_kind(s))
			set(ev, "timestamp_valid", json_boolean(st_signature_timestamp_valid(s)));
	}
	report_json_line(c->out, ev);
	c->events++;
}

/* Time-typed properties, described by their declaration. */
static void property_events(struct ts_ctx *c, size_t n,
			    const st_property *(*at)(const void *, size_t), const void *obj,
			    int sig)
{
	for (size_t i = 0; i < n; i++) {
		const st_property *pr = at(obj, i);
		if (st_property_type_of(pr) == ST_PROPERTY_TIME &&
		    st_property_int(pr) != ST_TIME_NONE)
			event(c, st_property_int(pr), 0, st_property_declaration(pr)->doc, sig);
	}
}

static const st_property *part_prop(const void *o, size_t i) { return st_part_property(o, i); }
static const st_property *sig_prop(const void *o, size_t i) { return st_signature_property(o, i); }

static char *reason_codes(const st_part *p)
{
	char *codes = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&codes, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < st_part_reason_count(p); i++)
		fprintf(f, "%s%s", i ? "," : "", st_reason_name(st_part_reason(p, i)));
	fclose(f);
	return codes;
}

void report_timesketch(FILE *out, const struct record *r)
{
	struct ts_ctx c = { out, r, reason_codes(r->part), 0 };
	struct stat sb;

	/* The file's own modification time, for a file on disk (not a part
	 * inside a container), as stat(2) reports it right after
	 * verification. */
	if (!st_part_parent(r->part) && stat(r->path, &sb) == 0)
		event(&c, (int64_t)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec / 1000,
		      "Content Modification Time", -1);
	property_events(&c, st_part_property_count(r->part), part_prop, r->part, -1);
	for (size_t i = 0; i < r->nsigs; i++) {
		const st_signature *s = r->sigs[i].sig;
		if (st_signature_signing_time(s) != ST_TIME_NONE)
			event(&c, st_signature_signing_time(s), 0, "Signing Time", (int)i);
		if (st_signature_timestamp_kind(s) &&
		    st_signature_timestamp_time(s) != ST_TIME_NONE)
			event(&c, st_signature_timestamp_time(s), 0, "Timestamp Time", (int)i);
		property_events(&c, st_signature_property_count(s), sig_prop, s, (int)i);
	}
	if (!c.events)
		event(&c, (int64_t)time(NULL), 0, "Scan Time", -1);
	free(c.reasons);
}

void report_timesketch_error(FILE *out, const char *path, const char *msg)
{
	json_t *ev = json_object();
	char dt[80], *m = NULL;
	int64_t now = (int64_t)time(NULL);

	ts_datetime(now, 0, dt, sizeof(dt));
	if (asprintf(&m, "Scan Time: error %s: %s", path, msg) < 0)
		m = NULL;
	set(ev, "message", report_json_string(m ? m : msg));
	free(m);
	set(ev, "datetime", json_string(dt));
	set(ev, "timestamp", json_integer((json_int_t)now * 1000000));
	set(ev, "timestamp_desc", json_string("Scan Time"));
	set(ev, "data_type", json_string("sigtrace:file"));
	set(ev, "path", report_json_string(path));
	set(ev, "verdict", json_string("error"));
	set(ev, "error", report_json_string(msg));
	report_json_line(out, ev);
}

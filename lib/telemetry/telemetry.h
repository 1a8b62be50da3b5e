/*
 * Execution telemetry (sigtrace.h, docs/telemetry.md): which records of
 * which logs are execution events (event_map.c) and how an EVTX record
 * becomes one (evtx_events.c).
 */
#ifndef SIGTRACE_TELEMETRY_H
#define SIGTRACE_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sigtrace.h"

/* Longest field value kept (Windows command lines reach 32,767
 * characters); longer ones are cut (docs/limits.md). */
#define ST_EVENT_FIELD_MAX 65536
/* Largest record rendered as XML that is read. */
#define ST_EVENT_XML_MAX (4u << 20)

/* Values an event holds while it is read, beyond the public fields: the
 * correlation ActivityID (Code Integrity's 3089 names the load it
 * belongs to by it), the signing levels and policy of a Code Integrity
 * event, and the signature type of a 3089. */
enum {
	EV_FIELD_ACTIVITY = ST_FIELD_COUNT,
	EV_FIELD_REQUESTED_LEVEL,
	EV_FIELD_VALIDATED_LEVEL,
	EV_FIELD_POLICY,
	EV_FIELD_SIGNATURE_TYPE,
	EV_FIELD_RESULT,
	EV_FIELD_TOTAL
};

struct st_event {
	st_event_kind kind;
	const char *source;
	uint32_t id;
	uint64_t record;
	int64_t time;
	char host[256];
	char *field[EV_FIELD_TOTAL];
};

/* How many records after a Code Integrity load are searched for its 3089
 * (Windows writes them right after it, one per signature). */
#define ST_EVENT_CI_LOOKAHEAD 16

/* Largest NDJSON line read (ecs_events.c); longer lines are counted as
 * unreadable and skipped. */
#define ST_EVENT_LINE_MAX (1u << 20)

/* A log being read: an EVTX file (libevtx) or NDJSON lines (ecs_events.c). */
struct st_events {
	bool ndjson;
	void *file;                /* libevtx_file_t */
	int count, next;
	FILE *fp;                  /* NDJSON */
	char *line;                /* NDJSON: ST_EVENT_LINE_MAX + 2 bytes */
	size_t records, other, malformed;
	struct st_event ev;
};

/* The next execution event of NDJSON lines: 1, or 0 at the end. */
int ndjson_next(struct st_events *ev, const st_event **out);
/* An eslogger exec line (already parsed by jansson) as an event: 1, 0 when
 * it is another eslogger event, -1 when it is not eslogger's. */
struct json_t;
int eslogger_event(struct st_event *e, struct json_t *rec, uint64_t line_id);

/* An execution event of a log: its provider, event ID, kind, and the
 * EventData names that fill each field. A map marked signature_info is
 * Code Integrity's 3089: not an event of its own, the signer of the load
 * it correlates with. */
struct event_map {
	const char *provider;
	uint32_t id;
	const char *source;
	st_event_kind kind;
	bool signature_info;
	/* The values are attributes of UserData elements (CAPI2), not
	 * EventData: names[] then reads "Element@attribute". */
	bool user_data;
	struct { const char *data; int field; } names[12];
};

#define CODE_INTEGRITY "Microsoft-Windows-CodeIntegrity"

/* Completes an event after its values are taken: a Code Integrity load
 * into the System process is a driver's, and its signing levels become
 * the status Windows gave. */
int event_finish(struct st_event *e);
/* Gives a Code Integrity load the signer of a 3089 event s when both
 * carry the same ActivityID: true when it did. */
bool event_take_signer(struct st_event *e, const struct st_event *s);
/* Sets field f to a hex digest given as text ("0x" prefix allowed), in
 * lower case; a value that is not hex of the expected length is left out. */
int event_set_hex(struct st_event *e, int f, const char *v, size_t hexlen);
/* Sets field f (a copy of v, cut at ST_EVENT_FIELD_MAX). */
int event_set(struct st_event *e, int f, const char *v);

/* The map of (provider, id), or NULL when such records are not execution
 * events. */
const struct event_map *event_map_find(const char *provider, uint32_t id);
/* Sets the event's field for one EventData value; Sysmon's "Hashes" fills
 * the hash fields, Security's user names are joined as DOMAIN\user. */
int event_map_apply(const struct event_map *m, struct st_event *e, const char *data_name,
		    const char *value);
/* Frees the fields and clears the event. */
void event_clear(struct st_event *e);
/* Fills e from the XML rendering of a record (as libevtx writes it) for
 * map m: 0, or -1 when the XML cannot be read. */
int event_from_xml(struct st_event *e, const struct event_map *m, const char *xml, size_t len);

#endif

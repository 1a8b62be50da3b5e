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

struct st_event {
	st_event_kind kind;
	const char *source;
	uint32_t id;
	uint64_t record;
	int64_t time;
	char host[256];
	char *field[ST_FIELD_COUNT];
};

/* Largest NDJSON line read (ecs_events.c); longer lines are counted as
 * unreadable and skipped. */
#define ST_EVENT_LINE_MAX (1u << 20)

/* A log being read: an EVTX file (libevtx) or NDJSON lines (ecs_events.c). */
struct st_events {
	bool ndjson;
	void *file;                /* libevtx_file_t */
	int count, next;
	FILE *fp;                  /* NDJSON */
	size_t records, other, malformed;
	struct st_event ev;
};

/* The next execution event of NDJSON lines: 1, or 0 at the end. */
int ndjson_next(struct st_events *ev, const st_event **out);

/* An execution event of a log: its provider, event ID, kind, and the
 * EventData names that fill each field. */
struct event_map {
	const char *provider;
	uint32_t id;
	const char *source;
	st_event_kind kind;
	struct { const char *data; st_event_field field; } names[12];
};

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

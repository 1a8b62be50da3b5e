/* Fuzz target: execution telemetry. The input is read twice: as an event
 * log file (libevtx for the file, its chunks and records, evtx_events.c
 * for what is taken from them; or NDJSON lines of Winlogbeat, Elastic Agent
 * or eslogger; the readers take paths, so it is written to one), and as the XML rendering of one record under each event map
 * (event_from_xml, event_map.c: the EventData names, Sysmon's Hashes,
 * DOMAIN\\user). Seeded with XML records written from the providers'
 * schemas and an empty log made by tests/e2e/tools/make-evtx.py. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "sigtrace.h"
#include "telemetry/telemetry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct { const char *provider; uint32_t id; } maps[] = {
		{ "Microsoft-Windows-Sysmon", 1 }, { "Microsoft-Windows-Sysmon", 6 },
		{ "Microsoft-Windows-Sysmon", 7 }, { "Microsoft-Windows-Security-Auditing", 4688 },
		{ CODE_INTEGRITY, 3033 }, { CODE_INTEGRITY, 3076 }, { CODE_INTEGRITY, 3089 },
		{ "Microsoft-Windows-CAPI2", 81 },
	};
	char path[] = "/tmp/fuzz_evtx.XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0) {
		if (write(fd, data, size) == (ssize_t)size) {
			st_events *ev = NULL;
			const st_event *e;
			if (st_events_open(&ev, path) == ST_OK) {
				while (st_events_next(ev, &e) == 1)
					for (int f = 0; f < ST_FIELD_COUNT; f++)
						(void)st_event_get(e, (st_event_field)f);
				st_events_free(ev);
			}
		}
		close(fd);
		unlink(path);
	}
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		const struct event_map *m = event_map_find(maps[i].provider, maps[i].id);
		struct st_event e = { .kind = m->kind, .source = m->source, .id = m->id }, s = e;
		(void)event_from_xml(&e, m, (const char *)data, size);
		(void)event_take_signer(&s, &e);
		event_clear(&e);
		event_clear(&s);
	}
	return 0;
}

/*
 * Event logs found inside evidence containers (disk images, archives):
 * the library hands each file named *.evtx to found_logs (through
 * st_context_set_found_files) while it walks a container; each is copied
 * to a private temporary folder, so that libevtx, which reads files, can
 * open it; `sigtrace ingest` and `sigtrace scan --db` then read them into
 * the inventory under their record path (docs/telemetry.md, Logs inside
 * evidence).
 */
#ifndef SIGTRACE_TELEMETRY_FOUND_LOGS_H
#define SIGTRACE_TELEMETRY_FOUND_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "sigtrace.h"

/* Largest log copied out, and the most bytes copied out per run
 * (docs/limits.md); what passes them is skipped and counted. */
#define FOUND_LOG_MAX (4ULL << 30)
#define FOUND_LOGS_TOTAL_MAX (16ULL << 30)

struct found_logs;

/* Starts collecting the logs ctx's walks find: 0, or -1 (no temporary
 * folder, no memory). */
int found_logs_attach(struct found_logs **out, st_context *ctx);
size_t found_logs_count(const struct found_logs *fl);
/* The i-th log: the copy's path, and its record path in the evidence. */
const char *found_logs_copy(const struct found_logs *fl, size_t i);
const char *found_logs_origin(const struct found_logs *fl, size_t i);
/* Logs not copied (too large, past the total, unreadable). */
size_t found_logs_skipped(const struct found_logs *fl);
/* Detaches from ctx (when given), removes the copies and frees. */
void found_logs_free(struct found_logs *fl, st_context *ctx);

#endif

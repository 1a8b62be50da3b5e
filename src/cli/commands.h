/* The subcommands; each returns the process exit status. */
#ifndef SIGTRACE_COMMANDS_H
#define SIGTRACE_COMMANDS_H

#include "cli/options.h"

/* verify and scan (cmd_verify.c). */
int cmd_verify(const struct opts *o, int argc, char **argv);
/* The context the trust and verification options describe (cmd_verify.c);
 * NULL with *rc set after reporting why. */
st_context *make_context(const struct opts *o, int *rc);
/* trust (cmd_trust.c). */
int cmd_trust(const struct opts *o);
/* outliers (hunt/outliers.c). */
int cmd_outliers(const struct opts *o);
/* ingest and executed (telemetry/ingest.c, telemetry/executed.c). */
int cmd_ingest(const struct opts *o);
/* Ingests the event logs a scan found inside containers into the
 * inventory at dbpath (src/telemetry/ingest.c): an exit status. */
struct found_logs;
int ingest_found(const char *dbpath, const struct found_logs *fl, bool quiet);
int cmd_executed(const struct opts *o);
/* explain (cmd_explain.c). */
int cmd_explain(const struct opts *o);

#endif

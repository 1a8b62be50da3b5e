/* The sigtrace command line: shared declarations. */
#ifndef SIGTRACE_CLI_H
#define SIGTRACE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "sigtrace.h"

enum out_format { OUT_TEXT, OUT_NDJSON, OUT_CSV, OUT_SIGCHECK, OUT_TIMESKETCH };

/* Exit statuses (documented in README.md and docs/output.md). */
enum {
	EXIT_CLEAN = 0,      /* nothing found */
	EXIT_FINDING = 1,    /* some file was invalid or malformed */
	EXIT_UNREADABLE = 2, /* some input could not be read */
	EXIT_USAGE = 64
};

struct record;

/* Text reports of one record (record.h). */
void report_text_verbose(FILE *out, const struct record *r);
void report_text_line(FILE *out, const struct record *r);
void report_text_error(FILE *out, const char *path, const char *msg);

/* NDJSON (ECS) records; each call writes one line. */
void report_ndjson(FILE *out, const struct record *r);
void report_ndjson_error(FILE *out, const char *path, const char *msg);

/* CSV in Sysinternals sigcheck's columns (`sigcheck -c -h`) followed by
 * sigtrace's, or (sigcheck) exactly sigcheck's `-c -h -vt` columns: the
 * header once, then one row per record. */
void report_csv_header(FILE *out, bool sigcheck);
void report_csv(FILE *out, const struct record *r, bool sigcheck);
void report_csv_error(FILE *out, const char *path, const char *msg, bool sigcheck);

/* Timesketch JSONL: one event per time a record carries. */
void report_timesketch(FILE *out, const struct record *r);
void report_timesketch_error(FILE *out, const char *path, const char *msg);

/* ISO 8601 UTC; "" for ST_TIME_NONE. */
void fmt_time(int64_t t, char *buf, size_t len);
/* A copy of s that is valid UTF-8: every byte that does not start a valid
 * sequence (overlong forms, surrogates and values past U+10FFFF are not
 * valid) becomes U+FFFD, as the reports and the PostgreSQL inventory show
 * file and certificate names. NULL when out of memory. */
char *utf8_repaired(const char *s);

#endif

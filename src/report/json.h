/* What the JSON reports (ndjson.c, timesketch.c, executed.c) share. */
#ifndef SIGTRACE_REPORT_JSON_H
#define SIGTRACE_REPORT_JSON_H

#include <jansson.h>
#include <stdio.h>

/* A JSON string from arbitrary bytes: invalid UTF-8 (hostile certificate
 * names, file names) is replaced byte by byte with U+FFFD; JSON null for
 * NULL. */
json_t *report_json_string(const char *s);
/* Writes rec as one compact line of NDJSON and releases it. */
void report_json_line(FILE *out, json_t *rec);

#endif

/* What the JSON reports (ndjson.c, timesketch.c) share. */
#ifndef SIGTRACE_REPORT_JSON_H
#define SIGTRACE_REPORT_JSON_H

#include <jansson.h>

/* A JSON string from arbitrary bytes: invalid UTF-8 (hostile certificate
 * names, file names) is replaced byte by byte with U+FFFD; JSON null for
 * NULL. */
json_t *report_json_string(const char *s);

#endif

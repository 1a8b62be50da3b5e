/* `sigtrace outliers`: ranked findings across an inventory. */
#ifndef SIGTRACE_OUTLIERS_H
#define SIGTRACE_OUTLIERS_H

#include <stdbool.h>

struct outliers_opts {
	const char *db;
	bool ndjson;
	const char *allow;      /* --allow FILE, or NULL */
	const char *baseline;   /* --baseline DB: report only what is new */
};

/* Prints the findings of the inventory; returns the exit status (0 none,
 * 1 findings, 2 an inventory or the allowlist could not be read). */
int outliers_run(const struct outliers_opts *o);

#endif

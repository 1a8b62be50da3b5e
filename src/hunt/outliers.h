/* `sigtrace outliers`: ranked findings across an inventory. */
#ifndef SIGTRACE_OUTLIERS_H
#define SIGTRACE_OUTLIERS_H

#include <stdbool.h>

struct outliers_opts {
	const char *db;
	bool ndjson;
	const char *allow;      /* --allow FILE, or NULL */
	const char *baseline;   /* --baseline DB: report only what is new */
	int min_score;          /* --min-score: groups scoring less are not shown */
	bool rates;             /* --rates: print how common each outlier trait is */
};

/* Prints the findings of the inventory, one per group (a signer, a
 * signature, a name) with its files; returns the exit status (0 none shown,
 * 1 findings, 2 an inventory or the allowlist could not be read). */
int outliers_run(const struct outliers_opts *o);

#endif

/* `sigtrace outliers`: ranked findings across an inventory. */
#ifndef SIGTRACE_OUTLIERS_H
#define SIGTRACE_OUTLIERS_H

#include <stdbool.h>

/* Prints the findings of the inventory at dbpath; returns the exit status
 * (0 none, 1 findings, 2 the inventory could not be read). */
int outliers_run(const char *dbpath, bool ndjson);

/* The well-known publisher (data/publishers.tsv) a certificate or
 * version-resource name claims, after folding case, punctuation and
 * homoglyphs; *exact is false for near-miss spellings. NULL if none. */
const char *outliers_claimed_publisher(const char *name, bool *exact);

#endif

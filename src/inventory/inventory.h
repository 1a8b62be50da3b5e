/* The certificate inventory written by `scan --db`, in SQLite or
 * PostgreSQL (docs/inventory.md). */
#ifndef SIGTRACE_INVENTORY_H
#define SIGTRACE_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "sigtrace.h"

struct inventory;

/* Opens (creating or migrating the schema if needed) the database at
 * target, a SQLite file or a postgresql:// URL, and records a new scan
 * of host (NULL: this machine's name). */
int inventory_open(struct inventory **out, const char *target, const char *host, const char *roots,
		   const char *options, bool resume, char *err, size_t errlen);
/* With --resume: whether path is recorded with its current size and mtime. */
bool inventory_seen(struct inventory *inv, const char *path);
/* Records one verified file (replacing an earlier record of the path). */
int inventory_add(struct inventory *inv, const char *path, const st_result *res);
/* Commits the batch in flight if it is old enough. */
int inventory_tick(struct inventory *inv);
/* Commits, marks the scan complete or incomplete, closes. */
int inventory_close(struct inventory *inv, bool complete);
const char *inventory_error(const struct inventory *inv);

/*
 * The form a path is recorded in: absolute (the working directory put in
 * front of a relative one) and normalised without touching the file system
 * ("." and empty components dropped, ".." removing the one before, no
 * trailing slash; symbolic links are not resolved, as the scan does not
 * follow them). Scanning "dir" and "/abs/dir" records the same rows.
 * 0, or -1 when the result does not fit.
 */
int inventory_canon_path(const char *in, char *out, size_t outlen);

#endif

/* The inventory schema and its migrations (docs/inventory.md). */
#ifndef SIGTRACE_INVENTORY_SCHEMA_H
#define SIGTRACE_INVENTORY_SCHEMA_H

#include <sqlite3.h>
#include <stddef.h>

#define INVENTORY_SCHEMA_VERSION 4

/* Brings a database whose user_version is `version` (0: new) to the
 * current schema. 0, or -1 with err filled. */
int inventory_schema_apply(sqlite3 *db, int version, char *err, size_t errlen);

#endif

/* The inventory schema and its migrations (docs/inventory.md). */
#ifndef SIGTRACE_INVENTORY_SCHEMA_H
#define SIGTRACE_INVENTORY_SCHEMA_H

#include <stddef.h>

#include "inventory/db.h"

#define INVENTORY_SCHEMA_VERSION 7

/* Brings the database to the current schema (SQLite: from any earlier
 * user_version, 0 being new; PostgreSQL: its sigtrace_schema table).
 * 0, or -1 with err filled. */
int inventory_schema_apply(struct db *db, char *err, size_t errlen);

#endif

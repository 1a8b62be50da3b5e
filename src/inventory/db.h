/*
 * The inventory's database connection: SQLite (a file, the embedded
 * default) or PostgreSQL (a libpq URL), behind one small statement
 * interface so that the writer (store.c) and the hunting rules
 * (hunt/rules.c) are written once (docs/inventory.md, PostgreSQL).
 *
 * SQL is written in the common dialect of both: numbered parameters
 * `?1`, `?2` (rewritten to `$1` for PostgreSQL), `ON CONFLICT`, `RETURNING`;
 * the PostgreSQL schema adds julianday() and instr() so that the rules'
 * date and string arithmetic reads the same on both.
 */
#ifndef SIGTRACE_INVENTORY_DB_H
#define SIGTRACE_INVENTORY_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

enum db_kind { DB_SQLITE, DB_POSTGRES };

/* Parameters of one statement: ?1 .. ?DB_MAX_PARAMS. */
#define DB_MAX_PARAMS 24

enum { DB_DONE = 0, DB_ROW = 1, DB_ERROR = -1 };

/* Whether --db names a PostgreSQL database (postgresql:// or postgres://
 * URL, as libpq takes them; an empty host part uses the PG* environment). */
bool db_is_postgres(const char *target);

/* Opens target; SQLite files are created unless readonly. PostgreSQL
 * connections get application_name "sigtrace". 0, or -1 with err. */
int db_open(struct db **out, const char *target, bool readonly, char *err, size_t errlen);
void db_close(struct db *db);
enum db_kind db_kind_of(const struct db *db);
const char *db_errmsg(const struct db *db);

/* Runs one or more statements without parameters or rows. 0 or -1. */
int db_exec(struct db *db, const char *sql);

/*
 * Whether the last error may go away if the transaction is run again: the
 * server went away or restarted (the connection is then re-established by
 * db_reconnect), a deadlock or serialization failure, or a unique key taken
 * by a concurrent writer. SQLite errors are not (busy waits are internal).
 */
bool db_retryable(const struct db *db);
/* Re-establishes a lost PostgreSQL connection, waiting up to `seconds`
 * with backoff; prepared statements are prepared again on next use. */
int db_reconnect(struct db *db, int seconds);

/*
 * PostgreSQL: statements stepped (and db_exec'd: one statement each)
 * between these two are sent without waiting for their results, which
 * db_pipeline_end reads; they can return no rows. 0, or -1 for the first
 * error (db_errmsg, db_retryable). SQLite runs them as they come.
 */
int db_pipeline_begin(struct db *db);
int db_pipeline_end(struct db *db);

int db_prepare(struct db *db, const char *sql, struct db_stmt **out);
void db_bind_text(struct db_stmt *s, int i, const char *v);  /* NULL binds NULL */
void db_bind_int64(struct db_stmt *s, int i, int64_t v);
void db_bind_null(struct db_stmt *s, int i);
/* DB_ROW with a row to read, DB_DONE, or DB_ERROR (db_errmsg). */
int db_step(struct db_stmt *s);
int db_columns(struct db_stmt *s);
bool db_is_null(struct db_stmt *s, int col);
/* The column as text ("" for NULL) or integer (0 for NULL). */
const char *db_text(struct db_stmt *s, int col);
int64_t db_int64(struct db_stmt *s, int col);
/* Ready to run again, bindings cleared. */
void db_reset(struct db_stmt *s);
void db_finalize(struct db_stmt *s);

#endif

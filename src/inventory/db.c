/*
 * One statement interface over SQLite and libpq (db.h). SQLite statements
 * are its own; a PostgreSQL statement is prepared on the server under a
 * name on first use (and again after a reconnect), its parameters sent as
 * text, its rows read from the whole result.
 */
#include "inventory/db.h"

#include "cli/cli.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct db {
	enum db_kind kind;
	sqlite3 *lite;
	PGconn *pg;
	unsigned generation;   /* bumped by each reconnect: server-side statements are gone */
	unsigned next_name;
	bool pipeline;         /* PostgreSQL: statements are sent, results read at db_pipeline_end */
	size_t queued;         /* commands sent since the last sync */
	int pipeline_rc;
	char sqlstate[6];
	char err[512];
};

struct db_stmt {
	struct db *db;
	sqlite3_stmt *lite;
	/* PostgreSQL */
	char *sql;
	char name[24];
	bool prepared;
	unsigned generation;
	int nparams;
	char *val[DB_MAX_PARAMS];
	PGresult *res;
	int row, nrows;
	bool executed;
};

bool db_is_postgres(const char *target)
{
	return target && (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0);
}

enum db_kind db_kind_of(const struct db *db)
{
	return db->kind;
}

const char *db_errmsg(const struct db *db)
{
	return db->err;
}

static void set_err(struct db *db, const char *msg)
{
	size_t n;

	snprintf(db->err, sizeof(db->err), "%s", msg ? msg : "unknown error");
	n = strlen(db->err);
	while (n > 0 && (db->err[n - 1] == '\n' || db->err[n - 1] == ' '))
		db->err[--n] = '\0';
}

static void pg_err(struct db *db, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
	set_err(db, res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) : PQerrorMessage(db->pg));
}

/* The server's notices ("relation already exists, skipping") are not the
 * user's business. */
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *pg_connect(const char *target)
{
	const char *keys[] = { "dbname", "application_name", "connect_timeout", NULL };
	const char *vals[] = { target, "sigtrace", "10", NULL };

	return PQconnectdbParams(keys, vals, 1);
}

int db_open(struct db **out, const char *target, bool readonly, char *err, size_t errlen)
{
	struct db *db = calloc(1, sizeof(*db));

	*out = NULL;
	if (!db) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (db_is_postgres(target)) {
		db->kind = DB_POSTGRES;
		db->pg = pg_connect(target);
		if (!db->pg || PQstatus(db->pg) != CONNECTION_OK) {
			set_err(db, db->pg ? PQerrorMessage(db->pg) : "out of memory");
			snprintf(err, errlen, "%s", db->err);
			db_close(db);
			return -1;
		}
		PQsetNoticeProcessor(db->pg, quiet, NULL);
	} else {
		int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
		db->kind = DB_SQLITE;
		if (sqlite3_open_v2(target, &db->lite, flags, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s", db->lite ? sqlite3_errmsg(db->lite) : "cannot open");
			db_close(db);
			return -1;
		}
		sqlite3_busy_timeout(db->lite, 10000);
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->pg)
		PQfinish(db->pg);
	sqlite3_close(db->lite);
	free(db);
}

/*
 * Pipelines. Results are read back every PIPE_DEPTH commands (a sync inside
 * the transaction, which stays open): a client that only writes while the
 * server's replies fill the socket would wait on it forever.
 */
#define PIPE_DEPTH 512

static int pipe_fail(struct db *db)
{
	if (db->pipeline_rc == 0) {
		snprintf(db->sqlstate, sizeof(db->sqlstate), "08000");
		set_err(db, PQerrorMessage(db->pg));
	}
	db->pipeline_rc = -1;
	return -1;
}

/* Reads every result up to the next sync; the first error is kept. */
static int drain(struct db *db)
{
	size_t nulls = 0;

	if (!PQpipelineSync(db->pg))
		return pipe_fail(db);
	for (;;) {
		PGresult *r = PQgetResult(db->pg);
		ExecStatusType st;

		if (!r) {
			/* One NULL ends each command's results. */
			if (PQstatus(db->pg) != CONNECTION_OK || ++nulls > db->queued + 1)
				return pipe_fail(db);
			continue;
		}
		st = PQresultStatus(r);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (st == PGRES_FATAL_ERROR && db->pipeline_rc == 0) {
			pg_err(db, r);
			db->pipeline_rc = -1;
		} else if (st == PGRES_PIPELINE_ABORTED || st == PGRES_FATAL_ERROR) {
			db->pipeline_rc = -1;
		}
		PQclear(r);
	}
	db->queued = 0;
	return db->pipeline_rc;
}

static int queued(struct db *db)
{
	if (++db->queued >= PIPE_DEPTH)
		return drain(db);
	return 0;
}

int db_pipeline_begin(struct db *db)
{
	if (db->kind != DB_POSTGRES)
		return 0;
	if (!PQenterPipelineMode(db->pg))
		return pipe_fail(db);
	db->pipeline = true;
	db->queued = 0;
	db->pipeline_rc = 0;
	return 0;
}

int db_pipeline_end(struct db *db)
{
	int rc;

	if (db->kind != DB_POSTGRES || !db->pipeline)
		return 0;
	rc = PQstatus(db->pg) == CONNECTION_OK ? drain(db) : pipe_fail(db);
	if (PQstatus(db->pg) == CONNECTION_OK)
		PQexitPipelineMode(db->pg);
	db->pipeline = false;
	return rc ? -1 : db->pipeline_rc;
}

int db_exec(struct db *db, const char *sql)
{
	if (db->kind == DB_SQLITE) {
		char *msg = NULL;
		if (sqlite3_exec(db->lite, sql, NULL, NULL, &msg) != SQLITE_OK) {
			set_err(db, msg ? msg : sqlite3_errmsg(db->lite));
			sqlite3_free(msg);
			return -1;
		}
		return 0;
	}
	if (db->pipeline)
		return PQsendQueryParams(db->pg, sql, 0, NULL, NULL, NULL, NULL, 0) ? queued(db) : pipe_fail(db);
	PGresult *res = PQexec(db->pg, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_err(db, res);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

bool db_retryable(const struct db *db)
{
	const char *s = db->sqlstate;

	if (db->kind != DB_POSTGRES)
		return false;
	if (PQstatus(db->pg) != CONNECTION_OK)
		return true;
	/* 08: connection exceptions; 57P01..03: the server shutting down or
	 * starting; 40001, 40P01: serialization failure, deadlock; 23505: a
	 * key inserted by a concurrent writer after this one looked. */
	return strncmp(s, "08", 2) == 0 || strncmp(s, "57P0", 4) == 0 || strcmp(s, "40001") == 0 ||
	       strcmp(s, "40P01") == 0 || strcmp(s, "23505") == 0;
}

int db_reconnect(struct db *db, int seconds)
{
	struct timespec nap = { 0, 250 * 1000 * 1000 };
	time_t deadline = time(NULL) + seconds;

	if (db->kind != DB_POSTGRES)
		return -1;
	for (;;) {
		if (PQstatus(db->pg) == CONNECTION_OK) {
			/* A transaction left open by the failure is rolled back. */
			PGresult *r = PQexec(db->pg, "ROLLBACK");
			PQclear(r);
			if (PQstatus(db->pg) == CONNECTION_OK)
				return 0;
		}
		PQreset(db->pg);
		if (PQstatus(db->pg) == CONNECTION_OK) {
			PQsetNoticeProcessor(db->pg, quiet, NULL);
			db->generation++;
			return 0;
		}
		if (time(NULL) >= deadline) {
			set_err(db, PQerrorMessage(db->pg));
			return -1;
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 500 * 1000 * 1000)
			nap.tv_nsec *= 2;
		else
			nap = (struct timespec){ 1, 0 };
	}
}

/* ?N becomes $N outside quoted text; returns the highest N, or -1. */
static int to_dollar(const char *in, char *out)
{
	int max = 0;
	char q = 0;

	for (; *in; in++) {
		char c = *in;
		if (q) {
			if (c == q)
				q = 0;
		} else if (c == '\'' || c == '"') {
			q = c;
		} else if (c == '?' && in[1] >= '0' && in[1] <= '9') {
			int n = atoi(in + 1);
			if (n < 1 || n > DB_MAX_PARAMS)
				return -1;
			if (n > max)
				max = n;
			c = '$';
		}
		*out++ = c;
	}
	*out = '\0';
	return max;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct db_stmt *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s) {
		set_err(db, "out of memory");
		return -1;
	}
	s->db = db;
	if (db->kind == DB_SQLITE) {
		if (sqlite3_prepare_v2(db->lite, sql, -1, &s->lite, NULL) != SQLITE_OK) {
			set_err(db, sqlite3_errmsg(db->lite));
			free(s);
			return -1;
		}
		*out = s;
		return 0;
	}
	s->sql = malloc(strlen(sql) + 1);
	if (!s->sql || (s->nparams = to_dollar(sql, s->sql)) < 0) {
		set_err(db, s->sql ? "parameter number out of range" : "out of memory");
		free(s->sql);
		free(s);
		return -1;
	}
	snprintf(s->name, sizeof(s->name), "sigtrace_%u", db->next_name++);
	*out = s;
	return 0;
}

static void pg_set(struct db_stmt *s, int i, char *v)
{
	if (i < 1 || i > DB_MAX_PARAMS) {
		free(v);
		return;
	}
	free(s->val[i - 1]);
	s->val[i - 1] = v;
}

void db_bind_text(struct db_stmt *s, int i, const char *v)
{
	if (s->lite) {
		if (v)
			sqlite3_bind_text(s->lite, i, v, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(s->lite, i);
		return;
	}
	/* PostgreSQL refuses text that is not UTF-8 (file names on Unix are
	 * bytes; certificate names can be anything). */
	pg_set(s, i, v ? utf8_repaired(v) : NULL);
}

void db_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	char buf[24];

	if (s->lite) {
		sqlite3_bind_int64(s->lite, i, (sqlite3_int64)v);
		return;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	pg_set(s, i, strdup(buf));
}

void db_bind_null(struct db_stmt *s, int i)
{
	if (s->lite)
		sqlite3_bind_null(s->lite, i);
	else
		pg_set(s, i, NULL);
}

int db_step(struct db_stmt *s)
{
	struct db *db = s->db;

	if (s->lite) {
		int rc = sqlite3_step(s->lite);
		if (rc == SQLITE_ROW)
			return DB_ROW;
		if (rc == SQLITE_DONE)
			return DB_DONE;
		set_err(db, sqlite3_errmsg(db->lite));
		return DB_ERROR;
	}
	if (db->pipeline) {
		if (db->pipeline_rc)
			return DB_ERROR;
		if (!s->prepared || s->generation != db->generation) {
			if (!PQsendPrepare(db->pg, s->name, s->sql, s->nparams, NULL)) {
				pipe_fail(db);
				return DB_ERROR;
			}
			if (queued(db))
				return DB_ERROR;
			s->prepared = true;
			s->generation = db->generation;
		}
		if (!PQsendQueryPrepared(db->pg, s->name, s->nparams, (const char *const *)s->val, NULL, NULL, 0)) {
			pipe_fail(db);
			return DB_ERROR;
		}
		return queued(db) ? DB_ERROR : DB_DONE;
	}
	if (!s->executed) {
		ExecStatusType st;
		if (!s->prepared || s->generation != db->generation) {
			PGresult *p = PQprepare(db->pg, s->name, s->sql, s->nparams, NULL);
			if (PQresultStatus(p) != PGRES_COMMAND_OK) {
				pg_err(db, p);
				PQclear(p);
				return DB_ERROR;
			}
			PQclear(p);
			s->prepared = true;
			s->generation = db->generation;
		}
		s->res = PQexecPrepared(db->pg, s->name, s->nparams, (const char *const *)s->val, NULL, NULL, 0);
		st = PQresultStatus(s->res);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			pg_err(db, s->res);
			PQclear(s->res);
			s->res = NULL;
			return DB_ERROR;
		}
		s->executed = true;
		s->row = -1;
		s->nrows = PQntuples(s->res);
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		return DB_ROW;
	}
	return DB_DONE;
}

int db_columns(struct db_stmt *s)
{
	if (s->lite)
		return sqlite3_column_count(s->lite);
	return s->res ? PQnfields(s->res) : 0;
}

bool db_is_null(struct db_stmt *s, int col)
{
	if (s->lite)
		return sqlite3_column_type(s->lite, col) == SQLITE_NULL;
	return !s->res || s->row < 0 || col >= PQnfields(s->res) || PQgetisnull(s->res, s->row, col);
}

const char *db_text(struct db_stmt *s, int col)
{
	if (s->lite) {
		const unsigned char *t = sqlite3_column_text(s->lite, col);
		return t ? (const char *)t : "";
	}
	if (db_is_null(s, col))
		return "";
	return PQgetvalue(s->res, s->row, col);
}

int64_t db_int64(struct db_stmt *s, int col)
{
	if (s->lite)
		return (int64_t)sqlite3_column_int64(s->lite, col);
	return db_is_null(s, col) ? 0 : strtoll(PQgetvalue(s->res, s->row, col), NULL, 10);
}

void db_reset(struct db_stmt *s)
{
	if (s->lite) {
		sqlite3_reset(s->lite);
		sqlite3_clear_bindings(s->lite);
		return;
	}
	PQclear(s->res);
	s->res = NULL;
	s->executed = false;
	for (int i = 0; i < DB_MAX_PARAMS; i++) {
		free(s->val[i]);
		s->val[i] = NULL;
	}
}

void db_finalize(struct db_stmt *s)
{
	if (!s)
		return;
	if (s->lite) {
		sqlite3_finalize(s->lite);
	} else {
		db_reset(s);
		/* Server-side statements go with the connection; a long-lived
		 * one (outliers) deallocates what it no longer needs. */
		if (s->prepared && s->generation == s->db->generation && PQstatus(s->db->pg) == CONNECTION_OK) {
			char q[64];
			PGresult *r;
			snprintf(q, sizeof(q), "DEALLOCATE %s", s->name);
			r = PQexec(s->db->pg, q);
			PQclear(r);
		}
		free(s->sql);
	}
	free(s);
}

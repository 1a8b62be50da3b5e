/*
 * `sigtrace ingest --db DB LOG...`: execution events of Windows event logs
 * (the library's st_events) into the executions table (docs/telemetry.md).
 * A path that is no log is searched for logs: a folder for its *.evtx
 * files, a disk image or an archive (anything the library walks) for the
 * *.evtx files inside, which found_logs.c copies out; `scan --db` ingests
 * the logs its containers held the same way (ingest_found).
 * Streaming: one event in memory at a time, 1,000 rows per transaction (a
 * PostgreSQL transaction sent as one pipeline). A row is unique by host,
 * source, event ID and record number, so ingesting a log again, or a log
 * that overlaps one already read, adds only what is new.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "inventory/db.h"
#include "inventory/schema.h"
#include "telemetry/found_logs.h"
#include "telemetry/pathkey.h"

#define ROWS_PER_TRANSACTION 1000

/* Where each log's counts go: stdout for ingest; stderr, or nowhere with
 * -q, when a scan ingests what it found (its stdout is the report). */
static FILE *counts_out;

static const char insert_sql[] =
	"INSERT INTO executions (host, source, event_id, record, time, kind, image, image_key,"
	" process_image, command_line, parent_image, parent_command_line, user_name, process_guid,"
	" sha256, sha1, md5, signed, signature, signature_status, log, cdhash)"
	" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22)"
	" ON CONFLICT DO NOTHING";

static int begin(struct db *db)
{
	return db_pipeline_begin(db) || db_exec(db, "BEGIN") ? -1 : 0;
}

static int commit(struct db *db)
{
	int rc = db_exec(db, "COMMIT");

	if (db_pipeline_end(db))
		rc = -1;
	if (rc)
		(void)db_exec(db, "ROLLBACK");
	return rc;
}

static int put(struct db_stmt *s, const st_event *e, const char *log)
{
	static const st_event_field text_fields[] = {
		ST_FIELD_PROCESS_IMAGE, ST_FIELD_COMMAND_LINE, ST_FIELD_PARENT_IMAGE, ST_FIELD_PARENT_COMMAND_LINE,
		ST_FIELD_USER, ST_FIELD_PROCESS_GUID, ST_FIELD_SHA256, ST_FIELD_SHA1, ST_FIELD_MD5,
	};
	const char *image = st_event_get(e, ST_FIELD_IMAGE), *sig = st_event_get(e, ST_FIELD_SIGNED);
	char key[8192], when[32];
	int rc;

	if (image_key(image, key, sizeof(key)))
		return 1; /* not a path: not joinable, not kept */
	fmt_time(st_event_time(e), when, sizeof(when));
	db_bind_text(s, 1, st_event_host(e));
	db_bind_text(s, 2, st_event_source(e));
	db_bind_int64(s, 3, st_event_id(e));
	db_bind_int64(s, 4, (int64_t)st_event_record(e));
	db_bind_text(s, 5, when);
	db_bind_text(s, 6, st_event_kind_name(st_event_kind_of(e)));
	db_bind_text(s, 7, image);
	db_bind_text(s, 8, key);
	for (size_t i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++)
		db_bind_text(s, 9 + (int)i, st_event_get(e, text_fields[i]));
	if (sig)
		db_bind_int64(s, 18, strcmp(sig, "true") == 0);
	db_bind_text(s, 19, st_event_get(e, ST_FIELD_SIGNATURE));
	db_bind_text(s, 20, st_event_get(e, ST_FIELD_SIGNATURE_STATUS));
	db_bind_text(s, 21, log);
	db_bind_text(s, 22, st_event_get(e, ST_FIELD_CDHASH));
	rc = db_step(s);
	db_reset(s);
	return rc == DB_ERROR ? -1 : 0;
}

/* One log, read from `file` and named `log` (its path in the evidence);
 * 0, or -1 when the inventory failed (the log's own problems are reported
 * and counted). */
static int ingest_log(struct db *db, struct db_stmt *ins, const char *file, const char *log, int *status)
{
	st_events *ev = NULL;
	const st_event *e;
	size_t events = 0, pending = 0, unjoinable = 0;
	bool progress = isatty(STDERR_FILENO);
	int rc = st_events_open(&ev, file);

	if (rc != ST_OK) {
		fprintf(stderr, "sigtrace: %s: %s\n", log,
			rc == ST_EINVAL ? "not a Windows event log (EVTX), NDJSON from Winlogbeat or Elastic"
					       " Agent, or eslogger JSON"
				  : "cannot be read");
		*status = EXIT_UNREADABLE;
		return 0;
	}
	if (begin(db))
		goto fail;
	while (st_events_next(ev, &e) == 1) {
		int r = put(ins, e, log);
		/* Logs of millions of events: a progress line on a terminal. */
		if (progress && (events & 0xffff) == 0 && events)
			fprintf(stderr, "\r%s: %zu records read", log, st_events_records(ev));
		if (r < 0)
			goto fail;
		unjoinable += r == 1;
		events += r == 0;
		if (++pending == ROWS_PER_TRANSACTION) {
			if (commit(db) || begin(db))
				goto fail;
			pending = 0;
		}
	}
	if (commit(db))
		goto fail;
	if (progress)
		fputs("\r\033[K", stderr);
	if (counts_out)
		fprintf(counts_out, "%s: %zu records, %zu execution events, %zu other events, %zu unreadable records,"
	       " %zu events whose image is not a path\n", log, st_events_records(ev), events,
	       st_events_other(ev), st_events_malformed(ev), unjoinable);
	if (st_events_malformed(ev))
		*status = EXIT_UNREADABLE;
	st_events_free(ev);
	return 0;
fail:
	fprintf(stderr, "sigtrace: --db %s: %s\n", log, db_errmsg(db));
	(void)db_pipeline_end(db);
	(void)db_exec(db, "ROLLBACK");
	st_events_free(ev);
	return -1;
}

/* The logs found inside containers, under their paths in the evidence. */
static int ingest_copies(struct db *db, struct db_stmt *ins, const struct found_logs *fl, int *status)
{
	for (size_t i = 0; i < found_logs_count(fl); i++)
		if (ingest_log(db, ins, found_logs_copy(fl, i), found_logs_origin(fl, i), status))
			return -1;
	if (found_logs_skipped(fl)) {
		fprintf(stderr, "sigtrace: %zu event logs inside the evidence could not be copied out (over %llu bytes,"
				" %llu in all, or unreadable)\n", found_logs_skipped(fl),
			(unsigned long long)FOUND_LOG_MAX, (unsigned long long)FOUND_LOGS_TOTAL_MAX);
		*status = EXIT_UNREADABLE;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's *.evtx files, at any depth (not following links), in name
 * order; 0, or -1 when the inventory failed. */
static int ingest_folder(struct db *db, struct db_stmt *ins, const char *dir, int depth, int *status)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "sigtrace: %s: cannot be read\n", dir);
		*status = EXIT_UNREADABLE;
		return 0;
	}
	while ((de = readdir(d))) {
		char *p;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **nv = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*nv));
			if (!nv)
				break;
			names = nv;
		}
		if (asprintf(&p, "%s/%s", dir, de->d_name) >= 0)
			names[n++] = p;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		size_t len = strlen(names[i]);
		if (rc == 0 && lstat(names[i], &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < 64)
				rc = ingest_folder(db, ins, names[i], depth + 1, status);
			else if (S_ISREG(st.st_mode) && len > 5 && strcasecmp(names[i] + len - 5, ".evtx") == 0)
				rc = ingest_log(db, ins, names[i], names[i], status);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* A disk image or an archive: the *.evtx files inside. */
static int ingest_inside(struct db *db, struct db_stmt *ins, const char *path, int *status)
{
	st_context *ctx = NULL;
	struct found_logs *fl = NULL;
	st_result *res = NULL;
	int rc = 0, vr;

	if (st_context_new(&ctx) != ST_OK || found_logs_attach(&fl, ctx)) {
		fprintf(stderr, "sigtrace: %s: no memory or no temporary folder to search it for logs\n", path);
		*status = EXIT_UNREADABLE;
		st_context_free(ctx);
		return 0;
	}
	vr = st_verify_file(ctx, path, &res);
	st_result_free(res);
	if (vr != ST_OK) {
		fprintf(stderr, "sigtrace: %s: cannot be read (%s)\n", path, st_strerror(vr));
		*status = EXIT_UNREADABLE;
	} else if (found_logs_count(fl) == 0 && found_logs_skipped(fl) == 0) {
		fprintf(stderr, "sigtrace: %s: not a Windows event log (EVTX), NDJSON from Winlogbeat or Elastic"
				" Agent, or eslogger JSON, and no event log (.evtx) inside\n", path);
		*status = EXIT_UNREADABLE;
	} else {
		rc = ingest_copies(db, ins, fl, status);
	}
	found_logs_free(fl, ctx);
	st_context_free(ctx);
	return rc;
}

/* Opens the inventory for ingesting: 0, or -1 (reported). */
static int open_for_ingest(const char *dbpath, struct db **db, struct db_stmt **ins)
{
	char err[512] = "";

	*db = NULL;
	*ins = NULL;
	if (db_open(db, dbpath, false, err, sizeof(err)) ||
	    (db_kind_of(*db) == DB_SQLITE &&
	     db_exec(*db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")) ||
	    inventory_schema_apply(*db, err, sizeof(err)) || db_prepare(*db, insert_sql, ins)) {
		fprintf(stderr, "sigtrace: --db %s: %s\n", dbpath, *db ? (*err ? err : db_errmsg(*db)) : err);
		db_finalize(*ins);
		db_close(*db);
		*db = NULL;
		*ins = NULL;
		return -1;
	}
	return 0;
}

int ingest_found(const char *dbpath, const struct found_logs *fl, bool quiet)
{
	struct db *db;
	struct db_stmt *ins;
	int status = EXIT_CLEAN;

	if (found_logs_count(fl) == 0 && found_logs_skipped(fl) == 0)
		return EXIT_CLEAN;
	counts_out = quiet ? NULL : stderr;
	if (open_for_ingest(dbpath, &db, &ins))
		return EXIT_UNREADABLE;
	if (ingest_copies(db, ins, fl, &status))
		status = EXIT_UNREADABLE;
	db_finalize(ins);
	db_close(db);
	return status;
}

int cmd_ingest(const struct opts *o)
{
	struct db *db = NULL;
	struct db_stmt *ins = NULL;
	int status = EXIT_CLEAN;

	counts_out = stdout;
	if (open_for_ingest(o->db, &db, &ins))
		return EXIT_UNREADABLE;
	for (size_t i = 0; i < o->npaths; i++) {
		const char *path = o->paths[i];
		struct stat st;
		st_events *probe = NULL;
		int rc;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rc = ingest_folder(db, ins, path, 0, &status);
		else if (st_events_open(&probe, path) == ST_EINVAL)
			rc = ingest_inside(db, ins, path, &status);
		else
			rc = ingest_log(db, ins, path, path, &status);
		st_events_free(probe);
		if (rc) {
			status = EXIT_UNREADABLE;
			break;
		}
	}
	db_finalize(ins);
	db_close(db);
	return status;
}

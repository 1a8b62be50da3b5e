/*
 * `sigtrace ingest --db DB LOG...`: execution events of Windows event logs
 * (the library's st_events) into the executions table (docs/telemetry.md).
 * Streaming: one event in memory at a time, 1,000 rows per transaction (a
 * PostgreSQL transaction sent as one pipeline). A row is unique by host,
 * source, event ID and record number, so ingesting a log again, or a log
 * that overlaps one already read, adds only what is new.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "inventory/db.h"
#include "inventory/schema.h"
#include "telemetry/pathkey.h"

#define ROWS_PER_TRANSACTION 1000

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

/* One log; 0, or -1 when the inventory failed (the log's own problems are
 * reported and counted). */
static int ingest_log(struct db *db, struct db_stmt *ins, const char *log, int *status)
{
	st_events *ev = NULL;
	const st_event *e;
	size_t events = 0, pending = 0, unjoinable = 0;
	bool progress = isatty(STDERR_FILENO);
	int rc = st_events_open(&ev, log);

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
	printf("%s: %zu records, %zu execution events, %zu other events, %zu unreadable records,"
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

int cmd_ingest(const struct opts *o)
{
	struct db *db = NULL;
	struct db_stmt *ins = NULL;
	char err[512] = "";
	int status = EXIT_CLEAN;

	if (db_open(&db, o->db, false, err, sizeof(err)) ||
	    (db_kind_of(db) == DB_SQLITE &&
	     db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")) ||
	    inventory_schema_apply(db, err, sizeof(err)) || db_prepare(db, insert_sql, &ins)) {
		fprintf(stderr, "sigtrace: --db %s: %s\n", o->db, db ? (*err ? err : db_errmsg(db)) : err);
		db_close(db);
		return EXIT_UNREADABLE;
	}
	for (size_t i = 0; i < o->npaths; i++)
		if (ingest_log(db, ins, o->paths[i], &status)) {
			status = EXIT_UNREADABLE;
			break;
		}
	db_finalize(ins);
	db_close(db);
	return status;
}

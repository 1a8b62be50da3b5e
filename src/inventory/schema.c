/*
 * The inventory's schema (docs/inventory.md) and the migrations that move
 * an older database forward, one transaction per open.
 */
#include "inventory/schema.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* The executions table (schema 7, docs/telemetry.md) on both databases,
 * given the id and the record number types. */
#define EXECUTIONS_COLUMNS(id, big) \
	" id " id ", host TEXT NOT NULL, source TEXT NOT NULL, event_id INTEGER NOT NULL," \
	" record " big " NOT NULL, time TEXT, kind TEXT NOT NULL, image TEXT NOT NULL, image_key TEXT NOT NULL," \
	" process_image TEXT, command_line TEXT, parent_image TEXT, parent_command_line TEXT," \
	" user_name TEXT, process_guid TEXT, sha256 TEXT, sha1 TEXT, md5 TEXT, signed INTEGER," \
	" signature TEXT, signature_status TEXT, log TEXT, cdhash TEXT," \
	" UNIQUE (host, source, event_id, record, time));"

/*
 * Schema 3 (docs/inventory.md): the result model's parts and properties
 * instead of per-format columns. A file row is a record: a file, or a file
 * inside a container; its parts are the record's part and its constituents
 * (slices) in pre-order; properties belong to a part or to a signature.
 */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS scans ("
	" id INTEGER PRIMARY KEY, host TEXT, roots TEXT, options TEXT,"
	" started TEXT, finished TEXT, status TEXT NOT NULL DEFAULT 'running');"
	"CREATE TABLE IF NOT EXISTS files ("
	" id INTEGER PRIMARY KEY, host TEXT NOT NULL, path TEXT NOT NULL, size INTEGER, mtime INTEGER,"
	" sha256 TEXT, format TEXT, subformat TEXT, arch TEXT, verdict TEXT NOT NULL,"
	" reasons TEXT, status TEXT,"
	" scan_id INTEGER REFERENCES scans(id), verified_at TEXT, container TEXT, sha1 TEXT, md5 TEXT,"
	" UNIQUE (host, path));"
	"CREATE TABLE IF NOT EXISTS reasons ("
	" file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" code TEXT NOT NULL, detail TEXT);"
	"CREATE TABLE IF NOT EXISTS parts ("
	" file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, parent INTEGER, kind TEXT NOT NULL, name TEXT,"
	" offset INTEGER, size INTEGER, format TEXT, subformat TEXT, arch TEXT,"
	" verdict TEXT, reasons TEXT, PRIMARY KEY (file_id, idx));"
	"CREATE TABLE IF NOT EXISTS properties ("
	" file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" part_idx INTEGER NOT NULL, sig_idx INTEGER, key TEXT NOT NULL, value);"
	"CREATE TABLE IF NOT EXISTS certificates ("
	" sha256 TEXT PRIMARY KEY, sha1 TEXT, subject TEXT, issuer TEXT, subject_cn TEXT,"
	" issuer_cn TEXT, serial TEXT, not_before TEXT, not_after TEXT, key_algorithm TEXT,"
	" key_bits INTEGER, signature_algorithm TEXT, trust_anchor INTEGER,"
	" ekus TEXT, policies TEXT, critical_extensions TEXT, is_ca INTEGER, key_sha256 TEXT);"
	"CREATE TABLE IF NOT EXISTS signatures ("
	" file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, part_idx INTEGER NOT NULL DEFAULT 0, parent INTEGER, depth INTEGER,"
	" verdict TEXT, digest_algorithm TEXT, signed_digest TEXT, computed_digest TEXT,"
	" signing_time TEXT, timestamp_kind TEXT, timestamp_time TEXT,"
	" timestamp_valid INTEGER, timestamp_signer_sha256 TEXT REFERENCES certificates(sha256),"
	" signer_sha256 TEXT REFERENCES certificates(sha256), trusted INTEGER,"
	" verification_time TEXT, reasons TEXT, source TEXT NOT NULL DEFAULT 'embedded',"
	" PRIMARY KEY (file_id, idx));"
	"CREATE TABLE IF NOT EXISTS chain_links ("
	" file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" sig_idx INTEGER NOT NULL, position INTEGER NOT NULL,"
	" cert_sha256 TEXT NOT NULL REFERENCES certificates(sha256),"
	" PRIMARY KEY (file_id, sig_idx, position));"
	"CREATE INDEX IF NOT EXISTS files_sha256 ON files(sha256);"
	"CREATE INDEX IF NOT EXISTS files_sha1 ON files(sha1);"
	"CREATE INDEX IF NOT EXISTS files_md5 ON files(md5);"
	"CREATE INDEX IF NOT EXISTS files_path ON files(path);"
	"CREATE INDEX IF NOT EXISTS files_container ON files(host, container);"
	"CREATE INDEX IF NOT EXISTS files_verdict ON files(verdict);"
	"CREATE INDEX IF NOT EXISTS reasons_file ON reasons(file_id);"
	"CREATE INDEX IF NOT EXISTS properties_file ON properties(file_id, part_idx, sig_idx);"
	"CREATE INDEX IF NOT EXISTS properties_key ON properties(key, value);"
	"CREATE INDEX IF NOT EXISTS signatures_signer ON signatures(signer_sha256);"
	"CREATE INDEX IF NOT EXISTS signatures_digest ON signatures(signed_digest);"
	"CREATE INDEX IF NOT EXISTS chain_cert ON chain_links(cert_sha256);"
	/* Schema 6: execution events read from logs (sigtrace ingest). */
	"CREATE TABLE IF NOT EXISTS executions (" EXECUTIONS_COLUMNS("INTEGER PRIMARY KEY", "INTEGER")
	"CREATE INDEX IF NOT EXISTS executions_sha256 ON executions(sha256);"
	"CREATE INDEX IF NOT EXISTS executions_image ON executions(image_key);"
	"CREATE INDEX IF NOT EXISTS executions_cdhash ON executions(cdhash);";

/* Version 6 to 7: the CDHash of a macOS execution (eslogger), its join
 * key to the signatures that carry it. */
static const char migrate_6_to_7[] = "ALTER TABLE executions ADD COLUMN cdhash TEXT;";
/* Version 6 to 7, any version before: the files' SHA-1 and MD5 (--legacy-hashes),
 * which logs name files by. */
static const char migrate_to_7_files[] =
	"ALTER TABLE files ADD COLUMN sha1 TEXT;"
	"ALTER TABLE files ADD COLUMN md5 TEXT;";

/* Version 1 (before Mach-O) lacked the Apple columns of version 2; the
 * step to 2 adds them so that one path (2 to 3) moves every old database
 * forward. */
/* Version 3 to 4: where each signature is (embedded, or a security
 * catalog that lists the file). */
static const char migrate_3_to_4[] =
	"ALTER TABLE signatures ADD COLUMN source TEXT NOT NULL DEFAULT 'embedded';";

/* Version 4 to 5: the file on disk a record was found in (files.container),
 * so that rescanning a container replaces its members through an index
 * instead of a pattern match over every path of the host. */
static const char migrate_4_to_5[] =
	"ALTER TABLE files ADD COLUMN container TEXT;"
	"UPDATE files SET container = substr(path, 1, instr(path, '//') - 1) WHERE instr(path, '//') > 0;";

static const char migrate_1_to_2[] =
	"ALTER TABLE signatures ADD COLUMN slice INTEGER;"
	"ALTER TABLE signatures ADD COLUMN arch TEXT;"
	"ALTER TABLE signatures ADD COLUMN signing_id TEXT;"
	"ALTER TABLE signatures ADD COLUMN team_id TEXT;"
	"ALTER TABLE signatures ADD COLUMN cdhash TEXT;"
	"ALTER TABLE signatures ADD COLUMN cd_flags INTEGER;"
	"ALTER TABLE signatures ADD COLUMN signer_type TEXT;";

/*
 * Version 2 to 3: per-format columns become parts and properties, nothing
 * is lost. A universal Mach-O file's signatures belonged to slices
 * (signatures.slice); each becomes a part (idx = slice + 1, in slice order,
 * as the writer numbers them) and the signature points at it.
 */
static const char migrate_2_to_3[] =
	"CREATE TABLE parts ("
	" file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, parent INTEGER, kind TEXT NOT NULL, name TEXT,"
	" offset INTEGER, size INTEGER, format TEXT, subformat TEXT, arch TEXT,"
	" verdict TEXT, reasons TEXT, PRIMARY KEY (file_id, idx));"
	"CREATE TABLE properties ("
	" file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" part_idx INTEGER NOT NULL, sig_idx INTEGER, key TEXT NOT NULL, value);"
	"INSERT INTO parts (file_id, idx, kind, size, format, subformat, arch, verdict, reasons)"
	" SELECT id, 0, 'file', size, format, subformat, arch, verdict, reasons FROM files;"
	"INSERT INTO parts (file_id, idx, parent, kind, name, format, verdict)"
	" SELECT s.file_id, s.slice + 1, 0, 'slice', s.arch, 'macho', s.verdict"
	" FROM signatures s JOIN files f ON f.id = s.file_id"
	" WHERE s.slice IS NOT NULL AND f.subformat IN ('fat', 'fat64');"
	"ALTER TABLE signatures ADD COLUMN part_idx INTEGER NOT NULL DEFAULT 0;"
	"UPDATE signatures SET part_idx = slice + 1 WHERE slice IS NOT NULL"
	" AND file_id IN (SELECT id FROM files WHERE subformat IN ('fat', 'fat64'));"
	"INSERT INTO properties (file_id, part_idx, key, value)"
	" SELECT id, 0, 'pe.company', company FROM files WHERE company IS NOT NULL"
	" UNION ALL SELECT id, 0, 'pe.product', product FROM files WHERE product IS NOT NULL"
	" UNION ALL SELECT id, 0, 'pe.original_file_name', original_name FROM files WHERE original_name IS NOT NULL"
	" UNION ALL SELECT id, 0, 'pe.description', description FROM files WHERE description IS NOT NULL"
	" UNION ALL SELECT id, 0, 'pe.file_version', file_version FROM files WHERE file_version IS NOT NULL;"
	"INSERT INTO properties (file_id, part_idx, sig_idx, key, value)"
	" SELECT s.file_id, s.part_idx, s.idx, 'pe.table_entry', s.table_entry FROM signatures s"
	" JOIN files f ON f.id = s.file_id WHERE f.format = 'pe' AND s.table_entry IS NOT NULL"
	" UNION ALL SELECT file_id, part_idx, idx, 'macho.signing_id', signing_id FROM signatures WHERE signing_id IS NOT NULL"
	" UNION ALL SELECT file_id, part_idx, idx, 'macho.team_id', team_id FROM signatures WHERE team_id IS NOT NULL"
	" UNION ALL SELECT file_id, part_idx, idx, 'macho.cdhash', cdhash FROM signatures WHERE cdhash IS NOT NULL"
	" UNION ALL SELECT file_id, part_idx, idx, 'macho.cd_flags', cd_flags FROM signatures WHERE cd_flags IS NOT NULL"
	" UNION ALL SELECT file_id, part_idx, idx, 'macho.signer_type', signer_type FROM signatures WHERE signer_type IS NOT NULL;"
	"DROP INDEX IF EXISTS signatures_team;"
	"DROP INDEX IF EXISTS signatures_cdhash;"
	"ALTER TABLE files DROP COLUMN company;"
	"ALTER TABLE files DROP COLUMN product;"
	"ALTER TABLE files DROP COLUMN original_name;"
	"ALTER TABLE files DROP COLUMN description;"
	"ALTER TABLE files DROP COLUMN file_version;"
	"ALTER TABLE files DROP COLUMN authenticode_sha256;"
	"ALTER TABLE signatures DROP COLUMN table_entry;"
	"ALTER TABLE signatures DROP COLUMN slice;"
	"ALTER TABLE signatures DROP COLUMN arch;"
	"ALTER TABLE signatures DROP COLUMN signing_id;"
	"ALTER TABLE signatures DROP COLUMN team_id;"
	"ALTER TABLE signatures DROP COLUMN cdhash;"
	"ALTER TABLE signatures DROP COLUMN cd_flags;"
	"ALTER TABLE signatures DROP COLUMN signer_type;";

/*
 * The same tables on PostgreSQL (first released at version 5; version 6
 * adds executions, pg_migrate_5_to_6). Differences,
 * each for a reason (docs/inventory.md, PostgreSQL):
 * - ids are bigserial; properties.value is text (SQLite keeps integers as
 *   integers in an untyped column);
 * - "offset" is quoted, a reserved word there;
 * - a path can be longer than a B-tree entry may be (about 2,700 bytes),
 *   so (host, path) is unique through md5(path) and paths and containers
 *   are looked up through hash indexes, which have no such limit;
 * - julianday() and instr() are SQLite's, given here so that one text of
 *   each outlier rule runs on both.
 */
static const char pg_schema[] =
	"CREATE TABLE scans ("
	" id BIGSERIAL PRIMARY KEY, host TEXT, roots TEXT, options TEXT,"
	" started TEXT, finished TEXT, status TEXT NOT NULL DEFAULT 'running');"
	"CREATE TABLE files ("
	" id BIGSERIAL PRIMARY KEY, host TEXT NOT NULL, path TEXT NOT NULL, size BIGINT, mtime BIGINT,"
	" sha256 TEXT, format TEXT, subformat TEXT, arch TEXT, verdict TEXT NOT NULL,"
	" reasons TEXT, status TEXT, scan_id BIGINT REFERENCES scans(id), verified_at TEXT,"
	" container TEXT, sha1 TEXT, md5 TEXT);"
	"CREATE UNIQUE INDEX files_host_path ON files (host, md5(path));"
	"CREATE TABLE reasons ("
	" file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" code TEXT NOT NULL, detail TEXT);"
	"CREATE TABLE parts ("
	" file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, parent INTEGER, kind TEXT NOT NULL, name TEXT,"
	" \"offset\" BIGINT, size BIGINT, format TEXT, subformat TEXT, arch TEXT,"
	" verdict TEXT, reasons TEXT, PRIMARY KEY (file_id, idx));"
	"CREATE TABLE properties ("
	" file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" part_idx INTEGER NOT NULL, sig_idx INTEGER, key TEXT NOT NULL, value TEXT);"
	"CREATE TABLE certificates ("
	" sha256 TEXT PRIMARY KEY, sha1 TEXT, subject TEXT, issuer TEXT, subject_cn TEXT,"
	" issuer_cn TEXT, serial TEXT, not_before TEXT, not_after TEXT, key_algorithm TEXT,"
	" key_bits INTEGER, signature_algorithm TEXT, trust_anchor INTEGER,"
	" ekus TEXT, policies TEXT, critical_extensions TEXT, is_ca INTEGER, key_sha256 TEXT);"
	"CREATE TABLE signatures ("
	" file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, part_idx INTEGER NOT NULL DEFAULT 0, parent INTEGER, depth INTEGER,"
	" verdict TEXT, digest_algorithm TEXT, signed_digest TEXT, computed_digest TEXT,"
	" signing_time TEXT, timestamp_kind TEXT, timestamp_time TEXT,"
	" timestamp_valid INTEGER, timestamp_signer_sha256 TEXT REFERENCES certificates(sha256),"
	" signer_sha256 TEXT REFERENCES certificates(sha256), trusted INTEGER,"
	" verification_time TEXT, reasons TEXT, source TEXT NOT NULL DEFAULT 'embedded',"
	" PRIMARY KEY (file_id, idx));"
	"CREATE TABLE chain_links ("
	" file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" sig_idx INTEGER NOT NULL, position INTEGER NOT NULL,"
	" cert_sha256 TEXT NOT NULL REFERENCES certificates(sha256),"
	" PRIMARY KEY (file_id, sig_idx, position));"
	"CREATE INDEX files_sha256 ON files(sha256);"
	"CREATE INDEX files_path ON files USING hash (path);"
	"CREATE INDEX files_container ON files USING hash (container);"
	"CREATE INDEX files_verdict ON files(verdict);"
	"CREATE INDEX files_host ON files(host);"
	"CREATE INDEX reasons_file ON reasons(file_id);"
	"CREATE INDEX reasons_code ON reasons(code);"
	"CREATE INDEX properties_file ON properties(file_id, part_idx, sig_idx);"
	"CREATE INDEX properties_key ON properties(key);"
	"CREATE INDEX properties_value ON properties USING hash (value);"
	"CREATE INDEX signatures_signer ON signatures(signer_sha256);"
	"CREATE INDEX signatures_digest ON signatures(signed_digest);"
	"CREATE INDEX chain_cert ON chain_links(cert_sha256);"
	"CREATE OR REPLACE FUNCTION julianday(t text) RETURNS double precision"
	" LANGUAGE sql IMMUTABLE AS"
	" $$ SELECT (extract(epoch FROM t::timestamptz) / 86400.0 + 2440587.5)::double precision $$;"
	"CREATE OR REPLACE FUNCTION instr(s text, sub text) RETURNS integer"
	" LANGUAGE sql IMMUTABLE AS $$ SELECT strpos(s, sub) $$;";

/* Version 5 to 6 on PostgreSQL: execution events (sigtrace ingest). */
static const char pg_migrate_5_to_6[] =
	"CREATE TABLE executions (" EXECUTIONS_COLUMNS("BIGSERIAL PRIMARY KEY", "BIGINT")
	"CREATE INDEX executions_sha256 ON executions(sha256);"
	"CREATE INDEX executions_image ON executions USING hash (image_key);";

/* Version 6 to 7 on PostgreSQL (a table made by the step above has it). */
static const char pg_migrate_6_to_7[] =
	"ALTER TABLE executions ADD COLUMN IF NOT EXISTS cdhash TEXT;"
	"CREATE INDEX IF NOT EXISTS executions_cdhash ON executions(cdhash);"
	"ALTER TABLE files ADD COLUMN IF NOT EXISTS sha1 TEXT;"
	"ALTER TABLE files ADD COLUMN IF NOT EXISTS md5 TEXT;"
	"CREATE INDEX IF NOT EXISTS files_sha1 ON files(sha1);"
	"CREATE INDEX IF NOT EXISTS files_md5 ON files(md5);";

/* Any number fits; one for sigtrace's schema changes. */
#define PG_SCHEMA_LOCK "7361676e696e67"

static int fail(struct db *db, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", db_errmsg(db));
	(void)db_exec(db, "ROLLBACK");
	return -1;
}

static int version_of(struct db *db, const char *sql, int *version)
{
	struct db_stmt *s;

	*version = 0;
	if (db_prepare(db, sql, &s))
		return -1;
	if (db_step(s) == DB_ROW)
		*version = (int)db_int64(s, 0);
	db_finalize(s);
	return 0;
}

/* Whether a SQLite table has a column (a step that adds columns is not
 * repeated on a database that has them). */
static bool has_column(struct db *db, const char *table, const char *column)
{
	struct db_stmt *s;
	char sql[256];
	bool found = false;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM pragma_table_info('%s') WHERE name = '%s'", table, column);
	if (db_prepare(db, sql, &s))
		return false;
	found = db_step(s) == DB_ROW;
	db_finalize(s);
	return found;
}

static int apply_postgres(struct db *db, char *err, size_t errlen)
{
	int version;

	/* Scanners starting together: one creates or migrates, the others
	 * wait for it under the lock and find the schema current. */
	if (db_exec(db, "BEGIN; SELECT pg_advisory_xact_lock(x'" PG_SCHEMA_LOCK "'::bigint);"
			"CREATE TABLE IF NOT EXISTS sigtrace_schema (version INTEGER NOT NULL);") ||
	    version_of(db, "SELECT max(version) FROM sigtrace_schema", &version))
		return fail(db, err, errlen);
	if (version > INVENTORY_SCHEMA_VERSION) {
		snprintf(err, errlen, "inventory schema %d is newer than this sigtrace (%d)", version,
			 INVENTORY_SCHEMA_VERSION);
		(void)db_exec(db, "ROLLBACK");
		return -1;
	}
	if ((version == 0 && db_exec(db, pg_schema)) || (version <= 5 && db_exec(db, pg_migrate_5_to_6)) ||
	    (version <= 6 && db_exec(db, pg_migrate_6_to_7)) ||
	    (version < INVENTORY_SCHEMA_VERSION &&
	     (db_exec(db, "DELETE FROM sigtrace_schema") || db_exec(db, "INSERT INTO sigtrace_schema VALUES (7)"))))
		return fail(db, err, errlen);
	if (db_exec(db, "COMMIT"))
		return fail(db, err, errlen);
	return 0;
}

int inventory_schema_apply(struct db *db, char *err, size_t errlen)
{
	int version;

	if (db_kind_of(db) == DB_POSTGRES)
		return apply_postgres(db, err, errlen);
	if (version_of(db, "PRAGMA user_version", &version))
		return fail(db, err, errlen);
	if (version > INVENTORY_SCHEMA_VERSION) {
		snprintf(err, errlen, "inventory schema %d is newer than this sigtrace (%d)",
			 version, INVENTORY_SCHEMA_VERSION);
		return -1;
	}
	/* Every step in one transaction: a failed migration leaves the
	 * database as it was. */
	if (version >= 1 && version < INVENTORY_SCHEMA_VERSION) {
		if (db_exec(db, "BEGIN") ||
		    (version == 1 && db_exec(db, migrate_1_to_2)) ||
		    (version <= 2 && db_exec(db, migrate_2_to_3)) ||
		    (version <= 3 && db_exec(db, migrate_3_to_4)) ||
		    (version <= 4 && db_exec(db, migrate_4_to_5)) ||
		    (version == 6 && db_exec(db, migrate_6_to_7)) ||
		    (!has_column(db, "files", "sha1") && db_exec(db, migrate_to_7_files)) ||
		    db_exec(db, "PRAGMA user_version=7") || db_exec(db, "COMMIT"))
			return fail(db, err, errlen);
	}
	if (db_exec(db, schema))
		return fail(db, err, errlen);
	return db_exec(db, "PRAGMA user_version=7") ? fail(db, err, errlen) : 0;
}

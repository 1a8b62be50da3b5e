/*
 * The certificate inventory: every verified file, signature, certificate and
 * chain link in SQLite (schema in docs/inventory.md).
 *
 * One writer (the engine's printer thread) in WAL mode with one transaction
 * per batch: a killed scan loses at most the batch in flight, and the file
 * stays consistent. Rescanning a path replaces its rows.
 */
#include "inventory.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define BATCH_FILES 256
#define BATCH_SECONDS 1.0
#define SCHEMA_VERSION 1

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS scans ("
	" id INTEGER PRIMARY KEY, host TEXT, roots TEXT, options TEXT,"
	" started TEXT, finished TEXT, status TEXT NOT NULL DEFAULT 'running');"
	"CREATE TABLE IF NOT EXISTS files ("
	" id INTEGER PRIMARY KEY, host TEXT NOT NULL, path TEXT NOT NULL, size INTEGER, mtime INTEGER,"
	" sha256 TEXT, format TEXT, subformat TEXT, arch TEXT, verdict TEXT NOT NULL,"
	" reasons TEXT, status TEXT, company TEXT, product TEXT, original_name TEXT,"
	" description TEXT, file_version TEXT, authenticode_sha256 TEXT,"
	" scan_id INTEGER REFERENCES scans(id), verified_at TEXT, UNIQUE (host, path));"
	"CREATE TABLE IF NOT EXISTS reasons ("
	" file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" code TEXT NOT NULL, detail TEXT);"
	"CREATE TABLE IF NOT EXISTS certificates ("
	" sha256 TEXT PRIMARY KEY, sha1 TEXT, subject TEXT, issuer TEXT, subject_cn TEXT,"
	" issuer_cn TEXT, serial TEXT, not_before TEXT, not_after TEXT, key_algorithm TEXT,"
	" key_bits INTEGER, signature_algorithm TEXT, trust_anchor INTEGER,"
	" ekus TEXT, policies TEXT, critical_extensions TEXT, is_ca INTEGER, key_sha256 TEXT);"
	"CREATE TABLE IF NOT EXISTS signatures ("
	" file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, parent INTEGER, depth INTEGER, table_entry INTEGER,"
	" verdict TEXT, digest_algorithm TEXT, signed_digest TEXT, computed_digest TEXT,"
	" signing_time TEXT, timestamp_kind TEXT, timestamp_time TEXT,"
	" timestamp_valid INTEGER, timestamp_signer_sha256 TEXT REFERENCES certificates(sha256),"
	" signer_sha256 TEXT REFERENCES certificates(sha256), trusted INTEGER,"
	" verification_time TEXT, reasons TEXT,"
	" slice INTEGER, arch TEXT, signing_id TEXT, team_id TEXT, cdhash TEXT,"
	" cd_flags INTEGER, signer_type TEXT, PRIMARY KEY (file_id, idx));"
	"CREATE TABLE IF NOT EXISTS chain_links ("
	" file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,"
	" sig_idx INTEGER NOT NULL, position INTEGER NOT NULL,"
	" cert_sha256 TEXT NOT NULL REFERENCES certificates(sha256),"
	" PRIMARY KEY (file_id, sig_idx, position));"
	"CREATE INDEX IF NOT EXISTS files_sha256 ON files(sha256);"
	"CREATE INDEX IF NOT EXISTS files_path ON files(path);"
	"CREATE INDEX IF NOT EXISTS files_verdict ON files(verdict);"
	"CREATE INDEX IF NOT EXISTS reasons_file ON reasons(file_id);"
	"CREATE INDEX IF NOT EXISTS signatures_signer ON signatures(signer_sha256);"
	"CREATE INDEX IF NOT EXISTS signatures_digest ON signatures(signed_digest);"
	"CREATE INDEX IF NOT EXISTS chain_cert ON chain_links(cert_sha256);";

/* Version 1 databases (before Mach-O) lack the Apple columns. */
static const char migrate_1_to_2[] =
	"ALTER TABLE signatures ADD COLUMN slice INTEGER;"
	"ALTER TABLE signatures ADD COLUMN arch TEXT;"
	"ALTER TABLE signatures ADD COLUMN signing_id TEXT;"
	"ALTER TABLE signatures ADD COLUMN team_id TEXT;"
	"ALTER TABLE signatures ADD COLUMN cdhash TEXT;"
	"ALTER TABLE signatures ADD COLUMN cd_flags INTEGER;"
	"ALTER TABLE signatures ADD COLUMN signer_type TEXT;";

static const char indexes_2[] =
	"CREATE INDEX IF NOT EXISTS signatures_team ON signatures(team_id);"
	"CREATE INDEX IF NOT EXISTS signatures_cdhash ON signatures(cdhash);";

enum {
	S_BEGIN, S_COMMIT, S_DELETE_FILE, S_INSERT_FILE, S_INSERT_REASON, S_INSERT_CERT,
	S_INSERT_SIG, S_INSERT_LINK, S_SEEN, S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN",
	[S_COMMIT] = "COMMIT",
	[S_DELETE_FILE] = "DELETE FROM files WHERE path = ?1 AND host = ?2",
	[S_INSERT_FILE] =
		"INSERT INTO files (path, size, mtime, sha256, format, subformat, arch, verdict,"
		" reasons, status, company, product, original_name, description, file_version,"
		" authenticode_sha256, scan_id, verified_at, host)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)",
	[S_INSERT_REASON] = "INSERT INTO reasons (file_id, code, detail) VALUES (?1,?2,?3)",
	[S_INSERT_CERT] =
		"INSERT OR IGNORE INTO certificates (sha256, sha1, subject, issuer, subject_cn,"
		" issuer_cn, serial, not_before, not_after, key_algorithm, key_bits,"
		" signature_algorithm, trust_anchor, ekus, policies, critical_extensions, is_ca, key_sha256)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
	[S_INSERT_SIG] =
		"INSERT INTO signatures (file_id, idx, parent, depth, table_entry, verdict,"
		" digest_algorithm, signed_digest, computed_digest, signing_time, timestamp_kind,"
		" timestamp_time, timestamp_valid, timestamp_signer_sha256, signer_sha256, trusted,"
		" verification_time, reasons, slice, arch, signing_id, team_id, cdhash, cd_flags,"
		" signer_type)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,"
		"?21,?22,?23,?24,?25)",
	[S_INSERT_LINK] =
		"INSERT INTO chain_links (file_id, sig_idx, position, cert_sha256) VALUES (?1,?2,?3,?4)",
	[S_SEEN] = "SELECT 1 FROM files WHERE path = ?1 AND size = ?2 AND mtime = ?3 AND host = ?4",
};

struct inventory {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
	sqlite3 *reader;           /* the walker's connection, for --resume */
	sqlite3_stmt *seen;
	sqlite3_int64 scan_id;
	char host[256];
	int in_batch;
	struct timespec batch_start;
	char err[256];
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void iso(int64_t t, char *buf, size_t len)
{
	fmt_time(t, buf, len);
}

static int exec(struct inventory *inv, const char *s)
{
	char *msg = NULL;

	if (sqlite3_exec(inv->db, s, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(inv->err, sizeof(inv->err), "%s", msg ? msg : sqlite3_errmsg(inv->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

const char *inventory_error(const struct inventory *inv)
{
	return inv->err;
}

int inventory_open(struct inventory **out, const char *path, const char *roots,
		   const char *options, bool resume, char *err, size_t errlen)
{
	struct inventory *inv = calloc(1, sizeof(*inv));
	char host[256] = "", now[32];
	sqlite3_stmt *ins = NULL;

	*out = NULL;
	if (!inv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (sqlite3_open_v2(path, &inv->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", inv->db ? sqlite3_errmsg(inv->db) : "cannot open");
		inventory_close(inv, false);
		return -1;
	}
	sqlite3_busy_timeout(inv->db, 10000);
	if (exec(inv, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")) {
		snprintf(err, errlen, "%s", inv->err);
		inventory_close(inv, false);
		return -1;
	}
	{
		sqlite3_stmt *v = NULL;
		int version = 0;
		if (sqlite3_prepare_v2(inv->db, "PRAGMA user_version", -1, &v, NULL) == SQLITE_OK &&
		    sqlite3_step(v) == SQLITE_ROW)
			version = sqlite3_column_int(v, 0);
		sqlite3_finalize(v);
		if ((version == 1 && exec(inv, migrate_1_to_2)) || exec(inv, schema) ||
		    exec(inv, indexes_2)) {
			snprintf(err, errlen, "%s", inv->err);
			inventory_close(inv, false);
			return -1;
		}
	}
	(void)exec(inv, "PRAGMA user_version=2");
	for (int i = 0; i < S_COUNT; i++) {
		if (i == S_SEEN)
			continue;
		if (sqlite3_prepare_v2(inv->db, sql[i], -1, &inv->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(inv->db));
			inventory_close(inv, false);
			return -1;
		}
	}
	if (resume) {
		if (sqlite3_open_v2(path, &inv->reader, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(inv->reader, sql[S_SEEN], -1, &inv->seen, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(inv->reader ? inv->reader : inv->db));
			inventory_close(inv, false);
			return -1;
		}
		sqlite3_busy_timeout(inv->reader, 10000);
	}
	gethostname(host, sizeof(host) - 1);
	snprintf(inv->host, sizeof(inv->host), "%s", host);
	iso((int64_t)time(NULL), now, sizeof(now));
	if (sqlite3_prepare_v2(inv->db,
			       "INSERT INTO scans (host, roots, options, started) VALUES (?1,?2,?3,?4)",
			       -1, &ins, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(inv->db));
		inventory_close(inv, false);
		return -1;
	}
	sqlite3_bind_text(ins, 1, host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 2, roots, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 3, options, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 4, now, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(ins) != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(inv->db));
		sqlite3_finalize(ins);
		inventory_close(inv, false);
		return -1;
	}
	sqlite3_finalize(ins);
	inv->scan_id = sqlite3_last_insert_rowid(inv->db);
	*out = inv;
	return 0;
}

bool inventory_seen(struct inventory *inv, const char *path)
{
	struct stat st;
	bool seen;

	if (!inv->seen || stat(path, &st) != 0)
		return false;
	sqlite3_reset(inv->seen);
	sqlite3_bind_text(inv->seen, 1, path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(inv->seen, 2, (sqlite3_int64)st.st_size);
	sqlite3_bind_int64(inv->seen, 3, (sqlite3_int64)st.st_mtime);
	sqlite3_bind_text(inv->seen, 4, inv->host, -1, SQLITE_TRANSIENT);
	seen = sqlite3_step(inv->seen) == SQLITE_ROW;
	sqlite3_reset(inv->seen);
	return seen;
}

static void text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void time_col(sqlite3_stmt *s, int i, int64_t t)
{
	char buf[32];

	if (t == ST_TIME_NONE) {
		sqlite3_bind_null(s, i);
		return;
	}
	iso(t, buf, sizeof(buf));
	sqlite3_bind_text(s, i, buf, -1, SQLITE_TRANSIENT);
}

static int step(struct inventory *inv, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		snprintf(inv->err, sizeof(inv->err), "%s", sqlite3_errmsg(inv->db));
		return -1;
	}
	return 0;
}

static int put_cert(struct inventory *inv, const st_cert *c)
{
	sqlite3_stmt *s = inv->st[S_INSERT_CERT];

	text(s, 1, st_cert_sha256(c));
	text(s, 2, st_cert_sha1(c));
	text(s, 3, st_cert_subject(c));
	text(s, 4, st_cert_issuer(c));
	text(s, 5, st_cert_subject_cn(c));
	text(s, 6, st_cert_issuer_cn(c));
	text(s, 7, st_cert_serial(c));
	time_col(s, 8, st_cert_not_before(c));
	time_col(s, 9, st_cert_not_after(c));
	text(s, 10, st_cert_key_algorithm(c));
	sqlite3_bind_int(s, 11, st_cert_key_bits(c));
	text(s, 12, st_cert_signature_algorithm(c));
	sqlite3_bind_int(s, 13, st_cert_is_trust_anchor(c));
	text(s, 14, st_cert_ekus(c));
	text(s, 15, st_cert_policies(c));
	text(s, 16, st_cert_critical_extensions(c));
	sqlite3_bind_int(s, 17, st_cert_is_ca(c));
	text(s, 18, st_cert_key_sha256(c));
	return step(inv, s);
}

static void reason_list(size_t n, st_reason (*code)(const void *, size_t), const void *o,
			char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? "," : "", st_reason_name(code(o, i)));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static st_reason res_code(const void *o, size_t i) { return st_result_reason(o, i); }
static st_reason sig_code(const void *o, size_t i) { return st_signature_reason(o, i); }

static int commit(struct inventory *inv)
{
	if (!inv->in_batch)
		return 0;
	inv->in_batch = 0;
	return step(inv, inv->st[S_COMMIT]);
}

int inventory_add(struct inventory *inv, const char *path, const st_result *res)
{
	sqlite3_stmt *s;
	struct stat st;
	sqlite3_int64 fid;
	char reasons[1024], now[32];
	const st_signature *p0 = st_result_signature_count(res) ? st_result_signature(res, 0) : NULL;

	if (!inv->in_batch) {
		if (step(inv, inv->st[S_BEGIN]))
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &inv->batch_start);
	}
	inv->in_batch++;
	text(inv->st[S_DELETE_FILE], 1, path);
	text(inv->st[S_DELETE_FILE], 2, inv->host);
	if (step(inv, inv->st[S_DELETE_FILE]))
		return -1;
	s = inv->st[S_INSERT_FILE];
	text(s, 1, path);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)st_result_file_size(res));
	if (stat(path, &st) == 0)
		sqlite3_bind_int64(s, 3, (sqlite3_int64)st.st_mtime);
	text(s, 4, st_result_sha256(res));
	text(s, 5, st_result_format(res));
	text(s, 6, st_result_subformat(res));
	text(s, 7, st_result_arch(res));
	text(s, 8, st_verdict_name(st_result_verdict(res)));
	reason_list(st_result_reason_count(res), res_code, res, reasons, sizeof(reasons));
	text(s, 9, reasons);
	text(s, 10, ecs_status(res));
	text(s, 11, st_result_version_string(res, "CompanyName"));
	text(s, 12, st_result_version_string(res, "ProductName"));
	text(s, 13, st_result_version_string(res, "OriginalFilename"));
	text(s, 14, st_result_version_string(res, "FileDescription"));
	text(s, 15, st_result_version_string(res, "FileVersion"));
	text(s, 16, p0 && st_signature_digest_algorithm(p0) &&
			    strcmp(st_signature_digest_algorithm(p0), "sha256") == 0
		    ? st_signature_computed_digest(p0) : NULL);
	sqlite3_bind_int64(s, 17, inv->scan_id);
	iso((int64_t)time(NULL), now, sizeof(now));
	text(s, 18, now);
	text(s, 19, inv->host);
	if (step(inv, s))
		return -1;
	fid = sqlite3_last_insert_rowid(inv->db);

	for (size_t i = 0; i < st_result_reason_count(res); i++) {
		s = inv->st[S_INSERT_REASON];
		sqlite3_bind_int64(s, 1, fid);
		text(s, 2, st_reason_name(st_result_reason(res, i)));
		text(s, 3, st_result_reason_detail(res, i));
		if (step(inv, s))
			return -1;
	}
	for (size_t i = 0; i < st_result_signature_count(res); i++) {
		const st_signature *g = st_result_signature(res, i);
		const st_cert *signer = st_signature_signer(g), *tsa = st_signature_timestamp_signer(g);

		if ((signer && put_cert(inv, signer)) || (tsa && put_cert(inv, tsa)))
			return -1;
		for (size_t k = 0; k < st_signature_chain_length(g); k++) {
			const st_cert *c = st_signature_chain_cert(g, k);
			if (put_cert(inv, c))
				return -1;
			s = inv->st[S_INSERT_LINK];
			sqlite3_bind_int64(s, 1, fid);
			sqlite3_bind_int(s, 2, (int)i);
			sqlite3_bind_int(s, 3, (int)k);
			text(s, 4, st_cert_sha256(c));
			if (step(inv, s))
				return -1;
		}
		s = inv->st[S_INSERT_SIG];
		sqlite3_bind_int64(s, 1, fid);
		sqlite3_bind_int(s, 2, (int)i);
		if (st_signature_parent(g) >= 0)
			sqlite3_bind_int(s, 3, st_signature_parent(g));
		sqlite3_bind_int(s, 4, st_signature_depth(g));
		sqlite3_bind_int(s, 5, st_signature_table_entry(g));
		text(s, 6, st_verdict_name(st_signature_verdict(g)));
		text(s, 7, st_signature_digest_algorithm(g));
		text(s, 8, st_signature_signed_digest(g));
		text(s, 9, st_signature_computed_digest(g));
		time_col(s, 10, st_signature_signing_time(g));
		text(s, 11, st_signature_timestamp_kind(g));
		time_col(s, 12, st_signature_timestamp_time(g));
		if (st_signature_timestamp_kind(g))
			sqlite3_bind_int(s, 13, st_signature_timestamp_valid(g));
		text(s, 14, tsa ? st_cert_sha256(tsa) : NULL);
		text(s, 15, signer ? st_cert_sha256(signer) : NULL);
		sqlite3_bind_int(s, 16, st_signature_trusted(g));
		time_col(s, 17, st_signature_verification_time(g));
		reason_list(st_signature_reason_count(g), sig_code, g, reasons, sizeof(reasons));
		text(s, 18, reasons);
		if (st_signature_slice(g) >= 0) {
			sqlite3_bind_int(s, 19, st_signature_slice(g));
			text(s, 20, st_result_slice_arch(res, (size_t)st_signature_slice(g)));
			text(s, 21, st_signature_signing_id(g));
			text(s, 22, st_signature_team_id(g));
			text(s, 23, st_signature_cdhash(g));
			sqlite3_bind_int64(s, 24, st_signature_code_directory_flags(g));
			text(s, 25, st_signature_signer_type(g));
		}
		if (step(inv, s))
			return -1;
	}
	if (inv->in_batch >= BATCH_FILES || since(&inv->batch_start) >= BATCH_SECONDS)
		return commit(inv);
	return 0;
}

int inventory_tick(struct inventory *inv)
{
	if (inv->in_batch && since(&inv->batch_start) >= BATCH_SECONDS)
		return commit(inv);
	return 0;
}

int inventory_close(struct inventory *inv, bool complete)
{
	int rc = 0;

	if (!inv)
		return 0;
	if (inv->db) {
		if (commit(inv))
			rc = -1;
		if (inv->scan_id) {
			char now[32], q[160];
			iso((int64_t)time(NULL), now, sizeof(now));
			snprintf(q, sizeof(q),
				 "UPDATE scans SET finished = '%s', status = '%s' WHERE id = %lld",
				 now, complete ? "complete" : "incomplete", (long long)inv->scan_id);
			if (exec(inv, q))
				rc = -1;
		}
	}
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(inv->st[i]);
	sqlite3_finalize(inv->seen);
	sqlite3_close(inv->reader);
	sqlite3_close(inv->db);
	free(inv);
	return rc;
}

/*
 * The certificate inventory: every verified file, its parts and properties,
 * signatures, certificates and chain links in SQLite (schema in
 * docs/inventory.md).
 *
 * One writer (the engine's printer thread) in WAL mode with one transaction
 * per batch: a killed scan loses at most the batch in flight, and the file
 * stays consistent. Rescanning a path replaces its rows.
 */

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "inventory/inventory.h"
#include "inventory/schema.h"
#include "report/record.h"

#define BATCH_FILES 256
#define BATCH_SECONDS 1.0
enum {
	S_BEGIN, S_COMMIT, S_DELETE_FILE, S_INSERT_FILE, S_INSERT_REASON, S_INSERT_CERT,
	S_INSERT_SIG, S_INSERT_LINK, S_INSERT_PART, S_INSERT_PROP, S_SEEN, S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN",
	[S_COMMIT] = "COMMIT",
	[S_DELETE_FILE] = "DELETE FROM files WHERE (path = ?1 OR path LIKE ?3 ESCAPE '\\') AND host = ?2",
	[S_INSERT_FILE] =
		"INSERT INTO files (path, size, mtime, sha256, format, subformat, arch, verdict,"
		" reasons, status, scan_id, verified_at, host)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
	[S_INSERT_REASON] = "INSERT INTO reasons (file_id, code, detail) VALUES (?1,?2,?3)",
	[S_INSERT_CERT] =
		"INSERT OR IGNORE INTO certificates (sha256, sha1, subject, issuer, subject_cn,"
		" issuer_cn, serial, not_before, not_after, key_algorithm, key_bits,"
		" signature_algorithm, trust_anchor, ekus, policies, critical_extensions, is_ca, key_sha256)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
	[S_INSERT_SIG] =
		"INSERT INTO signatures (file_id, idx, part_idx, parent, depth, verdict,"
		" digest_algorithm, signed_digest, computed_digest, signing_time, timestamp_kind,"
		" timestamp_time, timestamp_valid, timestamp_signer_sha256, signer_sha256, trusted,"
		" verification_time, reasons, source)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)",
	[S_INSERT_LINK] =
		"INSERT INTO chain_links (file_id, sig_idx, position, cert_sha256) VALUES (?1,?2,?3,?4)",
	[S_INSERT_PART] =
		"INSERT INTO parts (file_id, idx, parent, kind, name, offset, size, format, subformat,"
		" arch, verdict, reasons) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
	[S_INSERT_PROP] =
		"INSERT INTO properties (file_id, part_idx, sig_idx, key, value) VALUES (?1,?2,?3,?4,?5)",
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
		if (inventory_schema_apply(inv->db, version, err, errlen) != 0) {
			inventory_close(inv, false);
			return -1;
		}
	}
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
	char canon[8192];
	bool seen;

	if (!inv->seen || stat(path, &st) != 0 || inventory_canon_path(path, canon, sizeof(canon)))
		return false;
	sqlite3_reset(inv->seen);
	sqlite3_bind_text(inv->seen, 1, canon, -1, SQLITE_TRANSIENT);
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

static void reason_codes(size_t n, st_reason (*code)(const void *, size_t), const void *o,
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

static st_reason part_code(const void *o, size_t i) { return st_part_reason(o, i); }
static st_reason sig_code(const void *o, size_t i) { return st_signature_reason(o, i); }

static int commit(struct inventory *inv)
{
	if (!inv->in_batch)
		return 0;
	inv->in_batch = 0;
	return step(inv, inv->st[S_COMMIT]);
}

static int put_property(struct inventory *inv, sqlite3_int64 fid, size_t part, int sig,
			const st_property *pr)
{
	sqlite3_stmt *s = inv->st[S_INSERT_PROP];

	sqlite3_bind_int64(s, 1, fid);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)part);
	if (sig >= 0)
		sqlite3_bind_int(s, 3, sig);
	text(s, 4, st_property_key(pr));
	if (st_property_type_of(pr) == ST_PROPERTY_STRING)
		text(s, 5, st_property_string(pr));
	else if (st_property_type_of(pr) == ST_PROPERTY_TIME)
		time_col(s, 5, st_property_int(pr));
	else
		sqlite3_bind_int64(s, 5, (sqlite3_int64)st_property_int(pr));
	return step(inv, s);
}

struct add_ctx {
	struct inventory *inv;
	const char *file_path;
	int rc;
};

/* One record: a files row and its reasons, parts, properties,
 * signatures, certificates and chain links. */
static int add_record(struct inventory *inv, const struct record *r, const char *file_path)
{
	const st_part *part = r->part;
	sqlite3_stmt *s;
	struct stat st;
	sqlite3_int64 fid;
	char reasons[1024], now[32];

	s = inv->st[S_INSERT_FILE];
	text(s, 1, r->path);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)st_part_size(part));
	if (!st_part_parent(part) && stat(file_path, &st) == 0)
		sqlite3_bind_int64(s, 3, (sqlite3_int64)st.st_mtime);
	text(s, 4, st_part_sha256(part));
	text(s, 5, st_part_format(part));
	text(s, 6, st_part_subformat(part));
	text(s, 7, st_part_arch(part));
	text(s, 8, st_verdict_name(st_part_verdict(part)));
	reason_codes(st_part_reason_count(part), part_code, part, reasons, sizeof(reasons));
	text(s, 9, reasons);
	text(s, 10, st_part_ecs_status(part));
	sqlite3_bind_int64(s, 11, inv->scan_id);
	iso((int64_t)time(NULL), now, sizeof(now));
	text(s, 12, now);
	text(s, 13, inv->host);
	if (step(inv, s))
		return -1;
	fid = sqlite3_last_insert_rowid(inv->db);

	for (size_t i = 0; i < st_part_reason_count(part); i++) {
		s = inv->st[S_INSERT_REASON];
		sqlite3_bind_int64(s, 1, fid);
		text(s, 2, st_reason_name(st_part_reason(part, i)));
		text(s, 3, st_part_reason_detail(part, i));
		if (step(inv, s))
			return -1;
	}
	for (size_t i = 0; i < r->nparts; i++) {
		const st_part *p = r->parts[i];

		s = inv->st[S_INSERT_PART];
		sqlite3_bind_int64(s, 1, fid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		if (r->parent[i] >= 0)
			sqlite3_bind_int(s, 3, r->parent[i]);
		text(s, 4, st_part_kind(p));
		text(s, 5, st_part_name(p));
		if (i > 0 && st_part_has_range(p))
			sqlite3_bind_int64(s, 6, (sqlite3_int64)st_part_offset(p));
		sqlite3_bind_int64(s, 7, (sqlite3_int64)st_part_size(p));
		text(s, 8, st_part_format(p));
		text(s, 9, st_part_subformat(p));
		text(s, 10, st_part_arch(p));
		text(s, 11, st_verdict_name(st_part_verdict(p)));
		reason_codes(st_part_reason_count(p), part_code, p, reasons, sizeof(reasons));
		text(s, 12, reasons);
		if (step(inv, s))
			return -1;
		for (size_t k = 0; k < st_part_property_count(p); k++)
			if (put_property(inv, fid, i, -1, st_part_property(p, k)))
				return -1;
	}
	for (size_t i = 0; i < r->nsigs; i++) {
		const struct record_sig *rs = &r->sigs[i];
		const st_signature *g = rs->sig;
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
		sqlite3_bind_int64(s, 3, (sqlite3_int64)rs->part);
		if (rs->parent >= 0)
			sqlite3_bind_int(s, 4, rs->parent);
		sqlite3_bind_int(s, 5, st_signature_depth(g));
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
		reason_codes(st_signature_reason_count(g), sig_code, g, reasons, sizeof(reasons));
		text(s, 18, reasons);
		text(s, 19, st_signature_source(g));
		if (step(inv, s))
			return -1;
		for (size_t k = 0; k < st_signature_property_count(g); k++)
			if (put_property(inv, fid, rs->part, (int)i, st_signature_property(g, k)))
				return -1;
	}
	return 0;
}

static void add_one(const struct record *r, void *arg)
{
	struct add_ctx *a = arg;

	if (a->rc == 0 && st_part_format(r->part) && add_record(a->inv, r, a->file_path))
		a->rc = -1;
}

int inventory_add(struct inventory *inv, const char *file_path, const st_result *res)
{
	struct add_ctx a = { inv, file_path, 0 };
	char path[8192], *like;
	size_t n, o = 0;

	if (inventory_canon_path(file_path, path, sizeof(path)))
		return -1;
	n = strlen(path);

	if (!inv->in_batch) {
		if (step(inv, inv->st[S_BEGIN]))
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &inv->batch_start);
	}
	inv->in_batch++;
	/* The file and every record inside it ("path//member") are replaced. */
	like = malloc(2 * n + 4);
	if (!like)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (path[i] == '%' || path[i] == '_' || path[i] == '\\')
			like[o++] = '\\';
		like[o++] = path[i];
	}
	memcpy(like + o, "//%", 4);
	text(inv->st[S_DELETE_FILE], 1, path);
	text(inv->st[S_DELETE_FILE], 2, inv->host);
	text(inv->st[S_DELETE_FILE], 3, like);
	free(like);
	if (step(inv, inv->st[S_DELETE_FILE]))
		return -1;
	record_each(res, path, add_one, &a);
	if (a.rc)
		return -1;
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

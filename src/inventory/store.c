/*
 * The certificate inventory: every verified file, its parts and properties,
 * signatures, certificates and chain links, in SQLite or PostgreSQL (schema
 * in docs/inventory.md).
 *
 * Rows are gathered in memory per batch (256 files or one second) and
 * written in one transaction when the batch closes, so that no lock is
 * held while files are verified and a batch that fails for a passing
 * reason (the server restarted, a deadlock with another scanner) is written
 * again whole. Certificates go first, in hash order, and files in path
 * order: scanners that share certificates or paths take their locks in the
 * same order. A killed scan loses at most the batch in flight; a file is
 * recorded with all its rows or not at all.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "inventory/db.h"
#include "inventory/inventory.h"
#include "inventory/schema.h"
#include "report/record.h"

#define BATCH_FILES 256
#define BATCH_SECONDS 1.0
/* Rows gathered before a batch is written early (docs/limits.md). */
#define BATCH_MAX_ROWS 65536
/* A batch that fails for a passing reason is written again up to this many
 * times, each after the connection is back (waiting up to RECONNECT_SECONDS). */
#define BATCH_ATTEMPTS 8
#define RECONNECT_SECONDS 120

enum {
	S_DELETE_MEMBERS, S_UPSERT_FILE, S_DELETE_REASONS, S_DELETE_PARTS, S_DELETE_PROPS,
	S_DELETE_SIGS, S_DELETE_LINKS, S_INSERT_REASON, S_INSERT_CERT, S_INSERT_SIG,
	S_INSERT_LINK, S_INSERT_PART, S_INSERT_PROP, S_COUNT
};

#define FILE_COLUMNS \
	"INSERT INTO files (path, size, mtime, sha256, format, subformat, arch, verdict," \
	" reasons, status, scan_id, verified_at, host, container, sha1, md5)" \
	" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
#define FILE_UPDATE \
	" DO UPDATE SET size = excluded.size, mtime = excluded.mtime, sha256 = excluded.sha256," \
	" sha1 = excluded.sha1, md5 = excluded.md5," \
	" format = excluded.format, subformat = excluded.subformat, arch = excluded.arch," \
	" verdict = excluded.verdict, reasons = excluded.reasons, status = excluded.status," \
	" scan_id = excluded.scan_id, verified_at = excluded.verified_at, container = excluded.container"

static const char *const sql[S_COUNT] = {
	[S_DELETE_MEMBERS] = "DELETE FROM files WHERE container = ?1 AND host = ?2",
	/* SQLite's way (PostgreSQL's: pg_sql below). */
	[S_UPSERT_FILE] = FILE_COLUMNS " ON CONFLICT (host, path)" FILE_UPDATE " RETURNING id",
	[S_DELETE_REASONS] = "DELETE FROM reasons WHERE file_id = ?1",
	[S_DELETE_PARTS] = "DELETE FROM parts WHERE file_id = ?1",
	[S_DELETE_PROPS] = "DELETE FROM properties WHERE file_id = ?1",
	[S_DELETE_SIGS] = "DELETE FROM signatures WHERE file_id = ?1",
	[S_DELETE_LINKS] = "DELETE FROM chain_links WHERE file_id = ?1",
	[S_INSERT_REASON] = "INSERT INTO reasons (file_id, code, detail) VALUES (?1,?2,?3)",
	[S_INSERT_CERT] =
		"INSERT INTO certificates (sha256, sha1, subject, issuer, subject_cn,"
		" issuer_cn, serial, not_before, not_after, key_algorithm, key_bits,"
		" signature_algorithm, trust_anchor, ekus, policies, critical_extensions, is_ca, key_sha256)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)"
		" ON CONFLICT DO NOTHING",
	[S_INSERT_SIG] =
		"INSERT INTO signatures (file_id, idx, part_idx, parent, depth, verdict,"
		" digest_algorithm, signed_digest, computed_digest, signing_time, timestamp_kind,"
		" timestamp_time, timestamp_valid, timestamp_signer_sha256, signer_sha256, trusted,"
		" verification_time, reasons, source)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)",
	[S_INSERT_LINK] =
		"INSERT INTO chain_links (file_id, sig_idx, position, cert_sha256) VALUES (?1,?2,?3,?4)",
	[S_INSERT_PART] =
		"INSERT INTO parts (file_id, idx, parent, kind, name, \"offset\", size, format, subformat,"
		" arch, verdict, reasons) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
	[S_INSERT_PROP] =
		"INSERT INTO properties (file_id, part_idx, sig_idx, key, value) VALUES (?1,?2,?3,?4,?5)",
};

/*
 * PostgreSQL's batch is one pipeline: every statement is sent without
 * waiting for the one before, so that a batch costs one round trip, not
 * one per row. Rows therefore cannot wait for an id the server returns:
 * the batch reserves its file ids from the sequence first, and a file's
 * rows are replaced by deleting the file (its rows go with it) and
 * inserting it under the reserved id. Two scanners writing the same path
 * are kept apart by a transaction-scoped advisory lock on (host, path),
 * taken in path order; (host, path) is unique through md5(path) there
 * (schema.c).
 */
enum { P_RESERVE, P_LOCK, P_DELETE_FILE, P_INSERT_FILE, P_COUNT };
static const char *const pg_sql[P_COUNT] = {
	[P_RESERVE] = "SELECT nextval('files_id_seq') FROM generate_series(1, ?1)",
	[P_LOCK] = "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))",
	[P_DELETE_FILE] = "DELETE FROM files WHERE host = ?1 AND md5(path) = md5(?2) AND path = ?2",
	[P_INSERT_FILE] =
		"INSERT INTO files (path, size, mtime, sha256, format, subformat, arch, verdict,"
		" reasons, status, scan_id, verified_at, host, container, sha1, md5, id)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
};

static const char seen_sql[] =
	"SELECT 1 FROM files WHERE path = ?1 AND size = ?2 AND mtime = ?3 AND host = ?4";

/* A value of a row waiting to be written. */
enum val_kind { V_NULL, V_TEXT, V_INT, V_FILE_ID };
struct val {
	enum val_kind kind;
	int64_t i;
	char *s;
};

struct row {
	int stmt;
	int n;
	struct val *v;
};

/* The rows of one file given to inventory_add: its records, in order. */
struct unit {
	char *path;
	struct row *rows;
	size_t n, cap;
};

struct inventory {
	struct db *db;
	struct db_stmt *st[S_COUNT];
	struct db_stmt *pg[P_COUNT];   /* PostgreSQL only */
	int64_t *ids;                  /* file ids reserved for the batch */
	size_t nids;
	struct db *reader;         /* the walker's connection, for --resume */
	struct db_stmt *seen;
	int64_t scan_id;
	char host[256];
	struct unit *units;        /* the batch */
	size_t nunits, capunits;
	struct row *certs;
	size_t ncerts, capcerts;
	size_t rows;
	struct timespec batch_start;
	char err[512];
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

const char *inventory_error(const struct inventory *inv)
{
	return inv->err;
}

static int db_fail(struct inventory *inv)
{
	snprintf(inv->err, sizeof(inv->err), "%s", db_errmsg(inv->db));
	return -1;
}

/* ---- rows in memory ---------------------------------------------------------- */

/* A copy failed: the batch is incomplete and is not written (one writer,
 * the engine's printer thread). */
static bool oom;

static void row_free(struct row *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->v[i].s);
	free(r->v);
}

static void batch_clear(struct inventory *inv)
{
	for (size_t u = 0; u < inv->nunits; u++) {
		for (size_t i = 0; i < inv->units[u].n; i++)
			row_free(&inv->units[u].rows[i]);
		free(inv->units[u].rows);
		free(inv->units[u].path);
	}
	for (size_t i = 0; i < inv->ncerts; i++)
		row_free(&inv->certs[i]);
	inv->nunits = inv->ncerts = inv->rows = 0;
	oom = false;
}

/* A row of n values, appended to a unit or the certificates; its values
 * are set with put_*. NULL when out of memory. */
static struct row *row_new(struct inventory *inv, struct row **list, size_t *len, size_t *cap,
			   int stmt, int n)
{
	struct row *r;

	if (*len == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct row *nv = realloc(*list, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		*list = nv;
		*cap = nc;
	}
	r = &(*list)[*len];
	r->v = calloc((size_t)n, sizeof(*r->v));
	if (!r->v)
		return NULL;
	r->stmt = stmt;
	r->n = n;
	(*len)++;
	inv->rows++;
	return r;
}

static struct row *unit_row(struct inventory *inv, int stmt, int n)
{
	struct unit *u = &inv->units[inv->nunits - 1];

	return row_new(inv, &u->rows, &u->n, &u->cap, stmt, n);
}

static void put_text(struct row *r, int i, const char *v)
{
	if (!v)
		return;
	r->v[i - 1].kind = V_TEXT;
	if (!(r->v[i - 1].s = strdup(v)))
		oom = true;
}

static void put_int(struct row *r, int i, int64_t v)
{
	r->v[i - 1].kind = V_INT;
	r->v[i - 1].i = v;
}

static void put_fid(struct row *r, int i)
{
	r->v[i - 1].kind = V_FILE_ID;
}

static void put_time(struct row *r, int i, int64_t t)
{
	char buf[32];

	if (t == ST_TIME_NONE)
		return;
	iso(t, buf, sizeof(buf));
	put_text(r, i, buf);
}

/* ---- open, --resume ------------------------------------------------------------ */

int inventory_open(struct inventory **out, const char *target, const char *host, const char *roots,
		   const char *options, bool resume, char *err, size_t errlen)
{
	struct inventory *inv = calloc(1, sizeof(*inv));
	char now[32];
	struct db_stmt *ins = NULL;

	*out = NULL;
	if (!inv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (db_open(&inv->db, target, false, err, errlen))
		goto fail_quiet;
	if (db_kind_of(inv->db) == DB_SQLITE &&
	    db_exec(inv->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"))
		goto fail;
	if (inventory_schema_apply(inv->db, err, errlen))
		goto fail_quiet;
	for (int i = 0; i < S_COUNT; i++)
		if (db_prepare(inv->db, sql[i], &inv->st[i]))
			goto fail;
	for (int i = 0; i < P_COUNT && db_kind_of(inv->db) == DB_POSTGRES; i++)
		if (db_prepare(inv->db, pg_sql[i], &inv->pg[i]))
			goto fail;
	if (resume) {
		if (db_open(&inv->reader, target, true, err, errlen))
			goto fail_quiet;
		if (db_prepare(inv->reader, seen_sql, &inv->seen)) {
			snprintf(err, errlen, "%s", db_errmsg(inv->reader));
			goto fail_quiet;
		}
	}
	if (host && *host) {
		snprintf(inv->host, sizeof(inv->host), "%s", host);
	} else {
		char h[256] = "";
		gethostname(h, sizeof(h) - 1);
		snprintf(inv->host, sizeof(inv->host), "%s", h);
	}
	iso((int64_t)time(NULL), now, sizeof(now));
	if (db_prepare(inv->db, "INSERT INTO scans (host, roots, options, started) VALUES (?1,?2,?3,?4)"
				" RETURNING id", &ins))
		goto fail;
	db_bind_text(ins, 1, inv->host);
	db_bind_text(ins, 2, roots);
	db_bind_text(ins, 3, options);
	db_bind_text(ins, 4, now);
	if (db_step(ins) != DB_ROW) {
		db_finalize(ins);
		goto fail;
	}
	inv->scan_id = db_int64(ins, 0);
	db_finalize(ins);
	*out = inv;
	return 0;
fail:
	snprintf(err, errlen, "%s", db_errmsg(inv->db));
fail_quiet:
	inventory_close(inv, false);
	return -1;
}

bool inventory_seen(struct inventory *inv, const char *path)
{
	struct stat st;
	char canon[8192];
	bool seen;

	if (!inv->seen || stat(path, &st) != 0 || inventory_canon_path(path, canon, sizeof(canon)))
		return false;
	db_bind_text(inv->seen, 1, canon);
	db_bind_int64(inv->seen, 2, (int64_t)st.st_size);
	db_bind_int64(inv->seen, 3, (int64_t)st.st_mtime);
	db_bind_text(inv->seen, 4, inv->host);
	seen = db_step(inv->seen) == DB_ROW;
	if (!seen && db_retryable(inv->reader) && db_reconnect(inv->reader, RECONNECT_SECONDS) == 0) {
		db_reset(inv->seen);
		db_bind_text(inv->seen, 1, canon);
		db_bind_int64(inv->seen, 2, (int64_t)st.st_size);
		db_bind_int64(inv->seen, 3, (int64_t)st.st_mtime);
		db_bind_text(inv->seen, 4, inv->host);
		seen = db_step(inv->seen) == DB_ROW;
	}
	db_reset(inv->seen);
	return seen;
}

/* ---- one file's rows --------------------------------------------------------------- */

static void add_cert(struct inventory *inv, const st_cert *c)
{
	const char *sha = st_cert_sha256(c);
	struct row *r;

	for (size_t i = 0; i < inv->ncerts; i++)
		if (inv->certs[i].v[0].s && strcmp(inv->certs[i].v[0].s, sha) == 0)
			return;
	if (!(r = row_new(inv, &inv->certs, &inv->ncerts, &inv->capcerts, S_INSERT_CERT, 18))) {
		oom = true;
		return;
	}
	put_text(r, 1, sha);
	put_text(r, 2, st_cert_sha1(c));
	put_text(r, 3, st_cert_subject(c));
	put_text(r, 4, st_cert_issuer(c));
	put_text(r, 5, st_cert_subject_cn(c));
	put_text(r, 6, st_cert_issuer_cn(c));
	put_text(r, 7, st_cert_serial(c));
	put_time(r, 8, st_cert_not_before(c));
	put_time(r, 9, st_cert_not_after(c));
	put_text(r, 10, st_cert_key_algorithm(c));
	put_int(r, 11, st_cert_key_bits(c));
	put_text(r, 12, st_cert_signature_algorithm(c));
	put_int(r, 13, st_cert_is_trust_anchor(c));
	put_text(r, 14, st_cert_ekus(c));
	put_text(r, 15, st_cert_policies(c));
	put_text(r, 16, st_cert_critical_extensions(c));
	put_int(r, 17, st_cert_is_ca(c));
	put_text(r, 18, st_cert_key_sha256(c));
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

static struct row *need(struct inventory *inv, int stmt, int n)
{
	struct row *r = unit_row(inv, stmt, n);

	if (!r)
		oom = true;
	return r;
}

static void add_property(struct inventory *inv, size_t part, int sig, const st_property *pr)
{
	struct row *r = need(inv, S_INSERT_PROP, 5);

	if (!r)
		return;
	put_fid(r, 1);
	put_int(r, 2, (int64_t)part);
	if (sig >= 0)
		put_int(r, 3, sig);
	put_text(r, 4, st_property_key(pr));
	if (st_property_type_of(pr) == ST_PROPERTY_STRING)
		put_text(r, 5, st_property_string(pr));
	else if (st_property_type_of(pr) == ST_PROPERTY_TIME)
		put_time(r, 5, st_property_int(pr));
	else
		put_int(r, 5, (int64_t)st_property_int(pr));
}

struct add_ctx {
	struct inventory *inv;
	const char *file_path, *canon;
};

/* One record: a files row and its reasons, parts, properties,
 * signatures, certificates and chain links. */
static void add_record(struct inventory *inv, const struct record *r, const char *file_path,
		       const char *canon)
{
	const st_part *part = r->part;
	struct stat st;
	struct row *w;
	char reasons[1024], now[32];

	if (!(w = need(inv, S_UPSERT_FILE, 16)))
		return;
	put_text(w, 1, r->path);
	put_int(w, 2, (int64_t)st_part_size(part));
	if (!st_part_parent(part) && stat(file_path, &st) == 0)
		put_int(w, 3, (int64_t)st.st_mtime);
	put_text(w, 4, st_part_sha256(part));
	put_text(w, 5, st_part_format(part));
	put_text(w, 6, st_part_subformat(part));
	put_text(w, 7, st_part_arch(part));
	put_text(w, 8, st_verdict_name(st_part_verdict(part)));
	reason_codes(st_part_reason_count(part), part_code, part, reasons, sizeof(reasons));
	put_text(w, 9, reasons);
	put_text(w, 10, st_part_ecs_status(part));
	put_int(w, 11, inv->scan_id);
	iso((int64_t)time(NULL), now, sizeof(now));
	put_text(w, 12, now);
	put_text(w, 13, inv->host);
	if (strcmp(r->path, canon) != 0)
		put_text(w, 14, canon);
	put_text(w, 15, st_part_sha1(part));
	put_text(w, 16, st_part_md5(part));

	for (size_t i = 0; i < st_part_reason_count(part); i++) {
		if (!(w = need(inv, S_INSERT_REASON, 3)))
			return;
		put_fid(w, 1);
		put_text(w, 2, st_reason_name(st_part_reason(part, i)));
		put_text(w, 3, st_part_reason_detail(part, i));
	}
	for (size_t i = 0; i < r->nparts; i++) {
		const st_part *p = r->parts[i];

		if (!(w = need(inv, S_INSERT_PART, 12)))
			return;
		put_fid(w, 1);
		put_int(w, 2, (int64_t)i);
		if (r->parent[i] >= 0)
			put_int(w, 3, r->parent[i]);
		put_text(w, 4, st_part_kind(p));
		put_text(w, 5, st_part_name(p));
		if (i > 0 && st_part_has_range(p))
			put_int(w, 6, (int64_t)st_part_offset(p));
		put_int(w, 7, (int64_t)st_part_size(p));
		put_text(w, 8, st_part_format(p));
		put_text(w, 9, st_part_subformat(p));
		put_text(w, 10, st_part_arch(p));
		put_text(w, 11, st_verdict_name(st_part_verdict(p)));
		reason_codes(st_part_reason_count(p), part_code, p, reasons, sizeof(reasons));
		put_text(w, 12, reasons);
		for (size_t k = 0; k < st_part_property_count(p); k++)
			add_property(inv, i, -1, st_part_property(p, k));
	}
	for (size_t i = 0; i < r->nsigs; i++) {
		const struct record_sig *rs = &r->sigs[i];
		const st_signature *g = rs->sig;
		const st_cert *signer = st_signature_signer(g), *tsa = st_signature_timestamp_signer(g);

		if (signer)
			add_cert(inv, signer);
		if (tsa)
			add_cert(inv, tsa);
		for (size_t k = 0; k < st_signature_chain_length(g); k++) {
			const st_cert *c = st_signature_chain_cert(g, k);
			add_cert(inv, c);
			if (!(w = need(inv, S_INSERT_LINK, 4)))
				return;
			put_fid(w, 1);
			put_int(w, 2, (int64_t)i);
			put_int(w, 3, (int64_t)k);
			put_text(w, 4, st_cert_sha256(c));
		}
		if (!(w = need(inv, S_INSERT_SIG, 19)))
			return;
		put_fid(w, 1);
		put_int(w, 2, (int64_t)i);
		put_int(w, 3, (int64_t)rs->part);
		if (rs->parent >= 0)
			put_int(w, 4, rs->parent);
		put_int(w, 5, st_signature_depth(g));
		put_text(w, 6, st_verdict_name(st_signature_verdict(g)));
		put_text(w, 7, st_signature_digest_algorithm(g));
		put_text(w, 8, st_signature_signed_digest(g));
		put_text(w, 9, st_signature_computed_digest(g));
		put_time(w, 10, st_signature_signing_time(g));
		put_text(w, 11, st_signature_timestamp_kind(g));
		put_time(w, 12, st_signature_timestamp_time(g));
		if (st_signature_timestamp_kind(g))
			put_int(w, 13, st_signature_timestamp_valid(g));
		put_text(w, 14, tsa ? st_cert_sha256(tsa) : NULL);
		put_text(w, 15, signer ? st_cert_sha256(signer) : NULL);
		put_int(w, 16, st_signature_trusted(g));
		put_time(w, 17, st_signature_verification_time(g));
		reason_codes(st_signature_reason_count(g), sig_code, g, reasons, sizeof(reasons));
		put_text(w, 18, reasons);
		put_text(w, 19, st_signature_source(g));
		for (size_t k = 0; k < st_signature_property_count(g); k++)
			add_property(inv, rs->part, (int)i, st_signature_property(g, k));
	}
}

static void add_one(const struct record *r, void *arg)
{
	struct add_ctx *a = arg;

	if (st_part_format(r->part))
		add_record(a->inv, r, a->file_path, a->canon);
}

/* ---- writing a batch ------------------------------------------------------------ */

static int bind_row(struct db_stmt *s, const struct row *r, int64_t fid)
{
	for (int i = 0; i < r->n; i++) {
		const struct val *v = &r->v[i];
		switch (v->kind) {
		case V_TEXT: db_bind_text(s, i + 1, v->s); break;
		case V_INT: db_bind_int64(s, i + 1, v->i); break;
		case V_FILE_ID: db_bind_int64(s, i + 1, fid); break;
		default: db_bind_null(s, i + 1); break;
		}
	}
	return 0;
}

static int run_row(struct inventory *inv, const struct row *r, int64_t *fid)
{
	struct db_stmt *s = inv->st[r->stmt];
	int rc;

	bind_row(s, r, *fid);
	rc = db_step(s);
	if (rc == DB_ROW && r->stmt == S_UPSERT_FILE) {
		*fid = db_int64(s, 0);
		db_reset(s);
		/* The row kept its id: its dependents are replaced. */
		for (int k = S_DELETE_REASONS; k <= S_DELETE_LINKS; k++) {
			db_bind_int64(inv->st[k], 1, *fid);
			rc = db_step(inv->st[k]);
			db_reset(inv->st[k]);
			if (rc == DB_ERROR)
				return -1;
		}
		return 0;
	}
	db_reset(s);
	return rc == DB_ERROR ? -1 : 0;
}

static int cmp_cert(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->v[0].s, ((const struct row *)b)->v[0].s);
}

static int cmp_unit(const void *a, const void *b)
{
	return strcmp(((const struct unit *)a)->path, ((const struct unit *)b)->path);
}

static int write_once_sqlite(struct inventory *inv)
{
	int64_t fid = 0;

	if (db_exec(inv->db, "BEGIN"))
		return -1;
	for (size_t i = 0; i < inv->ncerts; i++)
		if (run_row(inv, &inv->certs[i], &fid))
			return -1;
	for (size_t u = 0; u < inv->nunits; u++) {
		const struct unit *un = &inv->units[u];
		struct db_stmt *d = inv->st[S_DELETE_MEMBERS];
		int rc;

		/* The file's earlier records inside it ("path//member"). */
		db_bind_text(d, 1, un->path);
		db_bind_text(d, 2, inv->host);
		rc = db_step(d);
		db_reset(d);
		if (rc == DB_ERROR)
			return -1;
		for (size_t i = 0; i < un->n; i++)
			if (run_row(inv, &un->rows[i], &fid))
				return -1;
	}
	return db_exec(inv->db, "COMMIT");
}

/* Steps s with its bindings and resets it; 0 or -1. */
static int run(struct db_stmt *s)
{
	int rc = db_step(s);

	db_reset(s);
	return rc == DB_ERROR ? -1 : 0;
}

/* Reserves one id per file row of the batch. */
static int reserve_ids(struct inventory *inv)
{
	struct db_stmt *s = inv->pg[P_RESERVE];
	size_t n = 0;
	int64_t *ids;

	for (size_t u = 0; u < inv->nunits; u++)
		for (size_t i = 0; i < inv->units[u].n; i++)
			n += inv->units[u].rows[i].stmt == S_UPSERT_FILE;
	if (!(ids = realloc(inv->ids, (n ? n : 1) * sizeof(*ids))))
		return -1;
	inv->ids = ids;
	inv->nids = 0;
	db_bind_int64(s, 1, (int64_t)n);
	while (inv->nids < n && db_step(s) == DB_ROW)
		ids[inv->nids++] = db_int64(s, 0);
	db_reset(s);
	return inv->nids == n ? 0 : -1;
}

static int pipeline_pg(struct inventory *inv)
{
	size_t k = 0;
	int64_t fid = 0;
	char key[8192 + 300];

	if (db_exec(inv->db, "BEGIN"))
		return -1;
	for (size_t i = 0; i < inv->ncerts; i++)
		if (run_row(inv, &inv->certs[i], &fid))
			return -1;
	for (size_t u = 0; u < inv->nunits; u++) {
		const struct unit *un = &inv->units[u];

		snprintf(key, sizeof(key), "%s\n%s", inv->host, un->path);
		db_bind_text(inv->pg[P_LOCK], 1, key);
		db_bind_text(inv->st[S_DELETE_MEMBERS], 1, un->path);
		db_bind_text(inv->st[S_DELETE_MEMBERS], 2, inv->host);
		if (run(inv->pg[P_LOCK]) || run(inv->st[S_DELETE_MEMBERS]))
			return -1;
		for (size_t i = 0; i < un->n; i++) {
			const struct row *r = &un->rows[i];
			if (r->stmt != S_UPSERT_FILE) {
				if (run_row(inv, r, &fid))
					return -1;
				continue;
			}
			if (k == inv->nids)
				return -1;
			fid = inv->ids[k++];
			db_bind_text(inv->pg[P_DELETE_FILE], 1, inv->host);
			db_bind_text(inv->pg[P_DELETE_FILE], 2, r->v[0].s);
			bind_row(inv->pg[P_INSERT_FILE], r, fid);
			db_bind_int64(inv->pg[P_INSERT_FILE], 17, fid);
			if (run(inv->pg[P_DELETE_FILE]) || run(inv->pg[P_INSERT_FILE]))
				return -1;
		}
	}
	return db_exec(inv->db, "COMMIT");
}

static int write_once_pg(struct inventory *inv)
{
	int rc;

	if (reserve_ids(inv) || db_pipeline_begin(inv->db))
		return -1;
	rc = pipeline_pg(inv);
	/* Every result is read, the first error kept. */
	if (db_pipeline_end(inv->db))
		rc = -1;
	return rc;
}

static int write_once(struct inventory *inv)
{
	return db_kind_of(inv->db) == DB_POSTGRES ? write_once_pg(inv) : write_once_sqlite(inv);
}

static int write_batch(struct inventory *inv)
{
	if (!inv->nunits && !inv->ncerts)
		return 0;
	if (oom) {
		batch_clear(inv);
		snprintf(inv->err, sizeof(inv->err), "out of memory");
		return -1;
	}
	/* A batch of unsigned files has no certificates (and an array never
	 * allocated): qsort must not be given NULL. */
	if (inv->ncerts)
		qsort(inv->certs, inv->ncerts, sizeof(*inv->certs), cmp_cert);
	if (inv->nunits)
		qsort(inv->units, inv->nunits, sizeof(*inv->units), cmp_unit);
	for (int attempt = 1;; attempt++) {
		if (write_once(inv) == 0)
			break;
		if (!db_retryable(inv->db) || attempt == BATCH_ATTEMPTS) {
			db_fail(inv);
			(void)db_exec(inv->db, "ROLLBACK");
			batch_clear(inv);
			return -1;
		}
		if (db_reconnect(inv->db, RECONNECT_SECONDS)) {
			db_fail(inv);
			batch_clear(inv);
			return -1;
		}
	}
	batch_clear(inv);
	return 0;
}

int inventory_add(struct inventory *inv, const char *file_path, const st_result *res)
{
	struct add_ctx a = { inv, file_path, NULL };
	char path[8192];
	struct unit *u;

	if (inventory_canon_path(file_path, path, sizeof(path)))
		return -1;
	if (!inv->nunits && !inv->ncerts)
		clock_gettime(CLOCK_MONOTONIC, &inv->batch_start);
	if (inv->nunits == inv->capunits) {
		size_t nc = inv->capunits ? inv->capunits * 2 : BATCH_FILES;
		struct unit *nv = realloc(inv->units, nc * sizeof(*nv));
		if (!nv) {
			snprintf(inv->err, sizeof(inv->err), "out of memory");
			return -1;
		}
		inv->units = nv;
		inv->capunits = nc;
	}
	u = &inv->units[inv->nunits++];
	memset(u, 0, sizeof(*u));
	if (!(u->path = strdup(path)))
		oom = true;
	a.canon = path;
	if (!oom)
		record_each(res, path, add_one, &a);
	if (inv->nunits >= BATCH_FILES || inv->rows >= BATCH_MAX_ROWS ||
	    since(&inv->batch_start) >= BATCH_SECONDS)
		return write_batch(inv);
	return 0;
}

int inventory_tick(struct inventory *inv)
{
	if ((inv->nunits || inv->ncerts) && since(&inv->batch_start) >= BATCH_SECONDS)
		return write_batch(inv);
	return 0;
}

static int finish_scan(struct inventory *inv, bool complete)
{
	struct db_stmt *s;
	char now[32];
	int rc;

	iso((int64_t)time(NULL), now, sizeof(now));
	for (int attempt = 1;; attempt++) {
		if (db_prepare(inv->db, "UPDATE scans SET finished = ?1, status = ?2 WHERE id = ?3", &s))
			return db_fail(inv);
		db_bind_text(s, 1, now);
		db_bind_text(s, 2, complete ? "complete" : "incomplete");
		db_bind_int64(s, 3, inv->scan_id);
		rc = db_step(s);
		db_finalize(s);
		if (rc != DB_ERROR)
			return 0;
		if (!db_retryable(inv->db) || attempt == BATCH_ATTEMPTS ||
		    db_reconnect(inv->db, RECONNECT_SECONDS))
			return db_fail(inv);
	}
}

int inventory_close(struct inventory *inv, bool complete)
{
	int rc = 0;

	if (!inv)
		return 0;
	if (inv->db) {
		if (write_batch(inv))
			rc = -1;
		if (inv->scan_id && finish_scan(inv, complete && rc == 0))
			rc = -1;
	}
	batch_clear(inv);
	free(inv->units);
	free(inv->certs);
	free(inv->ids);
	for (int i = 0; i < S_COUNT; i++)
		db_finalize(inv->st[i]);
	for (int i = 0; i < P_COUNT; i++)
		db_finalize(inv->pg[i]);
	db_finalize(inv->seen);
	db_close(inv->reader);
	db_close(inv->db);
	free(inv);
	return rc;
}

/*
 * `sigtrace outliers --db FILE`: findings across an inventory, ranked, each
 * with its evidence (docs/outliers.md). Detections that need more than one
 * file or more than the signature: copied signatures, impostor publishers,
 * version resources that lie, one-off signers, odd certificates.
 */
#include "outliers.h"

#include <ctype.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

extern const char st_publishers_tsv[];

struct finding {
	int score;
	char *code, *path, *evidence;
	char *file_sha256, *signer_sha256, *signer;  /* for --allow, --baseline */
	char *team;  /* Mach-O team ID vouched for by the signer certificate */
};

struct findings {
	struct finding *v;
	size_t n, cap;
};

static void add(struct findings *f, int score, const char *code, const char *path,
		const char *evidence)
{
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 64;
		struct finding *nv = realloc(f->v, nc * sizeof(*nv));
		if (!nv)
			return;
		f->v = nv;
		f->cap = nc;
	}
	f->v[f->n].score = score;
	f->v[f->n].code = strdup(code);
	f->v[f->n].path = strdup(path ? path : "");
	f->v[f->n].evidence = strdup(evidence ? evidence : "");
	f->v[f->n].file_sha256 = f->v[f->n].signer_sha256 = f->v[f->n].signer = NULL;
	f->v[f->n].team = NULL;
	f->n++;
}

/* ---- publisher names ------------------------------------------------------ */

struct publisher {
	char key[32], name[96];
	char *roots;      /* '|'-separated thumbprints, or "public" */
	bool always_signs;
};

static struct publisher pubs[64];
static size_t npubs;

static void load_publishers(void)
{
	const char *p = st_publishers_tsv;

	while (*p && npubs < sizeof(pubs) / sizeof(pubs[0])) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[1024];

		if (len < sizeof(line) && *p != '#' && len > 0) {
			char *f[4] = { 0 }, *save = NULL;
			memcpy(line, p, len);
			line[len] = '\0';
			f[0] = strtok_r(line, "\t", &save);
			for (int i = 1; i < 4 && f[i - 1]; i++)
				f[i] = strtok_r(NULL, "\t", &save);
			if (f[3]) {
				struct publisher *u = &pubs[npubs++];
				snprintf(u->key, sizeof(u->key), "%s", f[0]);
				snprintf(u->name, sizeof(u->name), "%s", f[1]);
				u->roots = strdup(f[2]);
				u->always_signs = strcmp(f[3], "always") == 0;
			}
		}
		p += len + (eol ? 1 : 0);
	}
}

/* Lower-case ASCII words of a name, with the homoglyphs impostors use
 * folded to the letters they imitate (Cyrillic and Greek look-alikes,
 * digits for letters, "rn" for "m") and punctuation dropped. */
static void normalise(const char *in, char *out, size_t outlen)
{
	static const struct {
		const char *from, *to;
	} folds[] = {
		{ "\xd0\xb0", "a" }, { "\xd0\x90", "a" }, { "\xd0\xb5", "e" }, { "\xd0\x95", "e" },
		{ "\xd0\xbe", "o" }, { "\xd0\x9e", "o" }, { "\xd1\x80", "p" }, { "\xd0\xa0", "p" },
		{ "\xd1\x81", "c" }, { "\xd0\xa1", "c" }, { "\xd1\x85", "x" }, { "\xd0\xa5", "x" },
		{ "\xd1\x96", "i" }, { "\xd0\x86", "i" }, { "\xd0\x9c", "m" }, { "\xd0\xbc", "m" },
		{ "\xd0\x9d", "h" }, { "\xd0\xba", "k" }, { "\xd0\x9a", "k" }, { "\xd0\xa2", "t" },
		{ "\xce\xbf", "o" }, { "\xce\x9f", "o" }, { "\xce\xb1", "a" }, { "\xce\x91", "a" },
		{ "\xce\x95", "e" }, { "\xce\x99", "i" }, { "\xce\x9c", "m" }, { "\xce\x9d", "n" },
		{ "0", "o" }, { "1", "l" }, { "3", "e" }, { "5", "s" }, { "rn", "m" }, { "vv", "w" },
	};
	size_t o = 0;

	while (*in && o + 2 < outlen) {
		bool folded = false;
		for (size_t k = 0; k < sizeof(folds) / sizeof(folds[0]); k++) {
			size_t fl = strlen(folds[k].from);
			if (strncasecmp(in, folds[k].from, fl) == 0) {
				out[o++] = folds[k].to[0];
				in += fl;
				folded = true;
				break;
			}
		}
		if (folded)
			continue;
		unsigned char c = (unsigned char)*in++;
		if (isalpha(c))
			out[o++] = (char)tolower(c);
		else if (c == ' ' || c == ',' || c == '.' || c == '-' || c == '(' || c == ')' ||
			 c == '_' || c == '/' || c == '"')
			out[o++] = ' ';
		/* anything else (other non-ASCII) is dropped */
	}
	out[o] = '\0';
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	return prev[lb];
}

/* The publisher a name claims, if any; *exact says whether the spelling is
 * exact (after normalisation) or a near miss. */
static const struct publisher *claimed(const char *name, bool *exact)
{
	char norm[512], *save = NULL, *w;

	if (!name || !*name)
		return NULL;
	normalise(name, norm, sizeof(norm));
	for (w = strtok_r(norm, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		for (size_t i = 0; i < npubs; i++) {
			size_t kl = strlen(pubs[i].key);
			size_t d = edit_distance(w, pubs[i].key);
			size_t allowed = kl >= 9 ? 2 : kl >= 7 ? 1 : 0;
			if (d <= allowed) {
				*exact = d == 0;
				return &pubs[i];
			}
		}
	}
	return NULL;
}

const char *outliers_claimed_publisher(const char *name, bool *exact)
{
	const struct publisher *p;

	if (!npubs)
		load_publishers();
	p = claimed(name, exact);
	return p ? p->name : NULL;
}

/* Apple issues the certificates that sign macOS code for every vendor
 * (Developer ID, Mac App Store, WWDR) after checking who the developer is:
 * "Microsoft Corporation (UBF8T346G9)" under Apple's roots is Microsoft's
 * macOS signature, not an impersonation. */
static bool apple_root(const char *root_sha256)
{
	for (size_t i = 0; i < npubs; i++)
		if (strcmp(pubs[i].key, "apple") == 0)
			return root_sha256 && strstr(pubs[i].roots, root_sha256) != NULL;
	return false;
}

static bool root_ok(const struct publisher *p, const char *root_sha256, bool trusted)
{
	if (trusted && apple_root(root_sha256))
		return true;
	if (strcmp(p->roots, "public") == 0)
		return trusted;
	return root_sha256 && strstr(p->roots, root_sha256) != NULL;
}

/* The O= value of an RFC 2253 subject, copied into buf. */
static const char *org_of(const char *dn, char *buf, size_t len)
{
	const char *o = dn ? strstr(dn, "O=") : NULL;

	buf[0] = '\0';
	while (o && o != dn && o[-1] != ',')
		o = strstr(o + 2, "O=");
	if (o) {
		size_t n = 0;
		for (o += 2; *o && *o != ',' && n + 1 < len; o++)
			buf[n++] = *o;
		buf[n] = '\0';
	}
	return buf;
}

/* ---- detections ---------------------------------------------------------- */

typedef void (*row_fn)(sqlite3_stmt *, struct findings *);

static int each_row(sqlite3 *db, const char *sql, row_fn fn, struct findings *f)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "sigtrace: outliers: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(s, f);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static const char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? (const char *)t : "";
}

static void on_transplant(sqlite3_stmt *s, struct findings *f)
{
	char ev[1024];

	snprintf(ev, sizeof(ev),
		 "its signature (signed digest %.16s..., signer '%s', serial %s) belongs to %s, which verifies",
		 col(s, 2), col(s, 3), col(s, 4), col(s, 1));
	add(f, 100, "signature_transplanted", col(s, 0), ev);
}

static void on_transplant_cdhash(sqlite3_stmt *s, struct findings *f)
{
	char ev[1024];

	snprintf(ev, sizeof(ev),
		 "its code signature (CDHash %s) belongs to %s, whose code matches it",
		 col(s, 2), col(s, 1));
	add(f, 100, "signature_transplanted", col(s, 0), ev);
}

static void on_signer(sqlite3_stmt *s, struct findings *f)
{
	const char *path = col(s, 0), *subject = col(s, 1), *issuer_cn = col(s, 3);
	const char *root = (const char *)sqlite3_column_text(s, 4);
	bool trusted = sqlite3_column_int(s, 5) != 0;
	char org[256], ev[1024];
	const char *names[3] = { col(s, 2), org_of(subject, org, sizeof(org)), issuer_cn };
	const char *what[3] = { "signer", "signer organisation", "issuer" };

	for (int i = 0; i < 3; i++) {
		bool exact = false;
		const struct publisher *p = claimed(names[i], &exact);
		if (!p)
			continue;
		if (!exact) {
			snprintf(ev, sizeof(ev), "%s '%s' is a near-miss spelling of %s", what[i],
				 names[i], p->name);
			add(f, 95, "publisher_impersonation", path, ev);
			return;
		}
		if (!root_ok(p, root, trusted)) {
			snprintf(ev, sizeof(ev), "%s '%s' names %s, but the chain ends at %s%s", what[i],
				 names[i], p->name, root ? "root " : "no root",
				 root ? root : (trusted ? "" : " (untrusted)"));
			add(f, 95, "publisher_impersonation", path, ev);
			return;
		}
	}
}

static void on_metadata(sqlite3_stmt *s, struct findings *f)
{
	const char *path = col(s, 0), *company = col(s, 1), *signer = col(s, 2);
	const char *verdict = col(s, 3), *subject = col(s, 4);
	bool exact = false;
	const struct publisher *p = claimed(company, &exact);
	char ev[1024], org[256];

	if (!p)
		return;
	if (strcmp(verdict, "unsigned") == 0) {
		if (p->always_signs) {
			snprintf(ev, sizeof(ev),
				 "version resource claims '%s', a publisher that signs its files, but the file is unsigned",
				 company);
			add(f, 80, "metadata_mismatch", path, ev);
		}
		return;
	}
	if (!*signer && !*subject)
		return;
	{
		bool e1 = false, e2 = false;
		const struct publisher *a = claimed(signer, &e1);
		const struct publisher *b = claimed(org_of(subject, org, sizeof(org)), &e2);
		if (a == p || b == p)
			return;
	}
	snprintf(ev, sizeof(ev), "version resource claims '%s' but the file is signed by '%s'",
		 company, signer);
	add(f, 80, "metadata_mismatch", path, ev);
}

static void on_simple(sqlite3_stmt *s, struct findings *f)
{
	add(f, sqlite3_column_int(s, 0), col(s, 1), col(s, 2), col(s, 3));
}

static int cmp_findings(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->score != y->score)
		return y->score - x->score;
	if (strcmp(x->code, y->code) != 0)
		return strcmp(x->code, y->code);
	return strcmp(x->path, y->path);
}

/* Rule SQL. Every row: score, code, path, evidence. */
static const char *const simple_rules[] = {
	/* Certificates revoked by a CRL given to the scan (--crl) or on the
	 * shipped deny-list of abused certificates. */
	"SELECT 100, 'revoked', f.path, r.detail FROM files f JOIN reasons r ON r.file_id = f.id"
	" WHERE r.code = 'revoked'",
	/* Untrusted or self-signed signatures on files in Windows system
	 * directories, where everything is signed by Microsoft. */
	"SELECT 90, 'untrusted_in_system_dir', path, 'verdict ' || verdict || ' (' || reasons || ') in a system directory'"
	" FROM files WHERE verdict IN ('untrusted', 'invalid')"
	" AND (lower(path) LIKE '%/windows/system32/%' OR lower(path) LIKE '%/windows/syswow64/%'"
	" OR lower(path) LIKE '%/windows/winsxs/%')",
	/* Signing time claimed outside the signer certificate's validity. */
	"SELECT 70, 'signing_time_outside_validity', f.path,"
	" 'signing time ' || s.signing_time || ' outside ' || c.not_before || ' .. ' || c.not_after || ' of ''' || c.subject_cn || ''''"
	" FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	" WHERE s.signing_time IS NOT NULL AND (s.signing_time < c.not_before OR s.signing_time > c.not_after)",
	/* The same subject name under several issuers or keys. */
	"SELECT 60, 'subject_multiple_issuers', f.path,"
	" 'signer ''' || c.subject_cn || ''' appears with ' || x.n || ' different certificates from ' || x.ni || ' issuers'"
	" FROM (SELECT subject_cn AS cn, count(DISTINCT sha256) AS n, count(DISTINCT issuer) AS ni FROM certificates"
	" WHERE sha256 IN (SELECT signer_sha256 FROM signatures) GROUP BY subject_cn HAVING count(DISTINCT issuer) > 1) x"
	" JOIN certificates c ON c.subject_cn = x.cn JOIN signatures s ON s.signer_sha256 = c.sha256"
	" JOIN files f ON f.id = s.file_id GROUP BY f.id",
	/* One signer name and issuer with several keys. */
	"SELECT 30, 'subject_multiple_keys', f.path,"
	" 'signer ''' || c.subject_cn || ''' from ''' || c.issuer_cn || ''' appears with ' || x.n || ' different keys'"
	" FROM (SELECT subject_cn AS cn, issuer AS iss, count(DISTINCT key_sha256) AS n FROM certificates"
	" WHERE sha256 IN (SELECT signer_sha256 FROM signatures) GROUP BY subject_cn, issuer"
	" HAVING count(DISTINCT key_sha256) > 1) x"
	" JOIN certificates c ON c.subject_cn = x.cn AND c.issuer = x.iss"
	" JOIN signatures s ON s.signer_sha256 = c.sha256 JOIN files f ON f.id = s.file_id GROUP BY f.id",
	/* Leaf certificates valid for unusually long or short periods. */
	"SELECT 50, 'unusual_validity', f.path, '''' || c.subject_cn || ''' is valid for ' ||"
	" CAST(round(julianday(c.not_after) - julianday(c.not_before)) AS INTEGER) || ' days'"
	" FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	" WHERE julianday(c.not_after) - julianday(c.not_before) > 3653"
	" OR julianday(c.not_after) - julianday(c.not_before) < 7 GROUP BY f.id",
	/* Certificates used within a day of being issued. */
	"SELECT 50, 'fresh_certificate', f.path, 'signed ' || s.signing_time || ', ' ||"
	" CAST(round((julianday(s.signing_time) - julianday(c.not_before)) * 24) AS INTEGER) || ' h after ''' || c.subject_cn || ''' was issued'"
	" FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	" WHERE s.signing_time IS NOT NULL AND julianday(s.signing_time) - julianday(c.not_before) BETWEEN 0 AND 1",
	/* Signers seen on one file only (stack counting). */
	"SELECT 40, 'one_off_signer', min(f.path), 'the only file signed by ''' || c.subject_cn || ''' (issuer ''' || c.issuer_cn || ''')'"
	" FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	" GROUP BY c.sha256 HAVING count(DISTINCT s.file_id) = 1",
	/* Signers seen on one host only, in an inventory of several hosts. */
	"SELECT 40, 'one_host_signer', min(f.path), '''' || c.subject_cn || ''' signs ' ||"
	" count(DISTINCT f.id) || ' files, all on host ' || min(f.host) || ', of ' ||"
	" (SELECT count(DISTINCT host) FROM files) || ' hosts'"
	" FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	" GROUP BY c.sha256 HAVING count(DISTINCT f.host) = 1 AND count(DISTINCT f.id) > 1"
	" AND (SELECT count(DISTINCT host) FROM files) > 1",
	/* Not timestamped where the same signer usually timestamps. */
	"SELECT 20, 'missing_timestamp', f.path, '''' || c.subject_cn || ''' timestamps ' || x.ts || ' of ' || x.n || ' files, not this one'"
	" FROM (SELECT signer_sha256 AS k, count(*) AS n, sum(timestamp_valid = 1) AS ts FROM signatures"
	" WHERE depth = 0 GROUP BY signer_sha256 HAVING n >= 3 AND ts * 2 >= n) x"
	" JOIN signatures s ON s.signer_sha256 = x.k AND s.depth = 0 AND s.timestamp_kind IS NULL"
	" JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = x.k",
	/* Weak keys and digests. */
	"SELECT 30, 'weak_crypto', path, reasons FROM files"
	" WHERE instr(reasons, 'weak_digest') > 0 OR instr(reasons, 'weak_key') > 0",
};

/* Collects every finding of the inventory at dbpath; the file's SHA-256
 * and first signer (thumbprint, subject) come along for filtering. */
static int collect(const char *dbpath, struct findings *f)
{
	sqlite3 *db = NULL;
	int rc = 0;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "sigtrace: outliers: %s: %s\n", dbpath, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return -1;
	}
	if (!npubs)
		load_publishers();
	rc |= each_row(db,
		       "SELECT fi.path, min(fv.path), si.signed_digest, c.subject_cn, c.serial"
		       " FROM signatures si JOIN files fi ON fi.id = si.file_id"
		       " JOIN signatures sv ON sv.signed_digest = si.signed_digest"
		       "  AND sv.signer_sha256 = si.signer_sha256 AND sv.file_id <> si.file_id"
		       " JOIN files fv ON fv.id = sv.file_id JOIN certificates c ON c.sha256 = si.signer_sha256"
		       " WHERE fi.verdict IN ('invalid', 'malformed')"
		       "  AND (instr(fi.reasons, 'digest_mismatch') > 0 OR instr(fi.reasons, 'page_hash_mismatch') > 0)"
		       "  AND fv.verdict = 'valid' GROUP BY fi.id",
		       on_transplant, f);
	/* Ad-hoc Mach-O signatures have no signer: the CodeDirectory's hash
	 * identifies them. */
	rc |= each_row(db,
		       "SELECT fi.path, min(fv.path), si.cdhash FROM signatures si"
		       " JOIN files fi ON fi.id = si.file_id"
		       " JOIN signatures sv ON sv.cdhash = si.cdhash AND sv.file_id <> si.file_id"
		       " JOIN files fv ON fv.id = sv.file_id"
		       " WHERE si.cdhash IS NOT NULL AND si.signer_sha256 IS NULL"
		       "  AND fi.verdict IN ('invalid', 'malformed') AND instr(fi.reasons, 'page_hash_mismatch') > 0"
		       "  AND fv.verdict IN ('valid', 'untrusted') AND instr(fv.reasons, 'page_hash_mismatch') = 0"
		       " GROUP BY fi.id",
		       on_transplant_cdhash, f);
	rc |= each_row(db,
		       "SELECT f.path, c.subject, c.subject_cn, c.issuer_cn,"
		       " (SELECT l.cert_sha256 FROM chain_links l WHERE l.file_id = s.file_id AND l.sig_idx = s.idx"
		       "  ORDER BY l.position DESC LIMIT 1), s.trusted"
		       " FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
		       " GROUP BY f.id, c.sha256",
		       on_signer, f);
	rc |= each_row(db,
		       "SELECT f.path, f.company, c.subject_cn, f.verdict, c.subject FROM files f"
		       " LEFT JOIN signatures s ON s.file_id = f.id AND s.idx = 0"
		       " LEFT JOIN certificates c ON c.sha256 = s.signer_sha256 WHERE f.company IS NOT NULL",
		       on_metadata, f);
	for (size_t i = 0; i < sizeof(simple_rules) / sizeof(simple_rules[0]); i++)
		rc |= each_row(db, simple_rules[i], on_simple, f);
	/* Identity of each finding's file, for --allow and --baseline. */
	{
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(db,
				       "SELECT f.sha256, c.sha256, c.subject_cn,"
				       " CASE WHEN s.signer_sha256 IS NOT NULL"
				       "  AND instr(coalesce(s.reasons, ''), 'team_id_mismatch') = 0"
				       "  THEN s.team_id END FROM files f"
				       " LEFT JOIN signatures s ON s.file_id = f.id AND s.idx = 0"
				       " LEFT JOIN certificates c ON c.sha256 = s.signer_sha256 WHERE f.path = ?1",
				       -1, &q, NULL) == SQLITE_OK) {
			for (size_t i = 0; i < f->n; i++) {
				sqlite3_bind_text(q, 1, f->v[i].path, -1, SQLITE_TRANSIENT);
				if (sqlite3_step(q) == SQLITE_ROW) {
					f->v[i].file_sha256 = strdup(col(q, 0));
					f->v[i].signer_sha256 = strdup(col(q, 1));
					f->v[i].signer = strdup(col(q, 2));
					if (sqlite3_column_type(q, 3) != SQLITE_NULL)
						f->v[i].team = strdup(col(q, 3));
				}
				sqlite3_reset(q);
			}
			sqlite3_finalize(q);
		}
	}
	sqlite3_close(db);
	return rc ? -1 : 0;
}

static void findings_clear(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].code);
		free(f->v[i].path);
		free(f->v[i].evidence);
		free(f->v[i].file_sha256);
		free(f->v[i].signer_sha256);
		free(f->v[i].signer);
		free(f->v[i].team);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* --allow FILE: lines "sha256 HEX" (file hash), "thumbprint HEX" (signer
 * certificate SHA-256), "subject NAME" (signer common name), "team ID"
 * (Apple team ID of a certificate-signed Mach-O), "path PREFIX";
 * '#' comments. */
struct allow {
	char **kind, **value;
	size_t n;
};

static int load_allow(const char *path, struct allow *a)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!fp)
		return -1;
	while ((len = getline(&line, &cap, fp)) > 0) {
		char *sp;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#' || !(sp = strchr(line, ' ')))
			continue;
		*sp = '\0';
		a->kind = realloc(a->kind, (a->n + 1) * sizeof(char *));
		a->value = realloc(a->value, (a->n + 1) * sizeof(char *));
		if (!a->kind || !a->value)
			break;
		a->kind[a->n] = strdup(line);
		a->value[a->n] = strdup(sp + 1);
		a->n++;
	}
	free(line);
	fclose(fp);
	return 0;
}

static bool allowed(const struct allow *a, const struct finding *x)
{
	for (size_t i = 0; i < a->n; i++) {
		const char *k = a->kind[i], *v = a->value[i];
		if ((strcmp(k, "sha256") == 0 && x->file_sha256 && strcasecmp(v, x->file_sha256) == 0) ||
		    (strcmp(k, "thumbprint") == 0 && x->signer_sha256 && strcasecmp(v, x->signer_sha256) == 0) ||
		    (strcmp(k, "subject") == 0 && x->signer && strcmp(v, x->signer) == 0) ||
		    (strcmp(k, "team") == 0 && x->team && strcmp(v, x->team) == 0) ||
		    (strcmp(k, "path") == 0 && strncmp(x->path, v, strlen(v)) == 0))
			return true;
	}
	return false;
}

/* A finding already present in the baseline: same finding for the same
 * file content (or, without a hash, the same path). */
static bool in_baseline(const struct findings *b, const struct finding *x)
{
	for (size_t i = 0; i < b->n; i++) {
		if (strcmp(b->v[i].code, x->code) != 0)
			continue;
		if (x->file_sha256 && *x->file_sha256 && b->v[i].file_sha256 &&
		    strcmp(b->v[i].file_sha256, x->file_sha256) == 0)
			return true;
		if (strcmp(b->v[i].path, x->path) == 0)
			return true;
	}
	return false;
}

int outliers_run(const struct outliers_opts *o)
{
	struct findings f = { 0 }, base = { 0 };
	struct allow allow = { 0 };
	size_t shown = 0;
	int rc = EXIT_CLEAN;

	if (o->allow && load_allow(o->allow, &allow) != 0) {
		fprintf(stderr, "sigtrace: --allow %s: cannot be read\n", o->allow);
		return EXIT_UNREADABLE;
	}
	if (collect(o->db, &f) != 0 || (o->baseline && collect(o->baseline, &base) != 0)) {
		rc = EXIT_UNREADABLE;
		goto out;
	}
	if (f.n)
		qsort(f.v, f.n, sizeof(*f.v), cmp_findings);
	for (size_t i = 0; i < f.n; i++) {
		if (allowed(&allow, &f.v[i]) || (o->baseline && in_baseline(&base, &f.v[i])))
			continue;
		shown++;
		if (o->ndjson) {
			json_t *r = json_object(), *file = json_object(), *st = json_object();
			char *line;
			json_object_set_new(file, "path", json_string(f.v[i].path));
			json_object_set_new(r, "file", file);
			json_object_set_new(st, "finding", json_string(f.v[i].code));
			json_object_set_new(st, "score", json_integer(f.v[i].score));
			json_object_set_new(st, "evidence", json_string(f.v[i].evidence));
			json_object_set_new(r, "sigtrace", st);
			line = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (line)
				puts(line);
			free(line);
			json_decref(r);
		} else {
			printf("%3d %-30s %s\n    %s\n", f.v[i].score, f.v[i].code, f.v[i].path,
			       f.v[i].evidence);
		}
	}
	rc = shown ? EXIT_FINDING : EXIT_CLEAN;
out:
	findings_clear(&f);
	findings_clear(&base);
	for (size_t i = 0; i < allow.n; i++) {
		free(allow.kind[i]);
		free(allow.value[i]);
	}
	free(allow.kind);
	free(allow.value);
	for (size_t i = 0; i < npubs; i++)
		free(pubs[i].roots);
	npubs = 0;
	return rc;
}

/*
 * The outlier rules over an inventory (docs/outliers.md). Evidence rules
 * report facts that need no statistics (a copied signature, a revoked or
 * impostor certificate); outlier rules report traits that are unusual, and
 * their scores are scaled by how rare the trait is (rarity.c). Each finding
 * names its group: the signer identity, signature or name it is about, so
 * that the output shows one line per signer rather than one per file.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hunt/hunt.h"
#include "inventory/db.h"

#define col db_text

/*
 * A rule: SQL whose rows are (path, group, label, evidence[, severity]),
 * or a handler. `outlier` rules are scaled by rarity.
 */
struct rule {
	const char *code;
	int severity;
	bool outlier;
	const char *sql;
	int (*fn)(struct db *db, const struct rule *r, struct findings *f);
};

static int run_sql(struct db *db, const struct rule *r, struct findings *f)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(db, r->sql, &s)) {
		fprintf(stderr, "sigtrace: outliers: %s: %s\n", r->code, db_errmsg(db));
		return -1;
	}
	while ((rc = db_step(s)) == DB_ROW) {
		int sev = db_columns(s) > 4 && !db_is_null(s, 4) ? (int)db_int64(s, 4) : r->severity;
		findings_add(f, sev, r->outlier, r->code, col(s, 1), col(s, 2), col(s, 0), col(s, 3));
	}
	if (rc == DB_ERROR)
		fprintf(stderr, "sigtrace: outliers: %s: %s\n", r->code, db_errmsg(db));
	db_finalize(s);
	return rc == DB_DONE ? 0 : -1;
}

/* Version resources that claim a publisher the valid signer is not (the
 * file's own reason metadata_mismatch covers unsigned and broken files). */
static int rule_metadata_signed(struct db *db, const struct rule *r, struct findings *f)
{
	struct db_stmt *s;

	if (db_prepare(db, r->sql, &s))
		return -1;
	while (db_step(s) == DB_ROW) {
		const char *path = col(s, 0), *company = col(s, 1), *signer = col(s, 2);
		const char *subject = col(s, 3);
		const char *p = publisher_claimed_name(company, NULL), *a, *b;
		char ev[1024], org[256], group[512];

		if (!p)
			continue;
		a = publisher_claimed_name(signer, NULL);
		b = publisher_claimed_name(dn_org(subject, org, sizeof(org)), NULL);
		if ((a && strcmp(a, p) == 0) || (b && strcmp(b, p) == 0))
			continue;
		snprintf(ev, sizeof(ev), "version resource claims '%s' but the file is signed by '%s'",
			 company, signer);
		snprintf(group, sizeof(group), "%s|%s", p, signer);
		findings_add(f, r->severity, r->outlier, r->code, group, ev, path, ev);
	}
	db_finalize(s);
	return 0;
}

static int64_t when(const char *iso)
{
	struct tm tm = { 0 };

	if (!iso || !strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

/*
 * One subject name on certificates of different CA families: an anchored
 * one and one that ends at no anchor (a certificate made to look like a
 * known signer: subject_impostor_twin, evidence), or two anchored families
 * in use at the same time (subject_rekeyed, an outlier). Renewals and a
 * vendor's concurrent certificates under one family are routine.
 */
static int rule_same_name(struct db *db, const struct rule *r, struct findings *f)
{
	struct db_stmt *s, *files;
	struct row {
		char *sha, *cn, *family;
		struct cert_span span;
		bool twin, rekeyed;
	} *v = NULL;
	size_t n = 0;
	bool twin_rule = strcmp(r->code, "subject_impostor_twin") == 0;

	if (db_prepare(db,
		       "SELECT sha256, subject_cn, family, not_before, not_after FROM signer_facts"
		       " WHERE subject_cn IN (SELECT subject_cn FROM signer_facts"
		       "  WHERE subject_cn <> '' GROUP BY subject_cn HAVING count(DISTINCT family) > 1)"
		       " ORDER BY subject_cn, sha256",
		       &s))
		return -1;
	while (db_step(s) == DB_ROW) {
		struct row *nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = (struct row){ strdup(col(s, 0)), strdup(col(s, 1)), strdup(col(s, 2)),
				     { NULL, when(col(s, 3)), when(col(s, 4)) }, false, false };
		v[n].span.family = v[n].family;
		n++;
	}
	db_finalize(s);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n && strcmp(v[i].cn, v[j].cn) == 0; j++) {
			enum cert_relation rel = cert_relate(&v[i].span, &v[j].span);
			if (rel == REL_IMPOSTOR_TWIN) {
				/* The unanchored one borrows the anchored one's name. */
				if (strncmp(v[i].family, "unanchored:", 11) == 0)
					v[i].twin = true;
				else
					v[j].twin = true;
			} else if (rel == REL_REKEYED) {
				v[i].rekeyed = v[j].rekeyed = true;
			}
		}
	if (db_prepare(db,
		       "SELECT DISTINCT f.path FROM signatures s JOIN files f ON f.id = s.file_id"
		       " WHERE s.signer_sha256 = ?1",
		       &files) == 0) {
		for (size_t i = 0; i < n; i++) {
			char group[512], ev[1024];
			if (!(twin_rule ? v[i].twin : v[i].rekeyed))
				continue;
			snprintf(group, sizeof(group), "%s", v[i].cn);
			if (twin_rule)
				snprintf(ev, sizeof(ev),
					 "'%s' is a signer whose chain ends at a trusted root, but this certificate of the same name (%.16s...) ends at none",
					 v[i].cn, v[i].sha);
			else
				snprintf(ev, sizeof(ev),
					 "'%s' holds certificates of different CA families at the same time (this one: %s)",
					 v[i].cn, v[i].family);
			db_bind_text(files, 1, v[i].sha);
			while (db_step(files) == DB_ROW)
				findings_add(f, r->severity, r->outlier, r->code, group, v[i].cn, col(files, 0), ev);
			db_reset(files);
		}
		db_finalize(files);
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].sha);
		free(v[i].cn);
		free(v[i].family);
	}
	free(v);
	return 0;
}

/* The first signature's signer identity of a file, for groups. */
#define SIGNER_OF(f) \
	"(SELECT sf.identity FROM signatures s0 JOIN signer_facts sf ON sf.sha256 = s0.signer_sha256" \
	" WHERE s0.file_id = " f " ORDER BY s0.depth, s0.idx LIMIT 1)"
#define SIGNER_CN_OF(f) \
	"(SELECT c0.subject_cn FROM signatures s0 JOIN certificates c0 ON c0.sha256 = s0.signer_sha256" \
	" WHERE s0.file_id = " f " ORDER BY s0.depth, s0.idx LIMIT 1)"

static const struct rule rules[] = {
	/* Certificates revoked by a CRL given to the scan (--crl) or on the
	 * shipped deny-list of stolen and leaked certificates. */
	{ "revoked", 100, false,
	  "SELECT f.path, coalesce(" SIGNER_OF("f.id") ", f.path), coalesce(" SIGNER_CN_OF("f.id") ", ''),"
	  " r.detail FROM files f JOIN reasons r ON r.file_id = f.id WHERE r.code = 'revoked'", NULL },
	/* A listed vulnerable signed driver (T1068): evidence, not rarity;
	 * its signature is good, which is the point of it. */
	{ "vulnerable_driver", 85, false,
	  "SELECT f.path, coalesce(" SIGNER_OF("f.id") ", f.path), coalesce(" SIGNER_CN_OF("f.id") ", ''),"
	  " r.detail FROM files f JOIN reasons r ON r.file_id = f.id WHERE r.code = 'vulnerable_driver'", NULL },
	/* A signature copied from a file that verifies (SigThief): same signed
	 * digest and signer as a valid file, but this file's digest fails. */
	{ "signature_transplanted", 100, false,
	  "SELECT fi.path, min(si.signed_digest || '|' || si.signer_sha256), 'the signature of ' || min(fv.path),"
	  " 'its signature (signed digest ' || substr(min(si.signed_digest), 1, 16) || '..., signer ''' ||"
	  " min(c.subject_cn) || ''', serial ' || min(c.serial) || ') belongs to ' || min(fv.path) || ', which verifies'"
	  " FROM signatures si JOIN files fi ON fi.id = si.file_id"
	  " JOIN signatures sv ON sv.signed_digest = si.signed_digest"
	  "  AND sv.signer_sha256 = si.signer_sha256 AND sv.file_id <> si.file_id"
	  " JOIN files fv ON fv.id = sv.file_id JOIN certificates c ON c.sha256 = si.signer_sha256"
	  " WHERE fi.verdict IN ('invalid', 'malformed')"
	  "  AND (instr(fi.reasons, 'digest_mismatch') > 0 OR instr(fi.reasons, 'page_hash_mismatch') > 0)"
	  "  AND fv.verdict = 'valid' GROUP BY fi.id", NULL },
	/* Ad-hoc Mach-O signatures have no signer: the CodeDirectory's hash
	 * identifies them. */
	{ "signature_transplanted", 100, false,
	  "SELECT fi.path, 'cdhash:' || min(pi.value), 'the code signature of ' || min(fv.path),"
	  " 'its code signature (CDHash ' || min(pi.value) || ') belongs to ' || min(fv.path) || ', whose code matches it'"
	  " FROM properties pi"
	  " JOIN signatures si ON si.file_id = pi.file_id AND si.idx = pi.sig_idx"
	  " JOIN files fi ON fi.id = si.file_id"
	  " JOIN properties pv ON pv.key = 'macho.cdhash' AND pv.value = pi.value"
	  "  AND pv.file_id <> pi.file_id"
	  " JOIN files fv ON fv.id = pv.file_id"
	  " WHERE pi.key = 'macho.cdhash' AND si.signer_sha256 IS NULL"
	  "  AND fi.verdict IN ('invalid', 'malformed') AND instr(fi.reasons, 'page_hash_mismatch') > 0"
	  "  AND fv.verdict IN ('valid', 'untrusted') AND instr(fv.reasons, 'page_hash_mismatch') = 0"
	  " GROUP BY fi.id", NULL },
	/* Signatures that impersonate a well-known publisher (the verifier's
	 * reason, docs/trust.md). */
	{ "publisher_impersonation", 95, false,
	  "SELECT f.path, coalesce(" SIGNER_OF("f.id") ", f.path), coalesce(" SIGNER_CN_OF("f.id") ", ''),"
	  " r.detail FROM files f JOIN reasons r ON r.file_id = f.id"
	  " WHERE r.code = 'publisher_impersonation'", NULL },
	/* Untrusted or invalid files in Windows system directories, where
	 * everything is signed by Microsoft. */
	{ "untrusted_in_system_dir", 90, false,
	  "SELECT path, coalesce(" SIGNER_OF("id") ", 'verdict ' || verdict),"
	  " coalesce(" SIGNER_CN_OF("id") ", verdict),"
	  " 'verdict ' || verdict || ' (' || reasons || ') in a system directory'"
	  " FROM files WHERE verdict IN ('untrusted', 'invalid')"
	  " AND (lower(path) LIKE '%/windows/system32/%' OR lower(path) LIKE '%/windows/syswow64/%'"
	  " OR lower(path) LIKE '%/windows/winsxs/%')", NULL },
	/* A certificate that copies the name of a signer seen under a trusted
	 * root, its own chain ending at none. */
	{ "subject_impostor_twin", 85, false, NULL, rule_same_name },
	/* A version resource that claims an always-signing publisher on a file
	 * whose signature fails (MetaTwin copies both). */
	{ "metadata_mismatch", 80, false,
	  "SELECT f.path, 'claims:' || coalesce(p.value, '') || '|' || f.verdict,"
	  " 'claims ''' || coalesce(p.value, '') || '''', r.detail FROM files f"
	  " JOIN reasons r ON r.file_id = f.id AND r.code = 'metadata_mismatch'"
	  " LEFT JOIN properties p ON p.file_id = f.id AND p.part_idx = 0 AND p.sig_idx IS NULL"
	  "  AND p.key = 'pe.company' WHERE f.verdict IN ('invalid', 'malformed')", NULL },
	/* The same claim on an unsigned file: true, and worth a look when rare
	 * (installers ship unsigned helpers built from vendor templates). */
	{ "metadata_mismatch", 60, true,
	  "SELECT f.path, 'claims:' || coalesce(p.value, '') || '|unsigned',"
	  " 'claims ''' || coalesce(p.value, '') || '''', r.detail FROM files f"
	  " JOIN reasons r ON r.file_id = f.id AND r.code = 'metadata_mismatch'"
	  " LEFT JOIN properties p ON p.file_id = f.id AND p.part_idx = 0 AND p.sig_idx IS NULL"
	  "  AND p.key = 'pe.company' WHERE f.verdict NOT IN ('invalid', 'malformed')", NULL },
	/* A version resource that claims a publisher another signs (a
	 * company named exactly as the signer is that signer: not fetched). */
	{ "metadata_mismatch", 60, true,
	  "SELECT f.path, p.value, c.subject_cn, c.subject FROM files f"
	  " JOIN properties p ON p.file_id = f.id AND p.part_idx = 0 AND p.sig_idx IS NULL"
	  "  AND p.key = 'pe.company'"
	  " JOIN signatures s ON s.file_id = f.id AND s.idx = 0 AND s.signer_sha256 IS NOT NULL"
	  " JOIN certificates c ON c.sha256 = s.signer_sha256"
	  " WHERE f.verdict IN ('valid', 'untrusted') AND p.value <> coalesce(c.subject_cn, '')",
	  rule_metadata_signed },
	/* Signing time claimed outside the signer certificate's validity. */
	{ "signing_time_outside_validity", 70, false,
	  "SELECT f.path, s.signer_sha256, c.subject_cn,"
	  " 'signing time ' || s.signing_time || ' outside ' || c.not_before || ' .. ' || c.not_after || ' of ''' || c.subject_cn || ''''"
	  " FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	  " WHERE s.signing_time IS NOT NULL AND (s.signing_time < c.not_before OR s.signing_time > c.not_after)", NULL },
	/* Two CA families for one name at the same time. */
	{ "subject_rekeyed", 60, true, NULL, rule_same_name },
	/* Signer certificates valid for more than ten years. */
	{ "unusual_validity", 60, true,
	  "SELECT f.path, sf.identity, min(sf.subject_cn), '''' || min(sf.subject_cn) || ''' is valid for ' ||"
	  " CAST(round(max(julianday(sf.not_after) - julianday(sf.not_before))) AS INTEGER) || ' days'"
	  " FROM signatures s JOIN files f ON f.id = s.file_id JOIN signer_facts sf ON sf.sha256 = s.signer_sha256"
	  " WHERE julianday(sf.not_after) - julianday(sf.not_before) > 3653 GROUP BY f.id, sf.identity", NULL },
	/* ... or for less than a week, unless a signing service issues them
	 * that way (data/signing-services.tsv). */
	{ "unusual_validity", 50, true,
	  "SELECT f.path, sf.identity, min(sf.subject_cn), '''' || min(sf.subject_cn) || ''' is valid for ' ||"
	  " CAST(round(min(julianday(sf.not_after) - julianday(sf.not_before)) * 24) AS INTEGER) || ' hours'"
	  " FROM signatures s JOIN files f ON f.id = s.file_id JOIN signer_facts sf ON sf.sha256 = s.signer_sha256"
	  " WHERE julianday(sf.not_after) - julianday(sf.not_before) < 7 AND sf.service IS NULL"
	  " GROUP BY f.id, sf.identity", NULL },
	/* Certificates used within a day of being issued (not a service's):
	 * weak alone (developers sign the day a new certificate arrives). */
	{ "fresh_certificate", 40, true,
	  "SELECT f.path, sf.identity, min(sf.subject_cn), 'signed ' || min(coalesce(s.timestamp_time, s.signing_time)) || ', ' ||"
	  " CAST(round(min(julianday(coalesce(s.timestamp_time, s.signing_time)) - julianday(sf.not_before)) * 24) AS INTEGER) ||"
	  " ' h after ''' || min(sf.subject_cn) || ''' was issued'"
	  " FROM signatures s JOIN files f ON f.id = s.file_id JOIN signer_facts sf ON sf.sha256 = s.signer_sha256"
	  " WHERE sf.service IS NULL AND coalesce(s.timestamp_time, s.signing_time) IS NOT NULL"
	  " AND julianday(coalesce(s.timestamp_time, s.signing_time)) - julianday(sf.not_before) BETWEEN 0 AND 1"
	  " GROUP BY f.id, sf.identity", NULL },
	/* Signers seen on one file only (stack counting), counted by identity
	 * so that renewals and a service's daily certificates are one signer,
	 * and by content, so that one binary found twice (extracted beside its
	 * archive, copied to two folders) is one file; one that no trusted
	 * root vouches for weighs more. */
	{ "one_off_signer", 40, true,
	  "SELECT min(f.path), sf.identity, min(sf.subject_cn),"
	  " 'the only file signed by ''' || min(sf.subject_cn) || ''' (' || CASE WHEN max(s.trusted) = 1"
	  "  THEN 'a trusted chain' ELSE 'no trusted chain' END || ')',"
	  " CASE WHEN max(s.trusted) = 1 THEN 40 ELSE 70 END"
	  " FROM signatures s JOIN files f ON f.id = s.file_id JOIN signer_facts sf ON sf.sha256 = s.signer_sha256"
	  " GROUP BY sf.identity HAVING count(DISTINCT coalesce(f.sha256, CAST(f.id AS TEXT))) = 1", NULL },
	/* Signers seen on one host only, in an inventory of several hosts. */
	{ "one_host_signer", 40, true,
	  "SELECT f.path, sf.identity, min(sf.subject_cn), '''' || min(sf.subject_cn) || ''' signs ' || min(x.n) ||"
	  " ' files, all on host ' || min(x.host) || ', of ' || (SELECT count(DISTINCT host) FROM files) || ' hosts'"
	  " FROM (SELECT sf2.identity AS id, count(DISTINCT f2.id) AS n, min(f2.host) AS host"
	  "  FROM signatures s2 JOIN files f2 ON f2.id = s2.file_id JOIN signer_facts sf2 ON sf2.sha256 = s2.signer_sha256"
	  "  GROUP BY sf2.identity HAVING count(DISTINCT f2.host) = 1 AND count(DISTINCT f2.id) > 1) x"
	  " JOIN signer_facts sf ON sf.identity = x.id JOIN signatures s ON s.signer_sha256 = sf.sha256"
	  " JOIN files f ON f.id = s.file_id WHERE (SELECT count(DISTINCT host) FROM files) > 1"
	  " GROUP BY f.id, sf.identity", NULL },
	/* Not timestamped where the same signer usually timestamps. */
	{ "missing_timestamp", 20, true,
	  "SELECT f.path, x.id, min(sf.subject_cn), '''' || min(sf.subject_cn) || ''' timestamps ' || min(x.ts) || ' of ' || min(x.n) || ' files, not this one'"
	  " FROM (SELECT sf2.identity AS id, count(*) AS n,"
	  "  sum(CASE WHEN s2.timestamp_valid = 1 THEN 1 ELSE 0 END) AS ts FROM signatures s2"
	  "  JOIN signer_facts sf2 ON sf2.sha256 = s2.signer_sha256 WHERE s2.depth = 0 GROUP BY sf2.identity"
	  "  HAVING count(*) >= 3 AND sum(CASE WHEN s2.timestamp_valid = 1 THEN 1 ELSE 0 END) * 2 >= count(*)) x"
	  " JOIN signer_facts sf ON sf.identity = x.id"
	  " JOIN signatures s ON s.signer_sha256 = sf.sha256 AND s.depth = 0 AND s.timestamp_kind IS NULL"
	  " JOIN files f ON f.id = s.file_id GROUP BY f.id, x.id", NULL },
	/* Weak keys and digests, when no stronger valid signature covers the
	 * file (a SHA-1 signature beside a valid SHA-256 one is dual signing). */
	{ "weak_crypto", 30, true,
	  "SELECT f.path, coalesce(" SIGNER_OF("f.id") ", f.path), coalesce(" SIGNER_CN_OF("f.id") ", ''), f.reasons"
	  " FROM files f WHERE (instr(f.reasons, 'weak_digest') > 0 OR instr(f.reasons, 'weak_key') > 0)"
	  " AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.file_id = f.id AND s.verdict = 'valid'"
	  "  AND s.digest_algorithm NOT IN ('md5', 'sha1') AND instr(coalesce(s.reasons, ''), 'weak_') = 0)", NULL },
};

/* The count of a one-value lookup. */
static int64_t count_of(struct db_stmt *s, const char *v)
{
	int64_t n = 0;

	db_bind_text(s, 1, v);
	if (db_step(s) == DB_ROW)
		n = db_int64(s, 0);
	db_reset(s);
	return n;
}

/* How many logged executions a recorded file has (docs/telemetry.md): by
 * its SHA-256, SHA-1 or MD5 (hashes[0..2], by[0..2]), by the CDHash of its
 * Mach-O signature (hashes[3], by[3]), or by a logged path key that is a
 * '/'-bounded suffix of its recorded path (by_key; each suffix an index
 * lookup). */
static int64_t executions_of(struct db_stmt *const *by, struct db_stmt *by_key, const char *path,
			     char hashes[4][65])
{
	char lower[8192];
	int64_t n = 0;
	size_t len = strlen(path);

	for (int i = 0; i < 4; i++)
		if (*hashes[i] && (n = count_of(by[i], hashes[i])))
			return n;
	if (len >= sizeof(lower))
		return 0;
	for (size_t i = 0; i <= len; i++)
		lower[i] = (char)tolower((unsigned char)path[i]);
	for (const char *p = strchr(lower, '/'); p && !n; p = strchr(p + 1, '/')) {
		if (!p[1])
			break;
		db_bind_text(by_key, 1, p + 1);
		if (db_step(by_key) == DB_ROW)
			n = db_int64(by_key, 0);
		db_reset(by_key);
	}
	return n;
}

/* Events in which the file ran: not a load Code Integrity refused, not a
 * signature check (CAPI2). */
#define RAN " AND kind NOT IN ('blocked_load', 'trust_check')"

/*
 * A finding on a file that ran ranks above the same finding at rest: +10
 * (at most 100), and its evidence says so. Only when the inventory holds
 * execution events (sigtrace ingest); an inventory older than schema 6 has
 * none.
 */
static void executed_boost(struct db *db, struct findings *f)
{
	static const char *const by_sql[4] = {
		"SELECT count(*) FROM executions WHERE sha256 = ?1" RAN,
		"SELECT count(*) FROM executions WHERE sha1 = ?1" RAN,
		"SELECT count(*) FROM executions WHERE md5 = ?1" RAN,
		"SELECT count(*) FROM executions WHERE cdhash = ?1" RAN,
	};
	struct db_stmt *any = NULL, *hash = NULL, *by[4] = { 0 }, *by_key = NULL;
	bool have = false;

	if (db_prepare(db, "SELECT 1 FROM executions LIMIT 1", &any))
		return;
	have = db_step(any) == DB_ROW;
	db_finalize(any);
	if (!have ||
	    db_prepare(db,
		       "SELECT f.sha256, f.sha1, f.md5, (SELECT p.value FROM properties p WHERE p.file_id = f.id"
		       " AND p.key = 'macho.cdhash' ORDER BY p.part_idx LIMIT 1) FROM files f WHERE f.path = ?1"
		       " ORDER BY f.id LIMIT 1",
		       &hash) ||
	    db_prepare(db, by_sql[0], &by[0]) || db_prepare(db, by_sql[1], &by[1]) ||
	    db_prepare(db, by_sql[2], &by[2]) || db_prepare(db, by_sql[3], &by[3]) ||
	    db_prepare(db, "SELECT count(*) FROM executions WHERE image_key = ?1" RAN, &by_key))
		goto out;
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];
		char hashes[4][65] = { "", "", "", "" }, *ev;
		int64_t n;

		db_bind_text(hash, 1, x->path);
		if (db_step(hash) == DB_ROW)
			for (int k = 0; k < 4; k++)
				snprintf(hashes[k], sizeof(hashes[k]), "%s", db_text(hash, k));
		db_reset(hash);
		if ((n = executions_of(by, by_key, x->path, hashes)) == 0)
			continue;
		x->executed = n;
		x->severity = x->severity + 10 > 100 ? 100 : x->severity + 10;
		if (asprintf(&ev, "%s; it ran (%lld logged executions: sigtrace executed)", x->evidence,
			     (long long)n) >= 0) {
			free(x->evidence);
			x->evidence = ev;
		}
	}
out:
	db_finalize(hash);
	for (int k = 0; k < 4; k++)
		db_finalize(by[k]);
	db_finalize(by_key);
}

int rules_collect(const char *dbpath, bool identities, struct findings *f, size_t *signed_files)
{
	struct db *db = NULL;
	struct db_stmt *q;
	char err[512];
	int rc = 0;

	*signed_files = 0;
	if (db_open(&db, dbpath, true, err, sizeof(err))) {
		fprintf(stderr, "sigtrace: outliers: %s: %s\n", dbpath, err);
		return -1;
	}
	publishers_load();
	if (knowledge_build(db) != 0) {
		fprintf(stderr, "sigtrace: outliers: %s: %s\n", dbpath, db_errmsg(db));
		db_close(db);
		return -1;
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		rc |= rules[i].fn ? rules[i].fn(db, &rules[i], f) : run_sql(db, &rules[i], f);
	if (db_prepare(db, "SELECT count(DISTINCT file_id) FROM signatures WHERE signer_sha256 IS NOT NULL",
		       &q) == 0) {
		if (db_step(q) == DB_ROW)
			*signed_files = (size_t)db_int64(q, 0);
		db_finalize(q);
	}
	/* Identity of each finding's file, for --allow and --baseline (one
	 * query per finding: not asked for when neither is given). */
	if (identities && db_prepare(db,
		       "SELECT f.sha256, c.sha256, c.subject_cn,"
		       " CASE WHEN s.signer_sha256 IS NOT NULL"
		       "  AND instr(coalesce(s.reasons, ''), 'team_id_mismatch') = 0"
		       "  THEN (SELECT value FROM properties p WHERE p.file_id = s.file_id"
		       "   AND p.sig_idx = s.idx AND p.key = 'macho.team_id') END FROM files f"
		       " LEFT JOIN signatures s ON s.file_id = f.id AND s.idx = 0"
		       " LEFT JOIN certificates c ON c.sha256 = s.signer_sha256 WHERE f.path = ?1"
		       " ORDER BY f.id LIMIT 1",
		       &q) == 0) {
		for (size_t i = 0; i < f->n; i++) {
			db_bind_text(q, 1, f->v[i].path);
			if (db_step(q) == DB_ROW) {
				f->v[i].file_sha256 = strdup(col(q, 0));
				f->v[i].signer_sha256 = strdup(col(q, 1));
				f->v[i].signer = strdup(col(q, 2));
				if (!db_is_null(q, 3))
					f->v[i].team = strdup(col(q, 3));
			}
			db_reset(q);
		}
		db_finalize(q);
	}
	executed_boost(db, f);
	db_close(db);
	return rc ? -1 : 0;
}

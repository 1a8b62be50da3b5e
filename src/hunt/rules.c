/*
 * The outlier rules over an inventory (docs/outliers.md): copied
 * signatures, impostor publishers, version resources that lie, one-off
 * signers, odd certificates. One table of rules; handlers for those that
 * need more than SQL.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hunt/hunt.h"


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
	findings_add(f, 100, "signature_transplanted", col(s, 0), ev);
}

static void on_transplant_cdhash(sqlite3_stmt *s, struct findings *f)
{
	char ev[1024];

	snprintf(ev, sizeof(ev),
		 "its code signature (CDHash %s) belongs to %s, whose code matches it",
		 col(s, 2), col(s, 1));
	findings_add(f, 100, "signature_transplanted", col(s, 0), ev);
}

/* Version resources that claim one publisher on a file another signs (the
 * file's own reason metadata_mismatch covers unsigned and broken files). */
static void on_metadata(sqlite3_stmt *s, struct findings *f)
{
	const char *path = col(s, 0), *company = col(s, 1), *signer = col(s, 2);
	const char *verdict = col(s, 3), *subject = col(s, 4);
	const char *p = publisher_claimed_name(company, NULL), *a, *b;
	char ev[1024], org[256];

	if (!p || strcmp(verdict, "unsigned") == 0 || strcmp(verdict, "invalid") == 0 ||
	    strcmp(verdict, "malformed") == 0 || (!*signer && !*subject))
		return;
	a = publisher_claimed_name(signer, NULL);
	b = publisher_claimed_name(dn_org(subject, org, sizeof(org)), NULL);
	if ((a && strcmp(a, p) == 0) || (b && strcmp(b, p) == 0))
		return;
	snprintf(ev, sizeof(ev), "version resource claims '%s' but the file is signed by '%s'",
		 company, signer);
	findings_add(f, 80, "metadata_mismatch", path, ev);
}

static void on_simple(sqlite3_stmt *s, struct findings *f)
{
	findings_add(f, sqlite3_column_int(s, 0), col(s, 1), col(s, 2), col(s, 3));
}

/*
 * The rules, in one table. A rule is SQL over the inventory; without a
 * handler each row is (score, code, path, evidence), with one the handler
 * turns rows into findings.
 */
struct rule {
	const char *sql;
	row_fn fn;
};

static const struct rule rules[] = {
	/* A signature copied from a file that verifies (SigThief): same signed
	 * digest and signer as a valid file, but this file's digest fails. */
	{ "SELECT fi.path, min(fv.path), si.signed_digest, c.subject_cn, c.serial"
	  " FROM signatures si JOIN files fi ON fi.id = si.file_id"
	  " JOIN signatures sv ON sv.signed_digest = si.signed_digest"
	  "  AND sv.signer_sha256 = si.signer_sha256 AND sv.file_id <> si.file_id"
	  " JOIN files fv ON fv.id = sv.file_id JOIN certificates c ON c.sha256 = si.signer_sha256"
	  " WHERE fi.verdict IN ('invalid', 'malformed')"
	  "  AND (instr(fi.reasons, 'digest_mismatch') > 0 OR instr(fi.reasons, 'page_hash_mismatch') > 0)"
	  "  AND fv.verdict = 'valid' GROUP BY fi.id",
	  on_transplant },
	/* Ad-hoc Mach-O signatures have no signer: the CodeDirectory's hash
	 * identifies them. */
	{ "SELECT fi.path, min(fv.path), pi.value FROM properties pi"
	  " JOIN signatures si ON si.file_id = pi.file_id AND si.idx = pi.sig_idx"
	  " JOIN files fi ON fi.id = si.file_id"
	  " JOIN properties pv ON pv.key = 'macho.cdhash' AND pv.value = pi.value"
	  "  AND pv.file_id <> pi.file_id"
	  " JOIN files fv ON fv.id = pv.file_id"
	  " WHERE pi.key = 'macho.cdhash' AND si.signer_sha256 IS NULL"
	  "  AND fi.verdict IN ('invalid', 'malformed') AND instr(fi.reasons, 'page_hash_mismatch') > 0"
	  "  AND fv.verdict IN ('valid', 'untrusted') AND instr(fv.reasons, 'page_hash_mismatch') = 0"
	  " GROUP BY fi.id",
	  on_transplant_cdhash },
	/* Signatures that impersonate a well-known publisher, and files whose
	 * version resource claims one that always signs while they are not
	 * validly signed (reasons the verifier gives each file). */
	{ "SELECT 95, 'publisher_impersonation', f.path, r.detail FROM files f"
	  " JOIN reasons r ON r.file_id = f.id WHERE r.code = 'publisher_impersonation'",
	  NULL },
	{ "SELECT 80, 'metadata_mismatch', f.path, r.detail FROM files f"
	  " JOIN reasons r ON r.file_id = f.id WHERE r.code = 'metadata_mismatch'",
	  NULL },
	/* Version resources that claim a publisher another signs. */
	{ "SELECT f.path, p.value, c.subject_cn, f.verdict, c.subject FROM files f"
	  " JOIN properties p ON p.file_id = f.id AND p.part_idx = 0 AND p.sig_idx IS NULL"
	  "  AND p.key = 'pe.company'"
	  " LEFT JOIN signatures s ON s.file_id = f.id AND s.idx = 0"
	  " LEFT JOIN certificates c ON c.sha256 = s.signer_sha256",
	  on_metadata },
	/* Certificates revoked by a CRL given to the scan (--crl) or on the
	 * shipped deny-list of abused certificates. */
	{ "SELECT 100, 'revoked', f.path, r.detail FROM files f JOIN reasons r ON r.file_id = f.id"
	  " WHERE r.code = 'revoked'",
	  NULL },
	/* Untrusted or self-signed signatures on files in Windows system
	 * directories, where everything is signed by Microsoft. */
	{ "SELECT 90, 'untrusted_in_system_dir', path, 'verdict ' || verdict || ' (' || reasons || ') in a system directory'"
	  " FROM files WHERE verdict IN ('untrusted', 'invalid')"
	  " AND (lower(path) LIKE '%/windows/system32/%' OR lower(path) LIKE '%/windows/syswow64/%'"
	  " OR lower(path) LIKE '%/windows/winsxs/%')",
	  NULL },
	/* Signing time claimed outside the signer certificate's validity. */
	{ "SELECT 70, 'signing_time_outside_validity', f.path,"
	  " 'signing time ' || s.signing_time || ' outside ' || c.not_before || ' .. ' || c.not_after || ' of ''' || c.subject_cn || ''''"
	  " FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	  " WHERE s.signing_time IS NOT NULL AND (s.signing_time < c.not_before OR s.signing_time > c.not_after)",
	  NULL },
	/* The same subject name under several issuers or keys. */
	{ "SELECT 60, 'subject_multiple_issuers', f.path,"
	  " 'signer ''' || c.subject_cn || ''' appears with ' || x.n || ' different certificates from ' || x.ni || ' issuers'"
	  " FROM (SELECT subject_cn AS cn, count(DISTINCT sha256) AS n, count(DISTINCT issuer) AS ni FROM certificates"
	  " WHERE sha256 IN (SELECT signer_sha256 FROM signatures) GROUP BY subject_cn HAVING count(DISTINCT issuer) > 1) x"
	  " JOIN certificates c ON c.subject_cn = x.cn JOIN signatures s ON s.signer_sha256 = c.sha256"
	  " JOIN files f ON f.id = s.file_id GROUP BY f.id",
	  NULL },
	/* One signer name and issuer with several keys. */
	{ "SELECT 30, 'subject_multiple_keys', f.path,"
	  " 'signer ''' || c.subject_cn || ''' from ''' || c.issuer_cn || ''' appears with ' || x.n || ' different keys'"
	  " FROM (SELECT subject_cn AS cn, issuer AS iss, count(DISTINCT key_sha256) AS n FROM certificates"
	  " WHERE sha256 IN (SELECT signer_sha256 FROM signatures) GROUP BY subject_cn, issuer"
	  " HAVING count(DISTINCT key_sha256) > 1) x"
	  " JOIN certificates c ON c.subject_cn = x.cn AND c.issuer = x.iss"
	  " JOIN signatures s ON s.signer_sha256 = c.sha256 JOIN files f ON f.id = s.file_id GROUP BY f.id",
	  NULL },
	/* Leaf certificates valid for unusually long or short periods. */
	{ "SELECT 50, 'unusual_validity', f.path, '''' || c.subject_cn || ''' is valid for ' ||"
	  " CAST(round(julianday(c.not_after) - julianday(c.not_before)) AS INTEGER) || ' days'"
	  " FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	  " WHERE julianday(c.not_after) - julianday(c.not_before) > 3653"
	  " OR julianday(c.not_after) - julianday(c.not_before) < 7 GROUP BY f.id",
	  NULL },
	/* Certificates used within a day of being issued. */
	{ "SELECT 50, 'fresh_certificate', f.path, 'signed ' || s.signing_time || ', ' ||"
	  " CAST(round((julianday(s.signing_time) - julianday(c.not_before)) * 24) AS INTEGER) || ' h after ''' || c.subject_cn || ''' was issued'"
	  " FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	  " WHERE s.signing_time IS NOT NULL AND julianday(s.signing_time) - julianday(c.not_before) BETWEEN 0 AND 1",
	  NULL },
	/* Signers seen on one file only (stack counting). */
	{ "SELECT 40, 'one_off_signer', min(f.path), 'the only file signed by ''' || c.subject_cn || ''' (issuer ''' || c.issuer_cn || ''')'"
	  " FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	  " GROUP BY c.sha256 HAVING count(DISTINCT s.file_id) = 1",
	  NULL },
	/* Signers seen on one host only, in an inventory of several hosts. */
	{ "SELECT 40, 'one_host_signer', min(f.path), '''' || c.subject_cn || ''' signs ' ||"
	  " count(DISTINCT f.id) || ' files, all on host ' || min(f.host) || ', of ' ||"
	  " (SELECT count(DISTINCT host) FROM files) || ' hosts'"
	  " FROM signatures s JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = s.signer_sha256"
	  " GROUP BY c.sha256 HAVING count(DISTINCT f.host) = 1 AND count(DISTINCT f.id) > 1"
	  " AND (SELECT count(DISTINCT host) FROM files) > 1",
	  NULL },
	/* Not timestamped where the same signer usually timestamps. */
	{ "SELECT 20, 'missing_timestamp', f.path, '''' || c.subject_cn || ''' timestamps ' || x.ts || ' of ' || x.n || ' files, not this one'"
	  " FROM (SELECT signer_sha256 AS k, count(*) AS n, sum(timestamp_valid = 1) AS ts FROM signatures"
	  " WHERE depth = 0 GROUP BY signer_sha256 HAVING n >= 3 AND ts * 2 >= n) x"
	  " JOIN signatures s ON s.signer_sha256 = x.k AND s.depth = 0 AND s.timestamp_kind IS NULL"
	  " JOIN files f ON f.id = s.file_id JOIN certificates c ON c.sha256 = x.k",
	  NULL },
	/* Weak keys and digests. */
	{ "SELECT 30, 'weak_crypto', path, reasons FROM files"
	  " WHERE instr(reasons, 'weak_digest') > 0 OR instr(reasons, 'weak_key') > 0",
	  NULL },
};

int rules_collect(const char *dbpath, struct findings *f)
{
	sqlite3 *db = NULL;
	int rc = 0;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "sigtrace: outliers: %s: %s\n", dbpath, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return -1;
	}
	publishers_load();
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		rc |= each_row(db, rules[i].sql, rules[i].fn ? rules[i].fn : on_simple, f);
	/* Identity of each finding's file, for --allow and --baseline. */
	{
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(db,
				       "SELECT f.sha256, c.sha256, c.subject_cn,"
				       " CASE WHEN s.signer_sha256 IS NOT NULL"
				       "  AND instr(coalesce(s.reasons, ''), 'team_id_mismatch') = 0"
				       "  THEN (SELECT value FROM properties p WHERE p.file_id = s.file_id"
				       "   AND p.sig_idx = s.idx AND p.key = 'macho.team_id') END FROM files f"
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

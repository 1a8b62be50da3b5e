/*
 * The hunting room of the command line (`sigtrace outliers`): findings,
 * publisher names (names.c), what is known of signers (knowledge.c: their
 * CA family, signing services, identities), the rules over an inventory
 * (rules.c), how rare a trait is (rarity.c) and the ranked, grouped output
 * (outliers.c). docs/outliers.md describes the rules and scores.
 */
#ifndef SIGTRACE_HUNT_H
#define SIGTRACE_HUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* One finding about one file, before grouping. */
struct finding {
	int severity;      /* the rule's score for the trait */
	bool outlier;      /* a statistical rule: the score is scaled by rarity */
	int score;         /* after rarity (= severity for evidence rules) */
	char *code, *path, *evidence;
	char *group;       /* what the finding is about: a signer identity, a signature, ... */
	char *label;       /* that, for people */
	char *file_sha256, *signer_sha256, *signer;  /* for --allow, --baseline */
	char *team;  /* Mach-O team ID vouched for by the signer certificate */
	int64_t executed;  /* logged executions of the file (sigtrace ingest) */
};

struct findings {
	struct finding *v;
	size_t n, cap;
};

void findings_add(struct findings *f, int severity, bool outlier, const char *code,
		  const char *group, const char *label, const char *path, const char *evidence);
void findings_clear(struct findings *f);

/* ---- names.c: well-known publishers (the library's list) ---- */

void publishers_load(void);
void publishers_free(void);
/* The publisher a name claims (st_publisher_claimed), or NULL; *exact (if
 * not NULL) says whether the spelling is exact. */
const char *publisher_claimed_name(const char *name, bool *exact);
/* The value of the first attribute attr ("O", "OU", "CN") of an RFC 2253
 * name, unescaped into buf ("" if absent); dn_org is dn_attr(dn, "O"). */
const char *dn_attr(const char *dn, const char *attr, char *buf, size_t len);
const char *dn_org(const char *dn, char *buf, size_t len);

/* ---- knowledge.c: what a signer certificate is ---- */

/*
 * A signer certificate's CA family: for a chain that ends at a trust
 * anchor, the well-known publisher the root names (data/publishers.tsv:
 * Microsoft's roots of 1997, 2001 and 2010 name Microsoft in their CN, OU or
 * O alike), else the root's organisation ("DigiCert Inc"), else its common
 * name; for a chain that ends at no anchor, "unanchored:" and the top
 * certificate's SHA-256 (names nobody vouches for are the signer's words).
 */
void family_of(const char *top_subject, const char *top_sha256, bool top_is_anchor, char *out,
	       size_t outlen);

/* The signing service a certificate belongs to (data/signing-services.tsv):
 * its chain (the SHA-256s of its certificates, ','-separated) passes through
 * a service CA and the certificate carries the service's EKU (`ekus`,
 * ','-separated OIDs). Returns the service name or NULL; *identity gets the
 * subscriber's durable identity EKU ("" if none). */
const char *service_of(const char *chain, const char *ekus, char *identity, size_t idlen);

/* How two certificates with the same subject name relate. */
enum cert_relation {
	REL_RENEWAL,      /* one family, or successive validity: routine */
	REL_CONCURRENT,   /* one family, validity overlapping: a vendor's several certificates */
	REL_REKEYED,      /* anchored families that differ, validity overlapping */
	REL_IMPOSTOR_TWIN /* one anchored, the other not: a copy of the name */
};
struct cert_span {
	const char *family;
	int64_t not_before, not_after;  /* seconds */
};
/* Overlaps of up to 90 days are renewals (certificates are renewed before
 * they expire). */
enum cert_relation cert_relate(const struct cert_span *a, const struct cert_span *b);

/* Builds the temporary table signer_facts (one row per signer certificate:
 * subject_cn, trusted, family, service, identity, not_before, not_after)
 * of db, which may be opened read-only. */
int knowledge_build(struct db *db);

/* ---- rules.c ---- */

/* Every finding of the inventory at dbpath (a SQLite file or a
 * postgresql:// URL), and the number of files that carry a signer's
 * signature (for rarity); with identities, also each finding's file
 * SHA-256 and first signer (for --allow and --baseline). 0, or -1 when it
 * cannot be read. */
int rules_collect(const char *dbpath, bool identities, struct findings *f, size_t *signed_files);

/* ---- outliers.c ---- */

/* One group of findings: one code and one group key, with its files. */
struct group {
	size_t first, n;   /* its findings: [first, first + n) of the sorted list */
	size_t files;      /* distinct paths among them */
	int score;         /* the highest */
};
/* Sorts f into groups and lists them strongest first (score, then file
 * count). 0, or -1 when out of memory. */
int groups_make(struct findings *f, struct group **out, size_t *nout);

/* ---- rarity.c ---- */

/* The share of signed files that carry each outlier trait in the benign
 * reference profile (data/outlier-profile.tsv), or 0 if unknown. */
double profile_rate(const char *code);
/* Scores each finding: evidence rules keep their severity, outlier rules get
 * severity x (1 - max(profile rate, this inventory's rate)). */
void rarity_score(struct findings *f, size_t signed_files);
/* The rate of each outlier code in f (files with it / signed files), as
 * TSV lines "code<TAB>files<TAB>signed files<TAB>rate". */
void rarity_print(const struct findings *f, size_t signed_files);

#endif

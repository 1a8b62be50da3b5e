/*
 * Windows security catalogs (.cat): a certificate trust list (x509/ctl.h)
 * with subject usage szOID_CATALOG_LIST whose entries are the hashes of the
 * files the catalog vouches for. Windows signs most of its own binaries
 * this way (CatRoot), and driver packages ship a catalog beside the .inf.
 *
 * The member layout is Microsoft's (mscat.h; no library decodes it), as
 * documented in docs/catalogs.md:
 *   v1 (subjectAlgorithm 1.3.6.1.4.1.311.12.1.2): the tag is the member's
 *      SHA-1 as UTF-16LE upper-case hex text;
 *   v2 (1.3.6.1.4.1.311.12.1.3): the tag is the raw SHA-256, and each PE
 *      member has a companion entry tagged by its raw SHA-1 Authenticode
 *      digest, holding only CAT_MEMBERINFO2.
 * A member's SpcIndirectDataContent, when present, names the hash type
 * (SpcPeImageData: the Authenticode PE digest; 2.1.25: the plain file) and
 * the digest itself, which is authoritative.
 */
#ifndef ST_CATALOG_H
#define ST_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/context.h"
#include "core/result.h"
#include "x509/ctl.h"

#define OID_CATALOG_LIST "1.3.6.1.4.1.311.12.1.1"
#define OID_CATALOG_MEMBER_V1 "1.3.6.1.4.1.311.12.1.2"
#define OID_CATALOG_MEMBER_V2 "1.3.6.1.4.1.311.12.1.3"
#define OID_CAT_NAMEVALUE "1.3.6.1.4.1.311.12.2.1"
#define OID_CAT_MEMBERINFO "1.3.6.1.4.1.311.12.2.2"
#define OID_CAT_MEMBERINFO2 "1.3.6.1.4.1.311.12.2.3"

enum cat_member_type {
	CAT_MEMBER_UNKNOWN = 0,
	CAT_MEMBER_PE,         /* Authenticode PE digest */
	CAT_MEMBER_FLAT,       /* hash of the whole file */
	CAT_MEMBER_COMPANION   /* v2: the SHA-1 twin of another member */
};

struct cat_member {
	uint8_t digest[32];
	uint8_t len;            /* 20 (SHA-1) or 32 (SHA-256) */
	int md_nid;             /* NID_sha1 / NID_sha256 */
	enum cat_member_type type;
	char *name;             /* the "File" name-value (UTF-8), or NULL */
	char *os;               /* the "OSAttr" name-value, or NULL */
};

struct cat_file {
	struct st_ctl ctl;      /* owns the SignedData */
	int version;            /* 1 or 2 */
	char identifier[33];    /* listIdentifier, hex ("" if absent) */
	char os[96];            /* catalog-wide "OS" name-value, "" if absent */
	struct cat_member *members;
	size_t n;
	size_t unusable;        /* entries whose hash could not be read */
};

/*
 * Parses a catalog: ST_OK; ST_PARSE_MALFORMED (not a catalog, or broken)
 * or ST_PARSE_LIMIT with `why` filled; ST_ENOMEM. Entries whose hash cannot
 * be read are counted in `unusable`, not fatal.
 */
int cat_parse(const st_context *ctx, const uint8_t *der, size_t len, struct cat_file *out,
	      char *why, size_t whylen);
void cat_clear(struct cat_file *c);

/* Whether the first bytes of a file look like a catalog (a SignedData of
 * content type szOID_CTL whose subject usage is szOID_CATALOG_LIST). */
bool cat_probe(const uint8_t *head, size_t len);

/*
 * Verifies the catalog's own signature (one SignerInfo over the CTL: signer,
 * timestamps, the chain under the Windows code-signing policy) into a new
 * signature of `part`; returns its index through *idx (-1 at the signature
 * limit). ST_OK or ST_ENOMEM.
 */
int cat_verify_signature(const st_context *ctx, const struct cat_file *c, struct st_part *part,
			 int *idx);

/* Member type as text: "pe", "flat", "sha1-companion", "unknown". */
const char *cat_member_type_name(enum cat_member_type t);

/* ---- the index of a scan's catalogs (catalog_index.c) ------------------- */

struct st_catalogs;

/* Adds the catalogs at path (a file, or a directory searched to a limited
 * depth) to ctx's index; *added receives how many catalogs were indexed.
 * Files that are not catalogs are skipped. ST_OK, ST_EIO (path unreadable),
 * ST_ENOMEM. */
int cat_index_add(st_context *ctx, const char *path, size_t *added);
void cat_index_free(struct st_catalogs *idx);
size_t cat_index_catalogs(const struct st_catalogs *idx);
size_t cat_index_members(const struct st_catalogs *idx);
/* Whether some indexed catalog lists PE members by SHA-1 (a v1 catalog):
 * files then need their SHA-1 Authenticode digest too. */
bool cat_index_lists_sha1(const struct st_catalogs *idx);

/*
 * Looks the Authenticode digests of a PE file up (sha1/sha256 may be NULL
 * when not computed) and adds to `part` a signature for each catalog that
 * lists it and verifies; a listing only in catalogs that fail adds the
 * warning catalog_invalid instead. ST_OK or ST_ENOMEM.
 */
int cat_index_vouch(const st_context *ctx, const uint8_t *sha1, const uint8_t *sha256,
		    struct st_part *part);

#endif

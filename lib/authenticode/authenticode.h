/*
 * Authenticode signature verification, independent of the file format.
 *
 * A format module (PE now; MSI, CAB, catalogs later) describes the signed
 * subject with an ac_subject: which SpcIndirectData type it expects and how
 * to compute its digest and page hashes. The engine does the rest.
 */
#ifndef ST_AUTHENTICODE_H
#define ST_AUTHENTICODE_H

#include <openssl/evp.h>

#include "core/context.h"
#include "core/reader.h"
#include "core/result.h"

struct ac_subject {
	const char *indirect_type;  /* dotted OID of SpcIndirectData data.type */
	const char *type_name;      /* for details: "PE image" */
	/* Digest of the subject with md_nid into out (EVP_MAX_MD_SIZE):
	 * ST_OK, or a negative ST_E* error (ST_EIO: the file changed). A
	 * layout the digest cannot be computed for returns 1 after adding a
	 * reason to rs. */
	int (*digest)(void *arg, int md_nid, uint8_t *out, unsigned *outlen,
		      st_reasons *rs);
	/* Checks a page-hash table (optional); adds reasons to rs. */
	int (*page_hashes)(void *arg, int md_nid, const uint8_t *table,
			   size_t len, st_reasons *rs);
	void *arg;
};

/* Verifies one PKCS#7 signature (and, recursively, its nested signatures)
 * and appends them to res. `entry` is the certificate-table entry. */
int ac_verify(const st_context *ctx, const struct ac_subject *subj,
	      st_span der, st_result *res, int entry);

#endif

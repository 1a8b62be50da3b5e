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
#include "x509/chain.h"

struct ac_subject {
	const char *indirect_type;  /* dotted OID of SpcIndirectData data.type */
	const char *indirect_type_alt;  /* another accepted, or NULL */
	const char *type_name;      /* for details: "PE image" */
	/* Digest of the subject with md_nid into out (ST_SPC_DIGEST_MAX
	 * bytes: a hash, or a format's digest structure such as APPX's):
	 * ST_OK, or a negative ST_E* error (ST_EIO: the file changed). A
	 * layout the digest cannot be computed for returns 1 after adding a
	 * reason to rs. */
	int (*digest)(void *arg, int md_nid, uint8_t *out, unsigned *outlen,
		      st_reasons *rs);
	/* Checks a page-hash table (optional); adds reasons to rs. */
	int (*page_hashes)(void *arg, int md_nid, const uint8_t *table,
			   size_t len, st_reasons *rs);
	void *arg;
	/* The chain policy of the format (Windows code signing). */
	const struct st_chain_policy *policy;
	/* A signature property recording where the signature came from
	 * (PE: the certificate-table entry), set on every signature from
	 * `entry`; NULL for formats with one signature place. */
	const st_property_decl *entry_property;
	/* A boolean signature property set when the signature carries a
	 * cross-certificate issued by Microsoft Code Verification Root (the
	 * kernel-mode signing chain of drivers before 2021), or NULL. */
	const st_property_decl *cross_property;
};

/* Verifies one PKCS#7 signature (and, recursively, its nested signatures)
 * and appends them to the part's signatures. `entry` is where it came from
 * (see entry_property). */
int ac_verify(const st_context *ctx, const struct ac_subject *subj,
	      st_span der, struct st_part *part, int entry);

/*
 * When `claim`, a publisher name the file's own metadata states (`where`:
 * "the version resource"), names a publisher that signs every file it
 * ships and the finished part is unsigned or not validly signed, adds
 * metadata_mismatch and finishes the part again. ST_OK or ST_ENOMEM.
 */
int ac_check_claim(const st_context *ctx, struct st_part *part, const char *where,
		   const char *claim);

#endif

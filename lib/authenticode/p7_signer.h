/* Verification of one PKCS#7 SignerInfo: the part Authenticode signatures,
 * their nested signatures and their timestamps share. */
#ifndef ST_P7_SIGNER_H
#define ST_P7_SIGNER_H

#include <openssl/pkcs7.h>
#include <stdbool.h>

#include "core/result.h"

struct p7_signer_check {
	X509 *cert;            /* signer certificate (borrowed from certs) */
	int md_nid;            /* SignerInfo digestAlgorithm */
	bool has_signed_attrs;
	int64_t signing_time;  /* signingTime attribute, ST_TIME_NONE */
	bool ok;               /* messageDigest and signature both verified */
};

/*
 * Checks si against `content` (the bytes the messageDigest attribute
 * covers): signer certificate found by issuer and serial in certs; signed
 * attributes well-formed with contentType equal to content_type (dotted OID,
 * or NULL to skip) and exactly one messageDigest equal to the digest of
 * content; the signature over the DER of the signed attributes (or over the
 * content when there are none). Failures are added to rs with `fail` as the
 * code and `what` naming the signature in the detail.
 */
int p7_check_signer(PKCS7_SIGNER_INFO *si, STACK_OF(X509) *certs,
		    const char *content_type, const uint8_t *content,
		    size_t content_len, struct p7_signer_check *out,
		    st_reasons *rs, st_reason fail, const char *what);

/* The three signed attributes every signer check reads: each value when
 * the attribute has exactly one, and how many such attributes there are. */
struct p7_attrs {
	ASN1_TYPE *md, *ct, *st;
	int n_md, n_ct, n_st;
};

/* Checks messageDigest against the digest of content, and contentType
 * against content_type (dotted OID; NULL skips it); reads signingTime into
 * out. Sets *digest_ok. Failures go to rs with `fail`. */
int p7_check_signed_attrs(const struct p7_attrs *a, const char *content_type,
			  const uint8_t *content, size_t content_len,
			  struct p7_signer_check *out, bool *digest_ok,
			  st_reasons *rs, st_reason fail, const char *what);

/* Finds an attribute by dotted OID; *count receives how many there are. */
X509_ATTRIBUTE *p7_find_attr(const STACK_OF(X509_ATTRIBUTE) *sk,
			     const char *oid, int *count);

/* Verifies sig over data with the public key of cert and digest md_nid. */
bool p7_verify_raw(X509 *cert, int md_nid, const uint8_t *data, size_t len,
		   const ASN1_OCTET_STRING *sig);

/* Digest of data with nid into out; false if unsupported. */
bool st_digest(int nid, const uint8_t *data, size_t len, uint8_t *out,
	       unsigned *outlen);

#endif

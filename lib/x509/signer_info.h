/* Verification of one SignerInfo (PKCS#7 or CMS): the part Authenticode
 * signatures, their nested signatures and their timestamps share. */
#ifndef ST_SIGNER_INFO_H
#define ST_SIGNER_INFO_H

#include <stdbool.h>

#include "core/digest.h"
#include "core/result.h"
#include "x509/signed_data.h"

struct st_signer_check {
	X509 *cert;            /* signer certificate (borrowed from the pool) */
	int md_nid;            /* SignerInfo digestAlgorithm */
	bool has_signed_attrs;
	int64_t signing_time;  /* signingTime attribute, ST_TIME_NONE */
	bool ok;               /* messageDigest and signature both verified */
	const ASN1_OCTET_STRING *message_digest;  /* borrowed from si, or NULL */
};

/*
 * Checks si against `content` (the bytes the messageDigest attribute
 * covers): signer certificate found in pool by issuer and serial or by
 * subjectKeyIdentifier; signed attributes with contentType equal to
 * content_type (dotted OID, or NULL to skip) and exactly one messageDigest
 * equal to the digest of content (content NULL: the caller compares
 * out->message_digest itself); the signature over the DER of the signed
 * attributes (or over the content when there are none). Failures are added
 * to rs with `fail` as the code and `what` naming the signature.
 * ST_SIGNER_BARE_DIGEST in flags also accepts an RSA signature block that
 * holds the bare digest without DigestInfo (legacy countersignatures).
 */
#define ST_SIGNER_BARE_DIGEST 1u
int st_signer_check(ST_SIGNER_INFO *si, STACK_OF(X509) *pool,
		    const char *content_type, const uint8_t *content,
		    size_t content_len, struct st_signer_check *out,
		    st_reasons *rs, st_reason fail, const char *what, unsigned flags);

/* Finds an attribute by dotted OID; *count receives how many there are. */
X509_ATTRIBUTE *st_attr_find(const STACK_OF(X509_ATTRIBUTE) *sk,
			     const char *oid, int *count);

/* Verifies sig over data with the public key of cert and digest md_nid. */
bool st_verify_raw(X509 *cert, int md_nid, const uint8_t *data, size_t len,
		   const ASN1_OCTET_STRING *sig);


#endif

/*
 * SignedData (PKCS#7 v1.5 and CMS, RFC 5652) decoded with sigtrace's own
 * ASN.1 templates: certificates are kept as raw DER and decoded through the
 * context's certificate cache (decoding one X.509 certificate costs about
 * 100 us in OpenSSL 3, and the same few certificates sign thousands of
 * files), and SignerInfos accept both signer identifiers (issuer and
 * serial, subjectKeyIdentifier) so Authenticode signatures and RFC 3161
 * tokens share one signer check.
 */
#ifndef ST_SIGNED_DATA_H
#define ST_SIGNED_DATA_H

#include <openssl/asn1t.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <stdbool.h>

#include "core/context.h"
#include "core/result.h"

typedef struct {
	int type;  /* 0: issuerAndSerialNumber, 1: subjectKeyIdentifier */
	union {
		PKCS7_ISSUER_AND_SERIAL *ias;
		ASN1_OCTET_STRING *skid;
	} d;
} ST_SID;

typedef struct {
	ASN1_INTEGER *version;
	ST_SID *sid;
	X509_ALGOR *digest_alg;
	STACK_OF(X509_ATTRIBUTE) *signed_attrs;
	X509_ALGOR *sig_alg;
	ASN1_OCTET_STRING *signature;
	STACK_OF(X509_ATTRIBUTE) *unsigned_attrs;
	ASN1_ENCODING enc;  /* the SignerInfo as received (for signedAttrs) */
} ST_SIGNER_INFO;

DECLARE_ASN1_FUNCTIONS(ST_SIGNER_INFO)
DEFINE_STACK_OF(ST_SIGNER_INFO)

/* The signedAttrs field of si as received ([0] IMPLICIT SET OF, tag byte
 * included), or false when si carries none or its encoding is not kept. */
bool st_si_raw_signed_attrs(const ST_SIGNER_INFO *si, const uint8_t **p,
			    size_t *len);

/* A parsed SignedData. */
struct st_sd {
	void *ci;                         /* the decoded ContentInfo (owned) */
	const ASN1_OBJECT *content_type;  /* encapsulated content type */
	const ASN1_TYPE *content;         /* [0] EXPLICIT content, or NULL */
	STACK_OF(ST_SIGNER_INFO) *signers;
	STACK_OF(X509_ALGOR) *digest_algs;
	STACK_OF(X509) *certs;            /* decoded certificates (owned refs) */
	int ncerts_raw;                   /* certificates carried */
};

/*
 * Parses a DER ContentInfo of type signedData. Returns ST_OK;
 * ST_PARSE_MALFORMED or ST_PARSE_LIMIT with `why` filled; ST_ENOMEM.
 * *consumed receives the bytes used.
 * Certificates that cannot be decoded are skipped (the signer lookup then
 * fails and says so); more than ST_LIMIT_CERTS_PER_SIGNATURE is malformed.
 */
int st_sd_parse(const st_context *ctx, const uint8_t *der, size_t len,
		struct st_sd *out, size_t *consumed, char *why, size_t whylen);
void st_sd_clear(struct st_sd *sd);

#endif

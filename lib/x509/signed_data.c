#include "x509/signed_data.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "x509/cert_cache.h"
#include "x509/x509_util.h"
#include "core/limits.h"

typedef struct {
	ASN1_OBJECT *type;
	ASN1_TYPE *content;
} ST_ENCAP;

typedef struct {
	ASN1_INTEGER *version;
	STACK_OF(X509_ALGOR) *digest_algs;
	ST_ENCAP *encap;
	STACK_OF(ASN1_TYPE) *certs;
	STACK_OF(ASN1_TYPE) *crls;
	STACK_OF(ST_SIGNER_INFO) *signers;
} ST_SIGNED_DATA;

typedef struct {
	ASN1_OBJECT *type;
	ST_SIGNED_DATA *sd;
} ST_CONTENT_INFO;

DECLARE_ASN1_FUNCTIONS(ST_SID)
DECLARE_ASN1_FUNCTIONS(ST_ENCAP)
DECLARE_ASN1_FUNCTIONS(ST_SIGNED_DATA)
DECLARE_ASN1_FUNCTIONS(ST_CONTENT_INFO)

ASN1_CHOICE(ST_SID) = {
	ASN1_SIMPLE(ST_SID, d.ias, PKCS7_ISSUER_AND_SERIAL),
	ASN1_IMP(ST_SID, d.skid, ASN1_OCTET_STRING, 0)
} ASN1_CHOICE_END(ST_SID)
IMPLEMENT_ASN1_FUNCTIONS(ST_SID)

ASN1_SEQUENCE_enc(ST_SIGNER_INFO, enc, NULL) = {
	ASN1_SIMPLE(ST_SIGNER_INFO, version, ASN1_INTEGER),
	ASN1_SIMPLE(ST_SIGNER_INFO, sid, ST_SID),
	ASN1_SIMPLE(ST_SIGNER_INFO, digest_alg, X509_ALGOR),
	ASN1_IMP_SET_OF_OPT(ST_SIGNER_INFO, signed_attrs, X509_ATTRIBUTE, 0),
	ASN1_SIMPLE(ST_SIGNER_INFO, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(ST_SIGNER_INFO, signature, ASN1_OCTET_STRING),
	ASN1_IMP_SET_OF_OPT(ST_SIGNER_INFO, unsigned_attrs, X509_ATTRIBUTE, 1)
} ASN1_SEQUENCE_END_enc(ST_SIGNER_INFO, ST_SIGNER_INFO)
IMPLEMENT_ASN1_FUNCTIONS(ST_SIGNER_INFO)

/* Skips one TLV at *p (definite length only: the element came through the
 * decoder already, so lengths are consistent). */
static bool skip_tlv(const unsigned char **p, long *left, int *tag, int *cls,
		     const unsigned char **start, long *total)
{
	const unsigned char *q = *p;
	long len;
	int r = ASN1_get_object(&q, &len, tag, cls, *left);

	if ((r & 0x80) || (r & 0x01))
		return false;
	*start = *p;
	*total = (long)(q - *p) + len;
	if (*total > *left)
		return false;
	*p += *total;
	*left -= *total;
	return true;
}

bool st_si_raw_signed_attrs(const ST_SIGNER_INFO *si, const uint8_t **out,
			    size_t *outlen)
{
	const unsigned char *p = si->enc.enc, *el;
	long left = si->enc.len, len, total;
	int tag, cls, r;

	if (!p || left <= 0 || si->enc.modified)
		return false;
	/* SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm,
	 *   signedAttrs [0] IMPLICIT OPTIONAL, ... } */
	r = ASN1_get_object(&p, &len, &tag, &cls, left);
	if ((r & 0x80) || (r & 0x01) || tag != V_ASN1_SEQUENCE)
		return false;
	left = len;
	for (int i = 0; i < 3; i++)
		if (!skip_tlv(&p, &left, &tag, &cls, &el, &total))
			return false;
	if (!skip_tlv(&p, &left, &tag, &cls, &el, &total) ||
	    cls != V_ASN1_CONTEXT_SPECIFIC || tag != 0)
		return false;
	*out = el;
	*outlen = (size_t)total;
	return true;
}

/* PKCS#7 ContentInfo and CMS EncapsulatedContentInfo have the same shape:
 * a type and an optional [0] EXPLICIT content (the content itself for
 * PKCS#7, an OCTET STRING for CMS). */
ASN1_SEQUENCE(ST_ENCAP) = {
	ASN1_SIMPLE(ST_ENCAP, type, ASN1_OBJECT),
	ASN1_EXP_OPT(ST_ENCAP, content, ASN1_ANY, 0)
} ASN1_SEQUENCE_END(ST_ENCAP)
IMPLEMENT_ASN1_FUNCTIONS(ST_ENCAP)

ASN1_SEQUENCE(ST_SIGNED_DATA) = {
	ASN1_SIMPLE(ST_SIGNED_DATA, version, ASN1_INTEGER),
	ASN1_SET_OF(ST_SIGNED_DATA, digest_algs, X509_ALGOR),
	ASN1_SIMPLE(ST_SIGNED_DATA, encap, ST_ENCAP),
	ASN1_IMP_SET_OF_OPT(ST_SIGNED_DATA, certs, ASN1_ANY, 0),
	ASN1_IMP_SET_OF_OPT(ST_SIGNED_DATA, crls, ASN1_ANY, 1),
	ASN1_SET_OF(ST_SIGNED_DATA, signers, ST_SIGNER_INFO)
} ASN1_SEQUENCE_END(ST_SIGNED_DATA)
IMPLEMENT_ASN1_FUNCTIONS(ST_SIGNED_DATA)

ASN1_SEQUENCE(ST_CONTENT_INFO) = {
	ASN1_SIMPLE(ST_CONTENT_INFO, type, ASN1_OBJECT),
	ASN1_EXP(ST_CONTENT_INFO, sd, ST_SIGNED_DATA, 0)
} ASN1_SEQUENCE_END(ST_CONTENT_INFO)
IMPLEMENT_ASN1_FUNCTIONS(ST_CONTENT_INFO)

/* ---- SignedData ----------------------------------------------------------- */

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"

int st_sd_parse(const st_context *ctx, const uint8_t *der, size_t len,
		struct st_sd *out, size_t *consumed, char *why, size_t whylen)
{
	const unsigned char *p = der;
	ST_CONTENT_INFO *ci;
	ST_SIGNED_DATA *sd;
	int n;

	memset(out, 0, sizeof(*out));
	*consumed = 0;
	if (len > (size_t)LONG_MAX) {
		snprintf(why, whylen, "SignedData is too large");
		return ST_PARSE_MALFORMED;
	}
	ci = d2i_ST_CONTENT_INFO(NULL, &p, (long)len);
	if (!ci) {
		unsigned long e = ERR_peek_last_error();
		snprintf(why, whylen, "PKCS#7/CMS cannot be parsed (%s)",
			 e ? ERR_reason_error_string(e) : "unknown error");
		ERR_clear_error();
		return ST_PARSE_MALFORMED;
	}
	*consumed = (size_t)(p - der);
	out->ci = ci;
	sd = ci->sd;
	if (!st_oid_is(ci->type, OID_SIGNED_DATA)) {
		snprintf(why, whylen, "content type is not signedData");
		st_sd_clear(out);
		return ST_PARSE_MALFORMED;
	}
	out->content_type = sd->encap->type;
	out->content = sd->encap->content;
	out->signers = sd->signers;
	out->digest_algs = sd->digest_algs;
	n = sk_ASN1_TYPE_num(sd->certs);
	out->ncerts_raw = n < 0 ? 0 : n;
	if (n > ST_LIMIT_CERTS_PER_SIGNATURE) {
		snprintf(why, whylen, "%d certificates, more than the limit of %d", n,
			 ST_LIMIT_CERTS_PER_SIGNATURE);
		st_sd_clear(out);
		return ST_PARSE_LIMIT;
	}
	out->certs = sk_X509_new_null();
	if (!out->certs) {
		st_sd_clear(out);
		return ST_ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		ASN1_TYPE *t = sk_ASN1_TYPE_value(sd->certs, i);
		X509 *x;

		/* Only X.509 certificates (a SEQUENCE); other certificate
		 * choices of CMS are ignored. */
		if (t->type != V_ASN1_SEQUENCE)
			continue;
		x = st_x509_cached(ctx, ASN1_STRING_get0_data(t->value.sequence),
				      (size_t)ASN1_STRING_length(t->value.sequence));
		if (x && !sk_X509_push(out->certs, x)) {
			X509_free(x);
			st_sd_clear(out);
			return ST_ENOMEM;
		}
	}
	return ST_OK;
}

void st_sd_clear(struct st_sd *sd)
{
	ST_CONTENT_INFO_free(sd->ci);
	sk_X509_pop_free(sd->certs, X509_free);
	memset(sd, 0, sizeof(*sd));
}

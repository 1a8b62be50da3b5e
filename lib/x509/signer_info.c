#include "x509/signer_info.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "x509/x509_util.h"


#define OID_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define OID_CONTENT_TYPE "1.2.840.113549.1.9.3"
#define OID_SIGNING_TIME "1.2.840.113549.1.9.5"

X509_ATTRIBUTE *st_attr_find(const STACK_OF(X509_ATTRIBUTE) *sk,
			     const char *oid, int *count)
{
	X509_ATTRIBUTE *found = NULL;
	int n = 0;

	for (int i = 0; i < sk_X509_ATTRIBUTE_num(sk); i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(sk, i);
		if (st_oid_is(X509_ATTRIBUTE_get0_object(a), oid)) {
			if (!found)
				found = a;
			n++;
		}
	}
	if (count)
		*count = n;
	return found;
}

bool st_verify_raw(X509 *cert, int md_nid, const uint8_t *data, size_t len,
		   const ASN1_OCTET_STRING *sig)
{
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	const EVP_MD *md = st_md_get(md_nid);
	EVP_MD_CTX *mctx;
	bool ok = false;

	if (!pk || !md)
		return false;
	mctx = EVP_MD_CTX_new();
	if (mctx && EVP_DigestVerifyInit(mctx, NULL, md, NULL, pk) == 1 &&
	    EVP_DigestVerify(mctx, ASN1_STRING_get0_data(sig),
			     (size_t)ASN1_STRING_length(sig), data, len) == 1)
		ok = true;
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return ok;
}

/*
 * Legacy PKCS#9 countersignatures of some timestamp authorities (Symantec
 * Time Stamping Services Signer - G4, 2012-2020: SumatraPDF 3.0 in
 * pdf-to-printer 1.1.1 carries one) hold the bare digest in their RSA
 * PKCS#1 block, without the DigestInfo around it. Windows accepts them;
 * OpenSSL's verification (which expects DigestInfo) does not. Recover the
 * block and compare it with the digest.
 */
static bool verify_bare_digest(X509 *cert, int md_nid, const uint8_t *data, size_t len,
			       const ASN1_OCTET_STRING *sig)
{
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	EVP_PKEY_CTX *pctx;
	uint8_t md[EVP_MAX_MD_SIZE], out[1024];
	size_t outlen = sizeof(out);
	unsigned mdlen = 0;
	bool ok;

	if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA ||
	    !st_digest(md_nid, data, len, md, &mdlen))
		return false;
	pctx = EVP_PKEY_CTX_new(pk, NULL);
	ok = pctx && EVP_PKEY_verify_recover_init(pctx) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
	     EVP_PKEY_verify_recover(pctx, out, &outlen, ASN1_STRING_get0_data(sig),
				     (size_t)ASN1_STRING_length(sig)) == 1 &&
	     outlen == mdlen && memcmp(out, md, mdlen) == 0;
	EVP_PKEY_CTX_free(pctx);
	ERR_clear_error();
	return ok;
}

/* The signer's signature over data: standard, or with a bare digest when
 * the caller allows it. */
static bool signature_over(X509 *cert, int md_nid, const uint8_t *data, size_t len,
			   const ASN1_OCTET_STRING *sig, unsigned flags)
{
	return st_verify_raw(cert, md_nid, data, len, sig) ||
	       ((flags & ST_SIGNER_BARE_DIGEST) && verify_bare_digest(cert, md_nid, data, len, sig));
}

static X509 *find_signer(const ST_SID *sid, STACK_OF(X509) *pool)
{
	for (int i = 0; i < sk_X509_num(pool); i++) {
		X509 *x = sk_X509_value(pool, i);

		if (sid->type == 0) {
			if (X509_NAME_cmp(X509_get_issuer_name(x), sid->d.ias->issuer) == 0 &&
			    ASN1_INTEGER_cmp(X509_get0_serialNumber(x), sid->d.ias->serial) == 0)
				return x;
		} else {
			const ASN1_OCTET_STRING *kid = X509_get0_subject_key_id(x);
			if (kid && ASN1_OCTET_STRING_cmp(kid, sid->d.skid) == 0)
				return x;
		}
	}
	return NULL;
}

/* The single value of a single-valued attribute, or NULL. */
static ASN1_TYPE *single_value(X509_ATTRIBUTE *a)
{
	if (!a || X509_ATTRIBUTE_count(a) != 1)
		return NULL;
	return X509_ATTRIBUTE_get0_type(a, 0);
}

int st_signer_check(ST_SIGNER_INFO *si, STACK_OF(X509) *pool,
		    const char *content_type, const uint8_t *content,
		    size_t content_len, struct st_signer_check *out,
		    st_reasons *rs, st_reason fail, const char *what, unsigned flags)
{
	const ASN1_OBJECT *mdobj;
	bool digest_ok = false, sig_ok = false;

	memset(out, 0, sizeof(*out));
	out->signing_time = ST_TIME_NONE;
	X509_ALGOR_get0(&mdobj, NULL, NULL, si->digest_alg);
	out->md_nid = OBJ_obj2nid(mdobj);
	if (!st_md_get(out->md_nid)) {
		char oid[80];
		st_oid_text(mdobj, oid, sizeof(oid));
		ST_ADD(rs, ST_R_UNSUPPORTED_ALGORITHM, ST_EFFECT_DEFAULT,
		       "%s: digest algorithm %s is not supported", what, oid);
		return ST_OK;
	}
	out->cert = find_signer(si->sid, pool);
	if (!out->cert) {
		ST_ADD(rs, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		       "%s: signer certificate is not in the signature", what);
		return ST_OK;
	}

	if (sk_X509_ATTRIBUTE_num(si->signed_attrs) > 0) {
		int n_md, n_ct, n_st;
		ASN1_TYPE *v_md = single_value(st_attr_find(si->signed_attrs, OID_MESSAGE_DIGEST, &n_md));
		ASN1_TYPE *v_ct = single_value(st_attr_find(si->signed_attrs, OID_CONTENT_TYPE, &n_ct));
		ASN1_TYPE *v_st = single_value(st_attr_find(si->signed_attrs, OID_SIGNING_TIME, &n_st));
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		unsigned char *der = NULL;
		const uint8_t *raw;
		size_t rawlen;
		int derlen;

		out->has_signed_attrs = true;
		if (n_md != 1 || !v_md || v_md->type != V_ASN1_OCTET_STRING)
			ST_ADD(rs, fail, ST_EFFECT_DEFAULT, "%s: signed attributes need exactly one messageDigest", what);
		else if ((out->message_digest = v_md->value.octet_string) && !content)
			digest_ok = true;  /* the caller compares it */
		else if (!st_digest(out->md_nid, content, content_len, md, &mdlen) ||
			 (unsigned)ASN1_STRING_length(v_md->value.octet_string) != mdlen ||
			 memcmp(ASN1_STRING_get0_data(v_md->value.octet_string), md, mdlen) != 0)
			ST_ADD(rs, fail, ST_EFFECT_DEFAULT, "%s: messageDigest does not match the signed content", what);
		else
			digest_ok = true;
		if (content_type && (n_ct != 1 || !v_ct || v_ct->type != V_ASN1_OBJECT ||
				     !st_oid_is(v_ct->value.object, content_type))) {
			ST_ADD(rs, fail, ST_EFFECT_DEFAULT, "%s: contentType attribute differs from the content (%s)",
			    what, content_type);
			digest_ok = false;
		}
		if (n_st == 1 && v_st && (v_st->type == V_ASN1_UTCTIME ||
					  v_st->type == V_ASN1_GENERALIZEDTIME))
			out->signing_time = st_asn1_time((ASN1_TIME *)v_st->value.asn1_string);
		/* The signature covers the attributes as a SET with the bytes
		 * the signer encoded: verify over those as received (some
		 * genuine Apple signatures carry attributes that are not in
		 * DER order, so a re-encoding would differ), then over the
		 * re-encoding in received order. */
		if (st_si_raw_signed_attrs(si, &raw, &rawlen) && rawlen > 0) {
			uint8_t *copy = OPENSSL_malloc(rawlen);
			if (!copy)
				return ST_ENOMEM;
			memcpy(copy, raw, rawlen);
			copy[0] = 0x31;  /* [0] IMPLICIT -> SET */
			sig_ok = signature_over(out->cert, out->md_nid, copy, rawlen,
						si->signature, flags);
			OPENSSL_free(copy);
		}
		if (!sig_ok) {
			derlen = ASN1_item_i2d((ASN1_VALUE *)si->signed_attrs, &der,
					       ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
			if (derlen <= 0)
				ST_ADD(rs, fail, ST_EFFECT_DEFAULT, "%s: signed attributes cannot be encoded", what);
			sig_ok = derlen > 0 && signature_over(out->cert, out->md_nid, der,
							      (size_t)derlen, si->signature, flags);
			OPENSSL_free(der);
		}
	} else {
		digest_ok = true;
		sig_ok = signature_over(out->cert, out->md_nid, content, content_len,
					si->signature, flags);
	}
	if (!sig_ok) {
		char *cn = st_name_cn(X509_get_subject_name(out->cert));
		int rc = st_reasons_add(rs, fail, ST_EFFECT_DEFAULT,
					"%s: the signature does not verify with the public key of '%s'",
					what, cn ? cn : "?");
		free(cn);
		if (rc)
			goto enomem;
	}
	out->ok = digest_ok && sig_ok;
	ERR_clear_error();
	return ST_OK;
enomem:
	ERR_clear_error();
	return ST_ENOMEM;
}

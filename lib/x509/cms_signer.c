#include "x509/cms_signer.h"

#include <openssl/err.h>
#include <string.h>

#include "authenticode/spc.h"
#include "x509/x509_util.h"

#define ADD(...)                                                              \
	do {                                                                  \
		if (st_reasons_add(rs, fail, ST_EFFECT_DEFAULT, __VA_ARGS__)) \
			return ST_ENOMEM;                                     \
	} while (0)

static ASN1_TYPE *single_signed(CMS_SignerInfo *si, int nid, int *count)
{
	int idx = CMS_signed_get_attr_by_NID(si, nid, -1), n = 0;
	X509_ATTRIBUTE *a = idx >= 0 ? CMS_signed_get_attr(si, idx) : NULL;

	for (int i = idx; i >= 0; i = CMS_signed_get_attr_by_NID(si, nid, i))
		n++;
	*count = n;
	if (!a || X509_ATTRIBUTE_count(a) != 1)
		return NULL;
	return X509_ATTRIBUTE_get0_type(a, 0);
}

int cms_check_signer(CMS_SignerInfo *si, STACK_OF(X509) *pool,
		     const char *content_type, const uint8_t *content,
		     size_t content_len, struct p7_signer_check *out,
		     st_reasons *rs, st_reason fail, const char *what)
{
	X509_ALGOR *dig = NULL, *sigalg = NULL;
	const ASN1_OBJECT *mdobj;
	bool digest_ok = false, sig_ok = false;

	memset(out, 0, sizeof(*out));
	out->signing_time = ST_TIME_NONE;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sigalg);
	X509_ALGOR_get0(&mdobj, NULL, NULL, dig);
	out->md_nid = OBJ_obj2nid(mdobj);
	if (!st_md_get(out->md_nid)) {
		char oid[80];
		st_oid_text(mdobj, oid, sizeof(oid));
		if (st_reasons_add(rs, ST_R_UNSUPPORTED_ALGORITHM, ST_EFFECT_DEFAULT,
				   "%s: digest algorithm %s is not supported", what, oid))
			return ST_ENOMEM;
		return ST_OK;
	}
	for (int i = 0; i < sk_X509_num(pool) && !out->cert; i++)
		if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(pool, i)) == 0)
			out->cert = sk_X509_value(pool, i);
	ERR_clear_error();
	if (!out->cert) {
		if (st_reasons_add(rs, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
				   "%s: signer certificate is not in the signature", what))
			return ST_ENOMEM;
		return ST_OK;
	}
	if (CMS_signed_get_attr_count(si) > 0) {
		struct p7_attrs a;
		int rc;

		a.md = single_signed(si, NID_pkcs9_messageDigest, &a.n_md);
		a.ct = single_signed(si, NID_pkcs9_contentType, &a.n_ct);
		a.st = single_signed(si, NID_pkcs9_signingTime, &a.n_st);
		rc = p7_check_signed_attrs(&a, content_type, content, content_len, out,
					   &digest_ok, rs, fail, what);
		if (rc)
			return rc;
		/* Signature over the signed attributes in their encoded
		 * order. */
		CMS_SignerInfo_set1_signer_cert(si, out->cert);
		sig_ok = CMS_SignerInfo_verify(si) == 1;
	} else {
		digest_ok = true;
		sig_ok = p7_verify_raw(out->cert, out->md_nid, content, content_len,
				       CMS_SignerInfo_get0_signature(si));
	}
	ERR_clear_error();
	if (!sig_ok)
		ADD("%s: the signature does not verify with the signer's public key", what);
	out->ok = digest_ok && sig_ok;
	return ST_OK;
}

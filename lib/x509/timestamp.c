/*
 * Timestamps prove when a signature existed, so that a signer certificate
 * that has since expired still verifies. Both kinds sign the main signer's
 * encryptedDigest:
 *  - RFC 3161 (unsigned attribute 1.3.6.1.4.1.311.3.3.1): a SignedData over
 *    a TSTInfo whose messageImprint is the hash of encryptedDigest;
 *  - legacy (PKCS#9 countersignature 1.2.840.113549.1.9.6): a SignerInfo
 *    whose messageDigest is the hash of encryptedDigest, with signingTime.
 * Each needs its own chain with the timeStamping EKU, valid at the time it
 * asserts. Anything short of that leaves the time unproven.
 */
#include "x509/timestamp.h"

#include <openssl/err.h>
#include <openssl/ts.h>
#include <stdio.h>
#include <string.h>

#include "x509/cert_cache.h"
#include "core/limits.h"
#include "x509/chain.h"
#include "x509/signed_data.h"
#include "x509/signer_info.h"
#include "x509/x509_util.h"

#define OID_PKCS9_COUNTERSIGNATURE "1.2.840.113549.1.9.6"
/* Authenticode's place for an RFC 3161 token (an unsigned attribute of
 * Microsoft's). */
#define OID_MS_RFC3161_TIMESTAMP "1.3.6.1.4.1.311.3.3.1"
#define OID_CT_TSTINFO "1.2.840.113549.1.9.16.1.4"
/* id-aa-timeStampToken (RFC 3161 appendix A): the standard place for a
 * token in CMS; Apple code signatures use it. */
#define OID_AA_TIMESTAMP_TOKEN "1.2.840.113549.1.9.16.2.14"


/* Completes a timestamp whose signer verified: chain at its own time. */
static int check_tsa_chain(const st_context *ctx, const struct st_chain_policy *pol, X509 *tsa,
			   STACK_OF(X509) *pool, int64_t when, st_signature *sig, st_reasons *rs,
			   const char *what, bool *ok)
{
	struct st_chain_result cr;
	int rc;

	rc = st_chain_verify(ctx, tsa, pool, when, true, pol, rs, what, &cr);
	if (rc == ST_OK && !cr.problems && cr.trusted)
		*ok = true;
	st_chain_result_clear(&cr);
	if (rc == ST_OK && !sig->ts_signer && !(sig->ts_signer = st_cert_rendered(ctx, tsa)))
		rc = ST_ENOMEM;
	return rc;
}

static STACK_OF(X509) *merged_pool(STACK_OF(X509) *a, STACK_OF(X509) *b)
{
	STACK_OF(X509) *m = sk_X509_new_null();

	for (int i = 0; m && i < sk_X509_num(a); i++)
		sk_X509_push(m, sk_X509_value(a, i));
	for (int i = 0; m && i < sk_X509_num(b); i++)
		sk_X509_push(m, sk_X509_value(b, i));
	return m;
}

/* The bytes a timestamp covers: the main signer's signature value. */
static const uint8_t *stamped(const ST_SIGNER_INFO *si, size_t *len)
{
	*len = (size_t)ASN1_STRING_length(si->signature);
	return ASN1_STRING_get0_data(si->signature);
}

static int verify_rfc3161(const st_context *ctx, const struct st_chain_policy *pol,
			  const ASN1_TYPE *val,
			  ST_SIGNER_INFO *si, STACK_OF(X509) *outer,
			  st_signature *sig, st_reasons *rs, struct ts_outcome *out)
{
	struct st_sd tok = { 0 };
	TS_TST_INFO *tst = NULL;
	STACK_OF(X509) *pool = NULL;
	const char *what = "RFC 3161 timestamp";
	char why[200];
	size_t used;
	int rc = ST_OK;

	sig->ts_kind = "rfc3161";
	if (!val || val->type != V_ASN1_SEQUENCE) {
		ST_ADD(rs, ST_R_TIMESTAMP_INVALID, ST_EFFECT_DEFAULT, "%s: attribute value is not a ContentInfo", what);
		goto done;
	}
	/* A CMS SignedData (version 3, signer possibly named by
	 * subjectKeyIdentifier) over a TSTInfo in an OCTET STRING. */
	rc = st_sd_parse(ctx, ASN1_STRING_get0_data(val->value.sequence),
			 (size_t)ASN1_STRING_length(val->value.sequence), &tok, &used,
			 why, sizeof(why));
	if (rc < 0)
		goto done;
	if (rc > 0) {
		rc = ST_OK;
		ST_ADD(rs, ST_R_TIMESTAMP_INVALID, ST_EFFECT_DEFAULT, "%s: %s", what, why);
		goto done;
	}
	if (!st_oid_is(tok.content_type, OID_CT_TSTINFO) || !tok.content ||
	    tok.content->type != V_ASN1_OCTET_STRING ||
	    sk_ST_SIGNER_INFO_num(tok.signers) != 1) {
		ST_ADD(rs, ST_R_TIMESTAMP_INVALID, ST_EFFECT_DEFAULT, "%s: token is not a SignedData over a TSTInfo with one signer", what);
		goto done;
	}
	{
		ASN1_OCTET_STRING *os = tok.content->value.octet_string;
		const uint8_t *tder = ASN1_STRING_get0_data(os);
		size_t tlen = (size_t)ASN1_STRING_length(os), slen;
		const unsigned char *tp = tder;
		const uint8_t *sbytes = stamped(si, &slen);
		ST_SIGNER_INFO *tsi = sk_ST_SIGNER_INFO_value(tok.signers, 0);
		struct st_signer_check chk;
		TS_MSG_IMPRINT *mi;
		const ASN1_OBJECT *aobj;
		const ASN1_OCTET_STRING *imp;
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		int nid;
		bool chain_ok = false;

		tst = d2i_TS_TST_INFO(NULL, &tp, (long)tlen);
		if (!tst) {
			ST_ADD(rs, ST_R_TIMESTAMP_INVALID, ST_EFFECT_DEFAULT, "%s: TSTInfo cannot be parsed", what);
			goto done;
		}
		mi = TS_TST_INFO_get_msg_imprint(tst);
		X509_ALGOR_get0(&aobj, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
		nid = OBJ_obj2nid(aobj);
		imp = TS_MSG_IMPRINT_get_msg(mi);
		sig->ts_digest_alg = st_md_name(nid);
		out->time = st_asn1_time(TS_TST_INFO_get_time(tst));
		sig->ts_time = out->time;
		if (!st_digest(nid, sbytes, slen, md, &mdlen) ||
		    (unsigned)ASN1_STRING_length(imp) != mdlen ||
		    memcmp(ASN1_STRING_get0_data(imp), md, mdlen) != 0) {
			ST_ADD(rs, ST_R_TIMESTAMP_INVALID, ST_EFFECT_DEFAULT, "%s: messageImprint does not match the signature it timestamps", what);
			goto done;
		}
		if (out->time == ST_TIME_NONE) {
			ST_ADD(rs, ST_R_TIMESTAMP_INVALID, ST_EFFECT_DEFAULT, "%s: genTime is unreadable", what);
			goto done;
		}
		pool = merged_pool(tok.certs, outer);
		if (!pool)
			goto enomem;
		rc = st_signer_check(tsi, pool, OID_CT_TSTINFO, tder, tlen, &chk, rs,
				     ST_R_TIMESTAMP_INVALID, what, 0);
		if (rc || !chk.ok)
			goto done;
		rc = check_tsa_chain(ctx, pol, chk.cert, pool, out->time, sig, rs, what, &chain_ok);
		if (rc == ST_OK && chain_ok)
			out->valid = true;
	}
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	sk_X509_free(pool);
	TS_TST_INFO_free(tst);
	st_sd_clear(&tok);
	ERR_clear_error();
	return rc;
}

static int verify_pkcs9(const st_context *ctx, const struct st_chain_policy *pol,
			const ASN1_TYPE *val,
			ST_SIGNER_INFO *si, STACK_OF(X509) *outer,
			st_signature *sig, st_reasons *rs, struct ts_outcome *out)
{
	const unsigned char *p;
	ST_SIGNER_INFO *csi = NULL;
	struct st_signer_check chk;
	const char *what = "countersignature timestamp";
	const uint8_t *sbytes;
	size_t slen;
	bool chain_ok = false;
	int rc = ST_OK;

	sig->ts_kind = "pkcs9";
	if (!val || val->type != V_ASN1_SEQUENCE) {
		ST_ADD(rs, ST_R_TIMESTAMP_INVALID, ST_EFFECT_DEFAULT, "%s: attribute value is not a SignerInfo", what);
		goto done;
	}
	p = ASN1_STRING_get0_data(val->value.sequence);
	csi = d2i_ST_SIGNER_INFO(NULL, &p, ASN1_STRING_length(val->value.sequence));
	if (!csi) {
		ST_ADD(rs, ST_R_TIMESTAMP_INVALID, ST_EFFECT_DEFAULT, "%s: SignerInfo cannot be parsed", what);
		goto done;
	}
	sbytes = stamped(si, &slen);
	rc = st_signer_check(csi, outer, NULL, sbytes, slen, &chk, rs,
			     ST_R_TIMESTAMP_INVALID, what,
			     ST_SIGNER_BARE_DIGEST);
	if (rc)
		goto done;
	sig->ts_digest_alg = st_md_name(chk.md_nid);
	out->time = chk.signing_time;
	sig->ts_time = out->time;
	if (!chk.ok)
		goto done;
	if (out->time == ST_TIME_NONE) {
		ST_ADD(rs, ST_R_TIMESTAMP_INVALID, ST_EFFECT_DEFAULT, "%s: no signingTime attribute", what);
		goto done;
	}
	rc = check_tsa_chain(ctx, pol, chk.cert, outer, out->time, sig, rs, what, &chain_ok);
	if (rc == ST_OK && chain_ok)
		out->valid = true;
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	ST_SIGNER_INFO_free(csi);
	ERR_clear_error();
	return rc;
}

int st_timestamp_verify(const st_context *ctx, const struct st_chain_policy *pol,
			ST_SIGNER_INFO *si, STACK_OF(X509) *outer_certs, st_signature *sig,
			struct ts_outcome *out)
{
	STACK_OF(X509_ATTRIBUTE) *ua = si ? si->unsigned_attrs : NULL;
	int rc = ST_OK;

	/* si is NULL for signatures without a SignerInfo (a xar archive's
	 * PKCS#1 signature): they carry no timestamp. */
	memset(out, 0, sizeof(*out));
	out->time = ST_TIME_NONE;
	for (int i = 0; i < sk_X509_ATTRIBUTE_num(ua) && !out->valid; i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(ua, i);
		const ASN1_OBJECT *obj = X509_ATTRIBUTE_get0_object(a);
		bool rfc = st_oid_is(obj, OID_MS_RFC3161_TIMESTAMP) ||
			   st_oid_is(obj, OID_AA_TIMESTAMP_TOKEN);
		bool legacy = st_oid_is(obj, OID_PKCS9_COUNTERSIGNATURE);
		st_reasons tmp = { 0 };
		struct ts_outcome one = { .time = ST_TIME_NONE };

		if (!rfc && !legacy)
			continue;
		out->present = true;
		/* Each value of the attribute is one timestamp. */
		for (int v = 0; v < X509_ATTRIBUTE_count(a) && !out->valid; v++) {
			ASN1_TYPE *val = X509_ATTRIBUTE_get0_type(a, v);
			st_reasons_clear(&tmp);
			memset(&one, 0, sizeof(one));
			one.time = ST_TIME_NONE;
			rc = rfc ? verify_rfc3161(ctx, pol, val, si, outer_certs, sig, &tmp, &one)
				 : verify_pkcs9(ctx, pol, val, si, outer_certs, sig, &tmp, &one);
			if (rc)
				break;
			if (one.valid) {
				*out = one;
				out->present = true;
				sig->ts_valid = 1;
				sig->ts_time = one.time;
				sig->ts_kind = rfc ? "rfc3161" : "pkcs9";
			}
		}
		if (!out->valid && rc == ST_OK) {
			for (size_t k = 0; k < tmp.n && rc == ST_OK; k++)
				rc = st_reasons_add(&sig->reasons, tmp.v[k].code,
						    pol->advisory ? ST_VERDICT_VALID : tmp.v[k].effect,
						    pol->advisory ? "%s (a warning: UEFI firmware ignores timestamps)" : "%s",
						    tmp.v[k].detail);
		}
		st_reasons_clear(&tmp);
		if (rc)
			break;
	}
	if (out->valid) {
		/* A later valid timestamp supersedes reasons an earlier broken
		 * one added. Keep them: a broken timestamp beside a good one is
		 * still worth an analyst's look, but it no longer invalidates. */
		for (size_t k = 0; k < sig->reasons.n; k++)
			if (sig->reasons.v[k].code == ST_R_TIMESTAMP_INVALID)
				sig->reasons.v[k].effect = ST_VERDICT_VALID;
	}
	return rc;
}

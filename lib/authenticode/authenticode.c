/*
 * One Authenticode signature: PKCS#7 SignedData over SpcIndirectDataContent.
 *
 * Order of checks: structure (malformed_signature), the file digest against
 * the one in SpcIndirectDataContent (digest_mismatch), the signer
 * (signature_invalid), page hashes, timestamps, then the chain at the
 * proven signing time. Nested signatures (unsigned attribute
 * 1.3.6.1.4.1.311.2.4.1) are verified the same way, recursively up to
 * ST_LIMIT_NEST_DEPTH.
 */
#include "authenticode/authenticode.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <stdlib.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

#include "authenticode/spc.h"
#include "core/limits.h"
#include "x509/cert_cache.h"
#include "x509/chain.h"
#include "x509/signed_data.h"
#include "x509/signer_info.h"
#include "x509/signer_trust.h"
#include "x509/timestamp.h"
#include "x509/x509_util.h"

/* part->sigs may move while nested signatures are appended: always go
 * through the index. */
#define SIG (&part->sigs[idx])

static int verify_one(const st_context *ctx, const struct ac_subject *subj,
		      st_span der, struct st_part *part, int entry, int depth, int parent);

static int verify_nested(const st_context *ctx, const struct ac_subject *subj,
			 ST_SIGNER_INFO *si, struct st_part *part, int entry,
			 int depth, int idx)
{
	STACK_OF(X509_ATTRIBUTE) *ua = si->unsigned_attrs;

	for (int i = 0; i < sk_X509_ATTRIBUTE_num(ua); i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(ua, i);

		if (!st_oid_is(X509_ATTRIBUTE_get0_object(a), OID_SPC_NESTED_SIGNATURE))
			continue;
		for (int v = 0; v < X509_ATTRIBUTE_count(a); v++) {
			ASN1_TYPE *val = X509_ATTRIBUTE_get0_type(a, v);
			int child, rc;
			st_verdict cv;

			if (depth + 1 > ST_LIMIT_NEST_DEPTH) {
				ST_ADD(&SIG->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				    "nested signatures deeper than %d are not verified",
				    ST_LIMIT_NEST_DEPTH);
				return ST_OK;
			}
			if (!val || val->type != V_ASN1_SEQUENCE) {
				ST_ADD(&SIG->reasons, ST_R_NESTED_SIGNATURE_INVALID, ST_VERDICT_MALFORMED,
				    "nested signature attribute value is not a ContentInfo");
				continue;
			}
			child = (int)part->nsigs;
			rc = verify_one(ctx, subj,
					st_span_make(ASN1_STRING_get0_data(val->value.sequence),
						     (size_t)ASN1_STRING_length(val->value.sequence)),
					part, entry, depth + 1, idx);
			if (rc)
				return rc;
			if (child >= (int)part->nsigs)
				continue; /* signature limit reached */
			cv = st_reasons_worst(&part->sigs[child].reasons);
			if (cv >= ST_VERDICT_INVALID) {
				/* Name the reason that makes it so. */
				const st_reasons *cr = &part->sigs[child].reasons;
				size_t k = 0;
				while (k + 1 < cr->n && cr->v[k].effect != cv)
					k++;
				ST_ADD(&SIG->reasons, ST_R_NESTED_SIGNATURE_INVALID, cv,
				    "nested signature %d (%s) is %s: %s: %s", child,
				    part->sigs[child].digest_alg ? part->sigs[child].digest_alg : "?",
				    st_verdict_name(cv), cr->n ? st_reason_name(cr->v[k].code) : "?",
				    cr->n ? cr->v[k].detail : "");
			}
		}
	}
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

static int verify_one(const st_context *ctx, const struct ac_subject *subj,
		      st_span der, struct st_part *part, int entry, int depth, int parent)
{
	struct st_sd sd = { 0 };
	ST_SIGNER_INFO *si;
	STACK_OF(X509) *certs;
	struct spc_info spc = { 0 };
	struct st_signer_check chk;
	size_t used;
	struct ts_outcome ts;
	char why[200], what[48];
	const uint8_t *content = NULL;
	size_t content_len = 0;
	bool spc_ok = false;
	int idx, rc = ST_OK;

	if (part->nsigs >= ST_LIMIT_SIGNATURES) {
		return st_reasons_add(&part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				      "more than %d signatures; the rest are not verified",
				      ST_LIMIT_SIGNATURES);
	}
	idx = st_part_add_signature(part);
	if (idx < 0)
		return ST_ENOMEM;
	if (subj->entry_property &&
	    st_props_set_int(&SIG->props, subj->entry_property, entry))
		goto enomem;
	SIG->depth = depth;
	SIG->parent = parent;
	SIG->verification_time = ctx->at;
	snprintf(what, sizeof(what), depth ? "nested signature %d" : "signature %d", idx);

	rc = st_sd_parse(ctx, der.data, der.len, &sd, &used, why, sizeof(why));
	if (rc < 0)
		goto done;
	if (rc > 0) {
		ST_ADD(&SIG->reasons, st_parse_reason(rc, ST_R_MALFORMED_SIGNATURE),
		    ST_EFFECT_DEFAULT, "%s: %s", what, why);
		rc = ST_OK;
		goto done;
	}
	if (used != der.len)
		ST_ADD(&SIG->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		    "%s: %zu bytes follow the PKCS#7 structure", what, der.len - used);
	if (!st_oid_is(sd.content_type, OID_SPC_INDIRECT_DATA) || !sd.content ||
	    sd.content->type != V_ASN1_SEQUENCE) {
		ST_ADD(&SIG->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		    "%s: not a SignedData over SpcIndirectDataContent", what);
		goto done;
	}
	if (sk_ST_SIGNER_INFO_num(sd.signers) != 1) {
		ST_ADD(&SIG->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		    "%s: %d SignerInfos, Authenticode requires exactly one", what,
		    sk_ST_SIGNER_INFO_num(sd.signers));
		goto done;
	}
	certs = sd.certs;
	si = sk_ST_SIGNER_INFO_value(sd.signers, 0);
	if (subj->cross_property) {
		/* Kernel-mode cross-signing: signtool added the cross-certificate
		 * Microsoft issued to the publisher's CA under the kernel's own
		 * root (not in the root program, so no chain reaches it here).
		 * Recognised by its issuer's name: sigtrace does not hold that
		 * root, so the claim is reported, not verified. */
		bool cross = false;
		for (int i = 0; i < sk_X509_num(certs) && !cross; i++) {
			char *cn = st_name_cn(X509_get_issuer_name(sk_X509_value(certs, i)));
			cross = cn && strcmp(cn, "Microsoft Code Verification Root") == 0;
			free(cn);
		}
		if (cross && st_props_set_int(&SIG->props, subj->cross_property, 1))
			goto enomem;
	}

	/* SpcIndirectDataContent: the signed file digest. The messageDigest
	 * attribute covers the value bytes of its SEQUENCE, without the outer
	 * tag and length. */
	/* A content that cannot be used still leaves the signer and the chain
	 * to report: an analyst wants to know who signed a broken signature. */
	{
		ASN1_STRING *seq = sd.content->value.sequence;
		const unsigned char *q = ASN1_STRING_get0_data(seq), *q0 = q;
		long clen;
		int tag, xclass, r;

		r = ASN1_get_object(&q, &clen, &tag, &xclass, ASN1_STRING_length(seq));
		if ((r & 0x80) || r == 0x21) {
			ST_ADD(&SIG->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
			    "%s: SpcIndirectDataContent has a broken header", what);
			goto signer;
		}
		content = q;
		content_len = (size_t)clen;
		r = spc_parse(q0, (size_t)ASN1_STRING_length(seq), &spc, why, sizeof(why));
		if (r < 0) {
			rc = r;
			goto done;
		}
		if (r > 0) {
			ST_ADD(&SIG->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT, "%s: %s", what, why);
			goto signer;
		}
	}
	if (strcmp(spc.type_oid, subj->indirect_type) != 0 &&
	    !(subj->indirect_type_alt && strcmp(spc.type_oid, subj->indirect_type_alt) == 0)) {
		ST_ADD(&SIG->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		    "%s: signed content describes %s, not a %s", what, spc.type_oid,
		    subj->type_name);
		goto signer;
	}
	SIG->digest_alg = st_md_name(spc.md_nid);
	if (!SIG->digest_alg) {
		ST_ADD(&SIG->reasons, ST_R_UNSUPPORTED_ALGORITHM, ST_EFFECT_DEFAULT,
		    "%s: file digest algorithm (NID %d) is not supported", what, spc.md_nid);
		goto signer;
	}
	spc_ok = true;
	if (!(SIG->signed_digest = st_hex(spc.digest, spc.digest_len)))
		goto enomem;
	if (spc.md_nid == NID_md5)
		ST_ADD(&SIG->reasons, ST_R_WEAK_DIGEST, ST_VERDICT_INVALID,
		    "%s: file digest uses MD5, for which collisions are practical", what);
	else if (spc.md_nid == NID_sha1)
		ST_ADD(&SIG->reasons, ST_R_WEAK_DIGEST, ST_VERDICT_VALID,
		    "%s: file digest uses SHA-1, which is deprecated for code signing", what);

	/* The file digest itself. */
	{
		uint8_t md[ST_SPC_DIGEST_MAX];
		unsigned mdlen = 0;
		int r = subj->digest(subj->arg, spc.md_nid, md, &mdlen, &SIG->reasons);

		if (r < 0) {
			rc = r;
			goto done;
		}
		if (r == ST_OK) {
			if (!(SIG->computed_digest = st_hex(md, mdlen)))
				goto enomem;
			if (mdlen != spc.digest_len || memcmp(md, spc.digest, mdlen) != 0)
				ST_ADD(&SIG->reasons, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT,
				    "%s: the file's %s digest %s differs from the signed digest %s",
				    what, SIG->digest_alg, SIG->computed_digest, SIG->signed_digest);
		}
	}

	/* The signer. */
signer:
	rc = st_signer_check(si, certs, OID_SPC_INDIRECT_DATA, content, content_len,
			     &chk, &SIG->reasons, ST_R_SIGNATURE_INVALID, what, 0);
	if (rc)
		goto done;
	if (spc_ok && chk.md_nid != spc.md_nid && st_md_name(chk.md_nid))
		ST_ADD(&SIG->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		    "%s: SignerInfo digest %s differs from the file digest algorithm %s",
		    what, st_md_name(chk.md_nid), SIG->digest_alg);
	if (chk.md_nid == NID_md5 && (!spc_ok || spc.md_nid != NID_md5))
		ST_ADD(&SIG->reasons, ST_R_WEAK_DIGEST, ST_VERDICT_INVALID,
		    "%s: signed attributes are hashed with MD5", what);
	{
		bool listed = false;
		for (int i = 0; i < sk_X509_ALGOR_num(sd.digest_algs); i++) {
			const ASN1_OBJECT *o;
			X509_ALGOR_get0(&o, NULL, NULL, sk_X509_ALGOR_value(sd.digest_algs, i));
			if (OBJ_obj2nid(o) == chk.md_nid)
				listed = true;
		}
		if (!listed)
			ST_ADD(&SIG->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
			    "%s: SignedData digestAlgorithms does not list the signer's algorithm",
			    what);
	}
	SIG->signing_time = chk.signing_time;
	{
		X509_ATTRIBUTE *oa = st_attr_find(si->signed_attrs, OID_SPC_SP_OPUS_INFO, NULL);
		if (oa && X509_ATTRIBUTE_count(oa) == 1)
			SIG->program_name = spc_opus_program_name(X509_ATTRIBUTE_get0_type(oa, 0));
	}
	if (chk.cert && !(SIG->signer = st_cert_rendered(ctx, chk.cert)))
		goto enomem;

	/* Page hashes. */
	if (spc_ok && spc.page_hash_nid != NID_undef) {
		SIG->page_hash_alg = st_md_name(spc.page_hash_nid);
		if (subj->page_hashes) {
			rc = subj->page_hashes(subj->arg, spc.page_hash_nid, spc.page_hashes,
					       spc.page_hashes_len, &SIG->reasons);
			if (rc)
				goto done;
		}
	}

	/* Timestamps, then the chain at the time they prove. */
	if (chk.cert) {
		rc = st_signer_trust(ctx, si, certs, chk.cert, SIG, subj->policy, what);
		if (rc)
			goto done;
	} else {
		rc = st_timestamp_verify(ctx, subj->policy->timestamps, si, certs, SIG, &ts);
		if (rc)
			goto done;
	}
	rc = verify_nested(ctx, subj, si, part, entry, depth, idx);
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	spc_info_clear(&spc);
	st_sd_clear(&sd);
	ERR_clear_error();
	return rc;
}

int ac_verify(const st_context *ctx, const struct ac_subject *subj,
	      st_span der, struct st_part *part, int entry)
{
	return verify_one(ctx, subj, der, part, entry, 0, -1);
}

/*
 * A catalog's own signature: one SignerInfo over the certificate trust
 * list, judged as Windows judges an Authenticode signature (signer,
 * timestamps, the chain under the code-signing policy at the time a valid
 * timestamp proves). Windows' catalog signers ("Microsoft Windows",
 * "Microsoft Windows Hardware Compatibility Publisher") carry the
 * code-signing EKU besides their own.
 */
#include "catalog/catalog.h"

#include <openssl/err.h>
#include <stdio.h>

#include "core/limits.h"
#include "x509/cert_cache.h"
#include "x509/chain.h"
#include "x509/signer_info.h"
#include "x509/signer_trust.h"
#include "x509/timestamp.h"

#define SIG (&part->sigs[i])

int cat_verify_signature(const st_context *ctx, const struct cat_file *c, struct st_part *part,
			 int *idx)
{
	const struct st_sd *sd = &c->ctl.sd;
	struct st_signer_check chk;
	const uint8_t *content;
	size_t clen;
	ST_SIGNER_INFO *si;
	int i, rc;

	*idx = -1;
	if (part->nsigs >= ST_LIMIT_SIGNATURES)
		return ST_OK;
	i = st_part_add_signature(part);
	if (i < 0)
		return ST_ENOMEM;
	*idx = i;
	SIG->depth = 0;
	SIG->parent = -1;
	SIG->verification_time = ctx->at;
	if (sk_ST_SIGNER_INFO_num(sd->signers) != 1) {
		ST_ADD(&SIG->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		       "catalog signature: %d SignerInfos, exactly one is required",
		       sk_ST_SIGNER_INFO_num(sd->signers));
		return ST_OK;
	}
	if (!st_ctl_content(&c->ctl, &content, &clen)) {
		ST_ADD(&SIG->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		       "catalog signature: the member list has a broken header");
		return ST_OK;
	}
	si = sk_ST_SIGNER_INFO_value(sd->signers, 0);
	rc = st_signer_check(si, sd->certs, OID_CTL, content, clen, &chk, &SIG->reasons,
			     ST_R_SIGNATURE_INVALID, "catalog signature", 0);
	if (rc)
		return rc;
	SIG->digest_alg = st_md_name(chk.md_nid);
	SIG->signing_time = chk.signing_time;
	if (chk.md_nid == NID_md5)
		ST_ADD(&SIG->reasons, ST_R_WEAK_DIGEST, ST_VERDICT_INVALID,
		       "catalog signature: signed attributes are hashed with MD5");
	if (c->version == 1)
		ST_ADD(&SIG->reasons, ST_R_WEAK_DIGEST, ST_VERDICT_VALID,
		       "the catalog lists its members by SHA-1 digests, which are deprecated for code signing");
	if (chk.cert) {
		if (!(SIG->signer = st_cert_rendered(ctx, chk.cert)))
			goto enomem;
		rc = st_signer_trust(ctx, si, sd->certs, chk.cert, SIG, &st_policy_windows,
				     "catalog signature");
	} else {
		struct ts_outcome ts;
		rc = st_timestamp_verify(ctx, st_policy_windows.timestamps, si, sd->certs, SIG, &ts);
	}
	ERR_clear_error();
	return rc;
enomem:
	return ST_ENOMEM;
}

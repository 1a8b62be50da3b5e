/*
 * The signatures of a xar archive. The TOC checksum (the hash of the
 * compressed TOC, stored in the heap where <checksum> says) binds every
 * byte of the TOC, and the TOC holds every file's checksum; the signatures
 * sign the checksum:
 *
 *   <signature style="RSA">    PKCS#1 v1.5 over the checksum as a digest
 *                              (DigestInfo of the checksum algorithm); some
 *                              old packages sign the hash of the checksum,
 *                              which is accepted too
 *   <x-signature style="CMS">  detached CMS SignedData over the checksum
 *                              bytes (signed attributes, maybe a timestamp)
 *
 * Both are verified and must both hold (installer and pkgutil read the
 * CMS one when present, the RSA one otherwise; a broken second signature
 * beside a good one is tampering either way). The chain is judged as
 * Apple's: Developer ID Installer is the class packages are distributed
 * with (1.2.840.113635.100.6.1.14).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/digest.h"
#include "core/limits.h"
#include "macho/macho.h"
#include "x509/cert_cache.h"
#include "x509/signed_data.h"
#include "x509/signer_info.h"
#include "x509/signer_trust.h"
#include "x509/x509_util.h"
#include "xar/xar.h"

#define OID_DATA "1.2.840.113549.1.7.1"

extern const st_property_decl xar_signer_type_decl;

static bool expected_type(const char *type)
{
	return strcmp(type, "developer_id_installer") == 0 || strcmp(type, "apple_platform") == 0;
}

/* Signer class, its expectation, then the chain. */
static int judge_signer(const st_context *ctx, struct st_part *part, int idx, X509 *leaf,
			STACK_OF(X509) *certs, ST_SIGNER_INFO *si, const char *what)
{
	st_signature *sig = &part->sigs[idx];
	const char *type = macho_signer_type(leaf);
	int rc;

	if (!(sig->signer = st_cert_rendered(ctx, leaf)))
		return ST_ENOMEM;
	if ((rc = st_props_set_str(&sig->props, &xar_signer_type_decl, type)))
		return rc;
	if (!expected_type(type) &&
	    (rc = st_reasons_add(&sig->reasons, ST_R_UNEXPECTED_SIGNER_TYPE, ST_EFFECT_DEFAULT,
				 "%s: signed with a %s certificate ('%s'), not the Developer ID Installer class packages are distributed with",
				 what, type, sig->signer->subject_cn)))
		return rc;
	/* Installers judge a package's certificates at install time: an
	 * expired one without a timestamp fails (Apple's 2019 expiry of old
	 * installer certificates broke every untimestamped package), unlike a
	 * Mach-O signature. */
	return st_signer_trust(ctx, si, certs, leaf, &part->sigs[idx], &macho_chain_policy_package,
			       what);
}

static STACK_OF(X509) *toc_certs(const struct xar_sig *s)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	for (size_t i = 0; sk && i < s->ncerts; i++) {
		const unsigned char *p = s->certs[i].der;
		X509 *x = d2i_X509(NULL, &p, (long)s->certs[i].len);
		if (x && !sk_X509_push(sk, x))
			X509_free(x);
	}
	return sk;
}

/* PKCS#1 v1.5 with DigestInfo over `digest` taken as the md hash. */
static bool verify_digest(X509 *leaf, const EVP_MD *md, const uint8_t *digest, size_t dlen,
			  const uint8_t *sig, size_t slen)
{
	EVP_PKEY *key = X509_get0_pubkey(leaf);
	EVP_PKEY_CTX *pc = key ? EVP_PKEY_CTX_new(key, NULL) : NULL;
	bool ok = pc && EVP_PKEY_verify_init(pc) == 1 && EVP_PKEY_CTX_set_signature_md(pc, md) == 1 &&
		  EVP_PKEY_verify(pc, sig, slen, digest, dlen) == 1;

	EVP_PKEY_CTX_free(pc);
	ERR_clear_error();
	return ok;
}

static int check_rsa(struct st_walk *w, struct st_input *in, const struct xar *x,
		     struct st_part *part, const EVP_MD *md, st_span stored, const char *computed)
{
	STACK_OF(X509) *certs = toc_certs(&x->rsa);
	int idx = st_part_add_signature(part), rc = ST_OK;
	st_signature *sig;
	st_span sv;
	X509 *leaf;

	if (!certs || idx < 0) {
		sk_X509_pop_free(certs, X509_free);
		return ST_ENOMEM;
	}
	sig = &part->sigs[idx];
	sig->verification_time = w->ctx->at;
	sig->digest_alg = st_md_name(EVP_MD_type(md));
	if (!(sig->signed_digest = st_hex(stored.data, stored.len)) ||
	    !(sig->computed_digest = st_strdup(computed))) {
		rc = ST_ENOMEM;
		goto done;
	}
	if (strcmp(sig->signed_digest, computed) != 0)
		ST_ADD(&sig->reasons, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT,
		       "RSA signature: the table of contents' %s hash is %s, the signed checksum %s: the table of contents was modified after signing",
		       sig->digest_alg, computed, sig->signed_digest);
	leaf = sk_X509_num(certs) > 0 ? sk_X509_value(certs, 0) : NULL;
	if (!leaf) {
		ST_ADD(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		       "RSA signature: the table of contents lists no usable certificate");
		goto done;
	}
	if (x->rsa.offset > in->size - x->heap || x->rsa.size > in->size - x->heap - x->rsa.offset ||
	    x->rsa.size == 0 || x->rsa.size > 65536 ||
	    (rc = st_input_view(in, x->heap + x->rsa.offset, x->rsa.size, &sv))) {
		if (rc < 0)
			goto done;
		rc = ST_OK;
		ST_ADD(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		       "RSA signature: its bytes (heap offset %llu, %llu bytes) are not inside the file",
		       (unsigned long long)x->rsa.offset, (unsigned long long)x->rsa.size);
		goto done;
	}
	if (!verify_digest(leaf, md, stored.data, stored.len, sv.data, sv.len)) {
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		bool ok = os && ASN1_OCTET_STRING_set(os, sv.data, (int)sv.len) &&
			  st_verify_raw(leaf, EVP_MD_type(md), stored.data, stored.len, os);
		ASN1_OCTET_STRING_free(os);
		ERR_clear_error();
		if (!ok)
			ST_ADD(&sig->reasons, ST_R_SIGNATURE_INVALID, ST_EFFECT_DEFAULT,
			       "RSA signature: it does not verify with the key of '%.120s'",
			       X509_NAME_oneline(X509_get_subject_name(leaf), (char[128]){ 0 }, 128));
	}
	rc = judge_signer(w->ctx, part, idx, leaf, certs, NULL, "RSA signature");
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

static int check_cms(struct st_walk *w, struct st_input *in, const struct xar *x,
		     struct st_part *part, const EVP_MD *md, st_span stored, const char *computed)
{
	struct st_sd sd = { 0 };
	struct st_signer_check chk;
	int idx = st_part_add_signature(part), rc = ST_OK;
	st_signature *sig;
	ST_SIGNER_INFO *si;
	size_t used = 0;
	char why[200];
	st_span sv;

	if (idx < 0)
		return ST_ENOMEM;
	sig = &part->sigs[idx];
	sig->verification_time = w->ctx->at;
	if (!(sig->signed_digest = st_hex(stored.data, stored.len)) ||
	    !(sig->computed_digest = st_strdup(computed)))
		return ST_ENOMEM;
	if (strcmp(sig->signed_digest, computed) != 0)
		ST_ADD(&sig->reasons, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT,
		       "CMS signature: the table of contents' %s hash is %s, the signed checksum %s: the table of contents was modified after signing",
		       st_md_name(EVP_MD_type(md)), computed, sig->signed_digest);
	if (x->cms.offset > in->size - x->heap || x->cms.size > in->size - x->heap - x->cms.offset ||
	    x->cms.size == 0 || x->cms.size > ST_LIMIT_XAR_TOC ||
	    (rc = st_input_view(in, x->heap + x->cms.offset, x->cms.size, &sv))) {
		if (rc < 0)
			return rc;
		ST_ADD(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		       "CMS signature: its bytes are not inside the file");
		return ST_OK;
	}
	rc = st_sd_parse(w->ctx, sv.data, sv.len, &sd, &used, why, sizeof(why));
	if (rc < 0)
		return rc;
	sig = &part->sigs[idx];
	if (rc > 0) {
		rc = st_reasons_add(&sig->reasons, st_parse_reason(rc, ST_R_MALFORMED_SIGNATURE),
				    ST_EFFECT_DEFAULT, "CMS signature: %s", why);
		goto done;
	}
	if (!st_oid_is(sd.content_type, OID_DATA) || sd.content || sk_ST_SIGNER_INFO_num(sd.signers) != 1) {
		rc = st_reasons_add(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
				    "CMS signature: not one detached signer over data");
		goto done;
	}
	si = sk_ST_SIGNER_INFO_value(sd.signers, 0);
	if ((rc = st_signer_check(si, sd.certs, OID_DATA, stored.data, stored.len, &chk,
				  &sig->reasons, ST_R_SIGNATURE_INVALID, "CMS signature", 0)))
		goto done;
	sig = &part->sigs[idx];
	sig->digest_alg = st_md_name(chk.md_nid);
	sig->signing_time = chk.signing_time;
	if (chk.cert)
		rc = judge_signer(w->ctx, part, idx, chk.cert, sd.certs, si, "CMS signature");
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	st_sd_clear(&sd);
	ERR_clear_error();
	return rc;
}

int xar_check_signatures(struct st_walk *w, struct st_input *in, const struct xar *x,
			 struct st_part *part)
{
	const EVP_MD *md;
	char computed[2 * EVP_MAX_MD_SIZE + 1];
	st_span stored;
	bool signed_ = x->rsa.present || x->cms.present;
	st_verdict effect = signed_ ? ST_EFFECT_DEFAULT : ST_VERDICT_VALID;
	int rc;

	part->signed_structure = signed_;
	if (!x->has_toc_cksum) {
		if (signed_)
			ST_ADD(&part->reasons, ST_R_MALFORMED_PACKAGE, ST_EFFECT_DEFAULT,
			       "the archive is signed but its table of contents has no checksum");
		return ST_OK;
	}
	if (!(md = xar_md(x->toc_style))) {
		ST_ADD(&part->reasons, ST_R_UNSUPPORTED_ALGORITHM, effect,
		       "table of contents checksum style '%s'", x->toc_style);
		return ST_OK;
	}
	if (x->toc_cksum_size != (uint64_t)EVP_MD_size(md) ||
	    x->toc_cksum_off > in->size - x->heap ||
	    x->toc_cksum_size > in->size - x->heap - x->toc_cksum_off) {
		ST_ADD(&part->reasons, ST_R_MALFORMED_PACKAGE, effect,
		       "the table of contents checksum (heap offset %llu, %llu bytes) is not a %s hash inside the file",
		       (unsigned long long)x->toc_cksum_off, (unsigned long long)x->toc_cksum_size,
		       x->toc_style);
		return ST_OK;
	}
	if ((rc = st_input_view(in, x->heap + x->toc_cksum_off, x->toc_cksum_size, &stored)))
		return rc < 0 ? rc : ST_EIO;
	st_hex_into(computed, x->toc_hash, x->toc_hash_len);
	if (!signed_) {
		if (memcmp(x->toc_hash, stored.data, x->toc_hash_len) != 0)
			ST_ADD(&part->reasons, ST_R_DIGEST_MISMATCH, ST_VERDICT_VALID,
			       "the table of contents does not match its %s checksum (the archive is not signed)",
			       x->toc_style);
		return ST_OK;
	}
	if (x->rsa.present && (rc = check_rsa(w, in, x, part, md, stored, computed)))
		return rc;
	if (x->cms.present && (rc = check_cms(w, in, x, part, md, stored, computed)))
		return rc;
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

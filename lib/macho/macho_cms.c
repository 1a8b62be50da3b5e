/*
 * The CMS signature of an Apple code signature (slot 0x10000, wrapped in a
 * 0xfade0b01 blob): a detached SignedData over the slot-0 CodeDirectory.
 *
 * The messageDigest binds only the first CodeDirectory. The alternates
 * (slots 0x1000+, e.g. the SHA-256 one beside a SHA-1 one) are bound by two
 * signed attributes: 1.2.840.113635.100.9.1, a plist listing every
 * CodeDirectory's CDHash, and 1.2.840.113635.100.9.2, one SEQUENCE
 * {hash algorithm, full hash} per CodeDirectory. A verifier that checks
 * only the messageDigest accepts a signature whose alternate CodeDirectory
 * (the one modern systems use) was replaced: cdhash_mismatch.
 */
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/limits.h"
#include "macho/macho.h"
#include "x509/cert_cache.h"
#include "x509/chain.h"
#include "x509/signed_data.h"
#include "x509/signer_info.h"
#include "x509/signer_trust.h"
#include "x509/x509_util.h"

#define OID_DATA "1.2.840.113549.1.7.1"
#define OID_APPLE_CDHASHES_PLIST "1.2.840.113635.100.9.1"
#define OID_APPLE_CDHASHES "1.2.840.113635.100.9.2"

typedef struct {
	ASN1_OBJECT *alg;
	ASN1_OCTET_STRING *digest;
} ST_CDHASH_ENTRY;

DECLARE_ASN1_FUNCTIONS(ST_CDHASH_ENTRY)
ASN1_SEQUENCE(ST_CDHASH_ENTRY) = {
	ASN1_SIMPLE(ST_CDHASH_ENTRY, alg, ASN1_OBJECT),
	ASN1_SIMPLE(ST_CDHASH_ENTRY, digest, ASN1_OCTET_STRING)
} ASN1_SEQUENCE_END(ST_CDHASH_ENTRY)
IMPLEMENT_ASN1_FUNCTIONS(ST_CDHASH_ENTRY)


static const uint8_t *find_mem(const uint8_t *p, const uint8_t *end, const char *s)
{
	size_t n = strlen(s);

	for (; p && (size_t)(end - p) >= n; p++)
		if (memcmp(p, s, n) == 0)
			return p;
	return NULL;
}

/* Decodes the base64 text [p, end) (whitespace ignored) into out (cap
 * bytes); returns the decoded length or -1. */
static int b64(const uint8_t *p, const uint8_t *end, uint8_t *out, size_t cap)
{
	char text[128];
	uint8_t tmp[96];
	size_t n = 0;
	int len, pad = 0;

	for (; p < end; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
			continue;
		if (n + 1 >= sizeof(text))
			return -1;
		text[n++] = (char)*p;
	}
	if (n == 0 || n % 4)
		return -1;
	pad = (text[n - 1] == '=') + (text[n - 2] == '=');
	len = EVP_DecodeBlock(tmp, (const unsigned char *)text, (int)n);
	if (len < 0 || len - pad < 0 || (size_t)(len - pad) > cap)
		return -1;
	memcpy(out, tmp, (size_t)(len - pad));
	return len - pad;
}

/* 1.2.840.113635.100.9.1: <dict><key>cdhashes</key><array><data>..</data>
 * ...</array></dict>, one 20-byte CDHash per CodeDirectory in slot order.
 * Returns 1 when it matches, 0 when it does not (detail in why), <0 on
 * error. */
static int check_plist(const struct macho_check *m, const ASN1_TYPE *v, char *why, size_t wl)
{
	const uint8_t *p, *end, *arr, *arr_end;
	size_t i = 0;

	if (!v || v->type != V_ASN1_OCTET_STRING) {
		snprintf(why, wl, "the cdhashes plist attribute is not an OCTET STRING");
		return 0;
	}
	p = ASN1_STRING_get0_data(v->value.octet_string);
	end = p + ASN1_STRING_length(v->value.octet_string);
	if (end - p > ST_LIMIT_CDHASH_PLIST) {
		snprintf(why, wl, "the cdhashes plist is larger than %d bytes", ST_LIMIT_CDHASH_PLIST);
		return 0;
	}
	arr = find_mem(find_mem(p, end, "<key>cdhashes</key>"), end, "<array>");
	arr_end = find_mem(arr, end, "</array>");
	if (!arr || !arr_end) {
		snprintf(why, wl, "the cdhashes plist has no cdhashes array");
		return 0;
	}
	for (p = arr; (p = find_mem(p, arr_end, "<data>")) != NULL; i++) {
		const uint8_t *q = find_mem(p, arr_end, "</data>");
		uint8_t h[64];
		int n;

		if (!q) {
			snprintf(why, wl, "the cdhashes plist has an unterminated <data>");
			return 0;
		}
		n = b64(p + 6, q, h, sizeof(h));
		if (i >= m->ncd) {
			snprintf(why, wl, "the cdhashes plist lists more CDHashes than the %zu CodeDirectories",
				 m->ncd);
			return 0;
		}
		if (n != 20 || memcmp(h, m->cds[i].cdhash, 20) != 0) {
			snprintf(why, wl, "the cdhashes plist entry %zu differs from the CDHash of the %s CodeDirectory (slot 0x%x)",
				 i, m->cds[i].hash_name, m->cds[i].slot);
			return 0;
		}
		p = q;
	}
	if (i != m->ncd) {
		snprintf(why, wl, "the cdhashes plist lists %zu CDHashes for %zu CodeDirectories", i, m->ncd);
		return 0;
	}
	return 1;
}

/* 1.2.840.113635.100.9.2: one SEQUENCE {hash OID, full hash} per
 * CodeDirectory; every CodeDirectory must appear. */
static int check_hashes(const struct macho_check *m, X509_ATTRIBUTE *a, char *why, size_t wl)
{
	bool seen[ST_LIMIT_CODE_DIRECTORIES] = { false };
	int n = X509_ATTRIBUTE_count(a);

	for (int i = 0; i < n; i++) {
		ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(a, i);
		const unsigned char *q;
		ST_CDHASH_ENTRY *e;
		bool found = false;
		int nid;

		if (!v || v->type != V_ASN1_SEQUENCE) {
			snprintf(why, wl, "cdhashes attribute value %d is not a SEQUENCE", i);
			return 0;
		}
		q = ASN1_STRING_get0_data(v->value.sequence);
		e = d2i_ST_CDHASH_ENTRY(NULL, &q, ASN1_STRING_length(v->value.sequence));
		if (!e) {
			ERR_clear_error();
			snprintf(why, wl, "cdhashes attribute value %d is malformed", i);
			return 0;
		}
		nid = OBJ_obj2nid(e->alg);
		for (size_t k = 0; k < m->ncd && !found; k++) {
			const struct cs_codedir *cd = &m->cds[k];
			if (!seen[k] && cd->md_nid == nid &&
			    (unsigned)ASN1_STRING_length(e->digest) == cd->cdhash_len &&
			    memcmp(ASN1_STRING_get0_data(e->digest), cd->cdhash, cd->cdhash_len) == 0)
				seen[k] = found = true;
		}
		ST_CDHASH_ENTRY_free(e);
		if (!found) {
			snprintf(why, wl, "cdhashes attribute value %d (%s) matches no CodeDirectory", i,
				 st_md_name(nid) ? st_md_name(nid) : "unknown hash");
			return 0;
		}
	}
	for (size_t k = 0; k < m->ncd; k++) {
		if (!seen[k]) {
			snprintf(why, wl, "the cdhashes attribute omits the %s CodeDirectory (slot 0x%x)",
				 m->cds[k].hash_name, m->cds[k].slot);
			return 0;
		}
	}
	return 1;
}

static int check_binding(struct macho_check *m, ST_SIGNER_INFO *si)
{
	X509_ATTRIBUTE *plist, *hashes;
	int np, nh;
	char why[200];

	plist = st_attr_find(si->signed_attrs, OID_APPLE_CDHASHES_PLIST, &np);
	hashes = st_attr_find(si->signed_attrs, OID_APPLE_CDHASHES, &nh);
	if (np > 1 || nh > 1)
		ST_ADD(&MSIG(m)->reasons, ST_R_CDHASH_MISMATCH, ST_EFFECT_DEFAULT,
		       "%s: a cdhashes attribute appears more than once", m->what);
	if (plist && (X509_ATTRIBUTE_count(plist) != 1 ||
		      check_plist(m, X509_ATTRIBUTE_get0_type(plist, 0), why, sizeof(why)) != 1)) {
		if (X509_ATTRIBUTE_count(plist) != 1)
			snprintf(why, sizeof(why), "the cdhashes plist attribute has %d values",
				 X509_ATTRIBUTE_count(plist));
		ST_ADD(&MSIG(m)->reasons, ST_R_CDHASH_MISMATCH, ST_EFFECT_DEFAULT, "%s: %s",
		       m->what, why);
	}
	if (hashes && check_hashes(m, hashes, why, sizeof(why)) != 1)
		ST_ADD(&MSIG(m)->reasons, ST_R_CDHASH_MISMATCH, ST_EFFECT_DEFAULT, "%s: %s",
		       m->what, why);
	if (!plist && !hashes && m->ncd > 1)
		ST_ADD(&MSIG(m)->reasons, ST_R_CDHASH_MISMATCH, ST_EFFECT_DEFAULT,
		       "%s: the signature binds only the first CodeDirectory; %zu alternate CodeDirectories are not signed",
		       m->what, m->ncd - 1);
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

static int check_team(struct macho_check *m, X509 *leaf)
{
	st_signature *sig = MSIG(m);
	char *team = macho_team_of(leaf);
	const struct st_property *p = st_props_find(&sig->props, macho_properties[MACHO_P_TEAM_ID].key);
	const char *cd_team = p ? p->s : NULL;
	int rc = ST_OK;

	if (team && cd_team && strcmp(team, cd_team) != 0)
		rc = st_reasons_add(&sig->reasons, ST_R_TEAM_ID_MISMATCH, ST_EFFECT_DEFAULT,
				    "%s: the CodeDirectory names team %s, the signer certificate team %s",
				    m->what, cd_team, team);
	else if (!team && cd_team)
		rc = st_reasons_add(&sig->reasons, ST_R_TEAM_ID_MISMATCH, ST_EFFECT_DEFAULT,
				    "%s: the CodeDirectory names team %s, the signer certificate names none",
				    m->what, cd_team);
	free(team);
	return rc;
}

int macho_check_cms(struct macho_check *m, const struct cs_blob *blob)
{
	const st_context *ctx = m->ctx;
	const struct cs_codedir *cd0 = &m->cds[0];
	struct st_sd sd = { 0 };
	struct st_signer_check chk;
	const char *signer_type;
	bool expires;
	ST_SIGNER_INFO *si;
	st_span der = { blob->data.data + 8, blob->data.len - 8 };
	size_t used = 0;
	char why[200];
	int rc;
	st_signature *sig;

	rc = st_sd_parse(ctx, der.data, der.len, &sd, &used, why, sizeof(why));
	if (rc < 0)
		return rc;
	if (rc > 0) {
		rc = st_reasons_add(&MSIG(m)->reasons,
				    st_parse_reason(rc, ST_R_MALFORMED_SIGNATURE),
				    ST_EFFECT_DEFAULT, "%s: CMS signature: %s", m->what, why);
		goto done;
	}
	sig = MSIG(m);
	/* codesign pads the wrapper with zeros; anything else after the CMS
	 * is hidden data. */
	for (size_t i = used; i < der.len; i++) {
		if (der.data[i]) {
			rc = st_reasons_add(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
					    "%s: %zu bytes follow the CMS signature in its blob", m->what,
					    der.len - used);
			if (rc)
				goto done;
			break;
		}
	}
	if (!st_oid_is(sd.content_type, OID_DATA) || sd.content) {
		rc = st_reasons_add(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
				    "%s: the CMS signature is not a detached signature over data", m->what);
		goto done;
	}
	if (sk_ST_SIGNER_INFO_num(sd.signers) != 1) {
		rc = st_reasons_add(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
				    "%s: the CMS signature has %d SignerInfos, not one", m->what,
				    sk_ST_SIGNER_INFO_num(sd.signers));
		goto done;
	}
	si = sk_ST_SIGNER_INFO_value(sd.signers, 0);

	/* The signer; the messageDigest is compared here so that a changed
	 * CodeDirectory reads as digest_mismatch, not as a bad signature. */
	if (sk_X509_ATTRIBUTE_num(si->signed_attrs) > 0)
		rc = st_signer_check(si, sd.certs, OID_DATA, NULL, 0, &chk, &sig->reasons,
				     ST_R_SIGNATURE_INVALID, m->what, 0);
	else
		rc = st_signer_check(si, sd.certs, OID_DATA, cd0->raw.data, cd0->raw.len, &chk,
				     &sig->reasons, ST_R_SIGNATURE_INVALID, m->what, 0);
	if (rc)
		goto done;
	sig = MSIG(m);
	sig->digest_alg = st_md_name(chk.md_nid);
	sig->signing_time = chk.signing_time;
	if (chk.md_nid == NID_md5 &&
	    (rc = st_reasons_add(&sig->reasons, ST_R_WEAK_DIGEST, ST_VERDICT_INVALID,
				 "%s: the CMS signature uses MD5", m->what)))
		goto done;
	if (chk.message_digest && sig->digest_alg) {
		uint8_t md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;

		if (!st_digest(chk.md_nid, cd0->raw.data, cd0->raw.len, md, &mdlen)) {
			rc = ST_ENOMEM;
			goto done;
		}
		if (!(sig->signed_digest = st_hex(ASN1_STRING_get0_data(chk.message_digest),
						  (size_t)ASN1_STRING_length(chk.message_digest))) ||
		    !(sig->computed_digest = st_hex(md, mdlen))) {
			rc = ST_ENOMEM;
			goto done;
		}
		if ((unsigned)ASN1_STRING_length(chk.message_digest) != mdlen ||
		    memcmp(ASN1_STRING_get0_data(chk.message_digest), md, mdlen) != 0) {
			rc = st_reasons_add(&sig->reasons, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT,
					    "%s: the signed messageDigest %s is not the %s hash of the CodeDirectory (%s)",
					    m->what, sig->signed_digest, sig->digest_alg,
					    sig->computed_digest);
			if (rc)
				goto done;
		}
	}
	if ((rc = check_binding(m, si)))
		goto done;
	if (!chk.cert)
		goto done;
	sig = MSIG(m);
	if (!(sig->signer = st_cert_rendered(ctx, chk.cert))) {
		rc = ST_ENOMEM;
		goto done;
	}
	signer_type = macho_signer_type(chk.cert);
	if ((rc = st_props_set_str(&sig->props, &macho_properties[MACHO_P_SIGNER_TYPE],
				   signer_type)))
		goto done;
	if ((rc = check_team(m, chk.cert)))
		goto done;
	if (!macho_signer_type_expected(signer_type) &&
	    (rc = st_reasons_add(&sig->reasons, ST_R_UNEXPECTED_SIGNER_TYPE, ST_EFFECT_DEFAULT,
				 "%s: signed with a %s certificate ('%s'), not one code is distributed with",
				 m->what, signer_type, sig->signer->subject_cn)))
		goto done;

	/* Timestamp (id-aa-timeStampToken), then the chain at the time it
	 * proves. */
	expires = (m->cds[0].flags & CS_FORCE_EXPIRATION) != 0;
	rc = st_signer_trust(ctx, si, sd.certs, chk.cert, sig,
			     expires ? &macho_chain_policy_expires : &macho_chain_policy, m->what);
	sig = MSIG(m);
	/* An expired certificate is a warning without a timestamp, but not
	 * when the signer's own signing time says the signature was made
	 * after the certificate expired: the signer admits it (sigtrace's
	 * rule; Apple has none). */
	if (rc == ST_OK && !expires && !sig->ts_valid && sig->trusted &&
	    sig->signing_time != ST_TIME_NONE && sig->signer &&
	    sig->signer->not_after != ST_TIME_NONE && sig->signing_time > sig->signer->not_after) {
		char st[32], na[32];
		st_format_time(sig->signing_time, st, sizeof(st));
		st_format_time(sig->signer->not_after, na, sizeof(na));
		rc = st_reasons_add(&sig->reasons, ST_R_CERT_EXPIRED, ST_VERDICT_INVALID,
				    "%s: the signer claims to have signed at %s, after its certificate '%s' expired (%s)",
				    m->what, st, sig->signer->subject_cn, na);
	}
done:
	st_sd_clear(&sd);
	ERR_clear_error();
	return rc;
}

/*
 * One slice's code signature: the SuperBlob, its CodeDirectories (slot 0
 * and alternates), their agreement with each other and with the layout,
 * page and special-slot hashes, then ad-hoc status or the CMS signature.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/digest.h"
#include "macho/macho.h"


/* Bytes of the signature area after the SuperBlob: codesign pads with
 * zeros; anything else is data no hash covers. It is reported, as a
 * warning: Apple's loader ignores the area past the SuperBlob, and genuine
 * binaries re-signed in place keep stale bytes of their previous signature
 * there (@oven/bun-darwin-aarch64 1.3.12 and later: 9 KiB after a 127 KiB
 * SuperBlob, Developer ID signed). Bytes outside LC_CODE_SIGNATURE's range
 * are another matter (macho_verify_signature). */
static int check_padding(struct macho_check *m, st_span sig)
{
	size_t nonzero = 0, first = 0;

	for (size_t i = m->sb.length; i < sig.len; i++) {
		if (sig.data[i] && !nonzero++)
			first = i;
	}
	if (nonzero)
		ST_ADD(&MSIG(m)->reasons, ST_R_TRAILING_DATA, ST_VERDICT_VALID,
		    "%s: %zu non-zero bytes in the signature area after the SuperBlob (%u of %zu bytes), first at offset %zu; no hash covers them",
		    m->what, nonzero, m->sb.length, sig.len, first);
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

static int load_codedirs(struct macho_check *m)
{
	char why[200];
	int rc;

	for (uint32_t k = 0; k <= CSSLOT_ALTERNATE_CODEDIRECTORY_MAX; k++) {
		uint32_t slot = k ? CSSLOT_ALTERNATE_CODEDIRECTORIES + k - 1 : CSSLOT_CODEDIRECTORY;
		const struct cs_blob *b = cs_superblob_find(&m->sb, slot);

		if (!b)
			continue;
		if (m->ncd == ST_LIMIT_CODE_DIRECTORIES)
			break;
		rc = cs_codedir_parse(b->data, slot, &m->cds[m->ncd], why, sizeof(why));
		if (rc < 0)
			return rc;
		if (rc > 0) {
			ST_ADD(&MSIG(m)->reasons, st_parse_reason(rc, ST_R_MALFORMED_SIGNATURE),
			    ST_EFFECT_DEFAULT, "%s: %s", m->what, why);
			return 1;
		}
		m->ncd++;
	}
	if (m->ncd == 0 || m->cds[0].slot != CSSLOT_CODEDIRECTORY) {
		ST_ADD(&MSIG(m)->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		    "%s: the code signature has no CodeDirectory in slot 0", m->what);
		return 1;
	}
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

/* Alternates describe the same code: identifier, team and flags must
 * agree, or different systems would see different programs. */
static int check_agreement(struct macho_check *m)
{
	const struct cs_codedir *a = &m->cds[0];

	for (size_t k = 1; k < m->ncd; k++) {
		const struct cs_codedir *b = &m->cds[k];
		bool team_same = (!a->team && !b->team) ||
				 (a->team && b->team && strcmp(a->team, b->team) == 0);

		if (strcmp(a->ident, b->ident) != 0 || !team_same || a->flags != b->flags ||
		    a->code_limit != b->code_limit)
			ST_ADD(&MSIG(m)->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
			    "%s: the %s CodeDirectory (slot 0x%x) disagrees with the first on identifier, team, flags or codeLimit",
			    m->what, b->hash_name, b->slot);
	}
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

static int fill_signature(struct macho_check *m)
{
	st_signature *sig = MSIG(m);
	const struct cs_codedir *best = &m->cds[m->best];

	char cdhash[41];

	st_hex_into(cdhash, best->cdhash, 20);
	char dr[1024];

	if (macho_designated_requirement(&m->sb, dr, sizeof(dr)) &&
	    st_props_set_str(&sig->props, &macho_properties[MACHO_P_DESIGNATED_REQUIREMENT], dr))
		return ST_ENOMEM;
	if (st_props_set_str(&sig->props, &macho_properties[MACHO_P_SIGNING_ID], best->ident) ||
	    st_props_set_str(&sig->props, &macho_properties[MACHO_P_TEAM_ID], best->team) ||
	    st_props_set_str(&sig->props, &macho_properties[MACHO_P_CDHASH], cdhash) ||
	    st_props_set_int(&sig->props, &macho_properties[MACHO_P_CD_FLAGS], best->flags))
		return ST_ENOMEM;
	sig->page_hash_alg = best->hash_name;
	sig->digest_alg = st_md_name(best->md_nid);
	if (best->md_nid == NID_sha1)
		ST_ADD(&MSIG(m)->reasons, ST_R_WEAK_DIGEST, ST_VERDICT_VALID,
		    "%s: only SHA-1 CodeDirectories, deprecated for code signing", m->what);
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

int macho_verify_signature(struct macho_check *m)
{
	st_span sig;
	char why[200];
	const struct cs_blob *cms;
	bool cms_empty;
	int rc;

	rc = st_input_view(m->in, m->sig_off, m->sig_size, &sig);  /* inside: checked by the caller */
	if (rc < 0)
		return rc;
	if (rc) {
		ST_ADD(&MSIG(m)->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
		       "%s: a code signature of %" PRIu64 " bytes is more than is read of a file", m->what,
		       m->sig_size);
		return ST_OK;
	}
	if (m->sig_off + m->sig_size < m->sig_end)
		ST_ADD(&MSIG(m)->reasons, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT,
		    "%s: %" PRIu64 " bytes follow the code signature", m->what,
		    m->sig_end - m->sig_off - m->sig_size);
	rc = cs_superblob_parse(sig, &m->sb, why, sizeof(why));
	if (rc) {
		ST_ADD(&MSIG(m)->reasons, st_parse_reason(rc, ST_R_MALFORMED_SIGNATURE),
		    ST_EFFECT_DEFAULT, "%s: %s", m->what, why);
		return ST_OK;
	}
	if ((rc = check_padding(m, sig)))
		return rc;
	rc = load_codedirs(m);
	if (rc)
		return rc < 0 ? rc : ST_OK;
	for (size_t k = 1; k < m->ncd; k++)
		if (m->cds[k].strength > m->cds[m->best].strength)
			m->best = k;
	if ((rc = fill_signature(m)) || (rc = check_agreement(m)))
		return rc;

	for (size_t k = 0; k < m->ncd; k++) {
		const struct cs_codedir *cd = &m->cds[k];

		/* The pages run up to the signature: a codeLimit before it
		 * leaves bytes no hash covers, one past it hashes the
		 * signature itself. */
		if (cd->code_limit < m->sig_off)
			ST_ADD(&MSIG(m)->reasons, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT,
			    "%s: bytes %" PRIu64 "..%" PRIu64 " before the signature are not covered by the %s page hashes",
			    m->what, cd->code_limit, m->sig_off - 1, cd->hash_name);
		else if (cd->code_limit > m->sig_off)
			ST_ADD(&MSIG(m)->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
			    "%s: the %s codeLimit %" PRIu64 " reaches into the signature at %" PRIu64,
			    m->what, cd->hash_name, cd->code_limit, m->sig_off);
		if ((rc = macho_check_pages(m, cd)) || (rc = macho_check_slots(m, cd)))
			return rc;
	}

	cms = cs_superblob_find(&m->sb, CSSLOT_SIGNATURESLOT);
	if (cms && cms->magic != CSMAGIC_BLOBWRAPPER)
		ST_ADD(&MSIG(m)->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		    "%s: the signature slot holds magic 0x%08x, not a CMS wrapper", m->what, cms->magic);
	cms_empty = !cms || cms->data.len <= 8;
	if (m->cds[0].flags & CS_ADHOC) {
		if (m->cds[0].flags & CS_LINKER_SIGNED)
			ST_ADD(&MSIG(m)->reasons, ST_R_LINKER_SIGNED, ST_EFFECT_DEFAULT,
			    "%s: linker-signed ad-hoc signature: integrity only, no signer", m->what);
		else
			ST_ADD(&MSIG(m)->reasons, ST_R_ADHOC, ST_EFFECT_DEFAULT,
			    "%s: ad-hoc signature: integrity only, no signer", m->what);
		if (!cms_empty)
			ST_ADD(&MSIG(m)->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
			    "%s: the CodeDirectory is flagged ad-hoc but a CMS signature is attached", m->what);
		return ST_OK;
	}
	if (cms_empty) {
		ST_ADD(&MSIG(m)->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		    "%s: the CodeDirectory is not flagged ad-hoc but there is no CMS signature", m->what);
		return ST_OK;
	}
	if (cms->magic != CSMAGIC_BLOBWRAPPER)
		return ST_OK;
	return macho_check_cms(m, cms);
enomem:
	return ST_ENOMEM;
}

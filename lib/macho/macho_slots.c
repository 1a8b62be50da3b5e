/*
 * Special slots: CodeDirectory slot i (1..nSpecialSlots, stored below
 * hashOffset) holds the hash of the blob of type i, header included.
 * Checked both ways: a blob whose hash differs, a slot naming a blob that is
 * absent, and a blob in the SuperBlob that no slot binds (the loader would
 * read entitlements or requirements nothing vouches for).
 */
#include <stdio.h>
#include <string.h>

#include "macho/macho.h"

static const char *slot_name(uint32_t slot, bool *internal)
{
	*internal = true;
	switch (slot) {
	case 1: *internal = false; return "Info.plist";
	case 2: return "requirements";
	case 3: *internal = false; return "CodeResources";
	case 4: *internal = false; return "application-specific";
	case 5: return "entitlements";
	case 6: return "representation-specific";
	case 7: return "DER entitlements";
	case 8: return "launch constraints (self)";
	case 9: return "launch constraints (parent)";
	case 10: return "launch constraints (responsible)";
	case 11: return "library constraints";
	default: return "unknown";
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Slots 1 (Info.plist) and 3 (CodeResources) of a bundle's main
 * executable against the files the bundle holds: the seal is only as good
 * as its binding to the signature (a CodeResources the signature does not
 * bind can be rewritten at will). */
static int check_external(struct macho_check *m, const struct cs_codedir *cd, uint32_t slot,
			  const struct st_external_file *f)
{
	st_reasons *rs = &MSIG(m)->reasons;
	uint8_t h[EVP_MAX_MD_SIZE];
	bool bound = slot <= cd->n_special && !all_zero(cs_codedir_special(cd, slot), cd->hash_size);

	if (f->present && !bound)
		ST_ADD(rs, f->code, ST_EFFECT_DEFAULT,
		       "%s: the bundle's %s is not bound by the %s CodeDirectory (slot %u): it was added after signing or the signature was made for another layout",
		       m->what, f->name, cd->hash_name, slot);
	else if (!f->present && bound)
		ST_ADD(rs, f->code, ST_EFFECT_DEFAULT,
		       "%s: the %s CodeDirectory binds %s (slot %u), which the bundle does not hold",
		       m->what, cd->hash_name, f->name, slot);
	else if (f->present) {
		if (!cs_hash(cd, f->bytes.data, f->bytes.len, h))
			return ST_ENOMEM;
		if (memcmp(h, cs_codedir_special(cd, slot), cd->hash_size) != 0)
			ST_ADD(rs, f->code, ST_EFFECT_DEFAULT,
			       "%s: %s differs from its %s hash in the CodeDirectory (slot %u): modified after signing",
			       m->what, f->name, cd->hash_name, slot);
	}
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

/* The file a special slot binds from outside, in this context, or NULL. */
static const struct st_external_file *external_for(const struct macho_check *m, uint32_t slot)
{
	const struct st_external_file *f = NULL;

	if (!m->external)
		return NULL;
	if (slot == 1)
		f = &m->external->info_plist;
	else if (slot == 3)
		f = &m->external->resources;
	else if (slot == 6)
		f = &m->external->rep_specific;
	return f && f->used ? f : NULL;
}

int macho_check_slots(struct macho_check *m, const struct cs_codedir *cd)
{
	st_reasons *rs = &MSIG(m)->reasons;
	uint8_t h[EVP_MAX_MD_SIZE];

	for (uint32_t i = 1; i <= cd->n_special; i++) {
		const uint8_t *stored = cs_codedir_special(cd, i);
		const struct cs_blob *b = cs_superblob_find(&m->sb, i);
		bool internal;
		const char *name = slot_name(i, &internal);

		if (b) {
			if (!cs_hash(cd, b->data.data, b->data.len, h))
				return ST_ENOMEM;
			if (memcmp(h, stored, cd->hash_size) != 0)
				ST_ADD(rs, ST_R_SPECIAL_SLOT_MISMATCH, ST_EFFECT_DEFAULT,
				       "%s: the %s blob (slot %u) does not match its %s hash in the CodeDirectory",
				       m->what, name, i, cd->hash_name);
		} else if (internal && !external_for(m, i) && !all_zero(stored, cd->hash_size)) {
			ST_ADD(rs, ST_R_SPECIAL_SLOT_MISMATCH, ST_EFFECT_DEFAULT,
			       "%s: the %s CodeDirectory binds a %s blob (slot %u) the signature does not carry",
			       m->what, cd->hash_name, name, i);
		}
		/* Info.plist and CodeResources live outside the binary: they
		 * are checked when the binary is a bundle's main executable
		 * (below). */
	}
	/* A linker's ad-hoc signature never binds a bundle's files: such a
	 * bundle is as good as unsigned (macOS calls its Info.plist
	 * modified; docs/bundles.md). */
	if (m->external && !(cd->flags & 0x20000u)) {
		static const uint32_t slots[] = { 1, 3, 6 };
		for (size_t k = 0; k < 3; k++) {
			const struct st_external_file *f = external_for(m, slots[k]);
			int rc = f ? check_external(m, cd, slots[k], f) : ST_OK;
			if (rc)
				return rc;
		}
	}
	for (size_t k = 0; k < m->sb.n; k++) {
		uint32_t t = m->sb.blobs[k].type;
		bool internal;
		const char *name;

		if (t == CSSLOT_CODEDIRECTORY || t >= CSSLOT_ALTERNATE_CODEDIRECTORIES)
			continue;  /* CodeDirectories, CMS, notarization ticket */
		name = slot_name(t, &internal);
		if (t > cd->n_special || all_zero(cs_codedir_special(cd, t), cd->hash_size))
			ST_ADD(rs, ST_R_SPECIAL_SLOT_MISMATCH, ST_EFFECT_DEFAULT,
			       "%s: the %s blob (slot %u) is not bound by the %s CodeDirectory",
			       m->what, name, t, cd->hash_name);
	}
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

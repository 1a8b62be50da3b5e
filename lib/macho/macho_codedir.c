/*
 * The CodeDirectory (0xfade0c02): its header for every version up to
 * 0x20600, bounds of the strings and hash slots, and hashing with its hash
 * type. The checks of page and special-slot hashes against the file are in
 * macho_pages.c and macho_slots.c.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/digest.h"
#include "core/result.h"
#include "macho/macho_blobs.h"

/* Header sizes by version (cs_blobs.h): 0x20001 base, then scatter, team,
 * codeLimit64, execSeg, runtime, linkage fields. */
static uint32_t header_size(uint32_t version)
{
	if (version >= 0x20600) return 108;
	if (version >= 0x20500) return 96;
	if (version >= 0x20400) return 88;
	if (version >= 0x20300) return 64;
	if (version >= 0x20200) return 52;
	if (version >= 0x20100) return 48;
	return 44;
}

/* A NUL-terminated string at off inside the blob. */
static const char *cd_string(st_span raw, uint32_t off)
{
	if (off >= raw.len || !memchr(raw.data + off, 0, raw.len - off))
		return NULL;
	return (const char *)raw.data + off;
}

int cs_codedir_parse(st_span blob, uint32_t slot, struct cs_codedir *cd, char *why,
		     size_t whylen)
{
	uint32_t magic, length, ident_off, code_limit32, team_off = 0;
	uint64_t special_bytes, code_bytes;

	memset(cd, 0, sizeof(*cd));
	cd->slot = slot;
	if (!st_read_u32be(blob, 0, &magic) || !st_read_u32be(blob, 4, &length) ||
	    !st_read_u32be(blob, 8, &cd->version))
		ST_PARSE_FAIL("CodeDirectory in slot 0x%x is truncated", slot);
	if (magic != CSMAGIC_CODEDIRECTORY)
		ST_PARSE_FAIL("slot 0x%x holds magic 0x%08x, not a CodeDirectory", slot, magic);
	if (!st_span_sub(blob, 0, length, &cd->raw))
		ST_PARSE_FAIL("CodeDirectory length %u exceeds its blob", length);
	if (cd->version < 0x20001 || (cd->version >> 16) != 2)
		ST_PARSE_FAIL("CodeDirectory version 0x%x is not supported", cd->version);
	if (length < header_size(cd->version))
		ST_PARSE_FAIL("CodeDirectory (version 0x%x) is shorter than its header", cd->version);
	(void)st_read_u32be(cd->raw, 12, &cd->flags);
	(void)st_read_u32be(cd->raw, 16, &cd->hash_offset);
	(void)st_read_u32be(cd->raw, 20, &ident_off);
	(void)st_read_u32be(cd->raw, 24, &cd->n_special);
	(void)st_read_u32be(cd->raw, 28, &cd->n_code);
	(void)st_read_u32be(cd->raw, 32, &code_limit32);
	(void)st_read_u8(cd->raw, 36, &cd->hash_size);
	(void)st_read_u8(cd->raw, 37, &cd->hash_type);
	(void)st_read_u8(cd->raw, 38, &cd->platform);
	(void)st_read_u8(cd->raw, 39, &cd->page_log2);
	cd->code_limit = code_limit32;
	if (cd->version >= 0x20200)
		(void)st_read_u32be(cd->raw, 48, &team_off);
	if (cd->version >= 0x20300) {
		uint64_t cl64;
		(void)st_read_u64be(cd->raw, 56, &cl64);
		if (cl64) {
			/* codeLimit64 is for slices over 4 GiB; codeLimit then
			 * holds UINT32_MAX or 0 (cs_blobs.h). */
			if (code_limit32 != 0 && code_limit32 != UINT32_MAX && code_limit32 != cl64)
				ST_PARSE_FAIL("codeLimit %u and codeLimit64 %llu disagree", code_limit32,
				     (unsigned long long)cl64);
			cd->code_limit = cl64;
		}
	}
	if (cd->version >= 0x20400) {
		(void)st_read_u64be(cd->raw, 64, &cd->exec_seg_base);
		(void)st_read_u64be(cd->raw, 72, &cd->exec_seg_limit);
		(void)st_read_u64be(cd->raw, 80, &cd->exec_seg_flags);
	}

	switch (cd->hash_type) {
	case 1: cd->md_nid = NID_sha1; cd->hash_name = "sha1"; cd->strength = 1; break;
	case 2: cd->md_nid = NID_sha256; cd->hash_name = "sha256"; cd->strength = 3; break;
	case 3: cd->md_nid = NID_sha256; cd->hash_name = "sha256-truncated"; cd->strength = 2; break;
	case 4: cd->md_nid = NID_sha384; cd->hash_name = "sha384"; cd->strength = 4; break;
	default: ST_PARSE_FAIL("CodeDirectory hash type %u is not supported", cd->hash_type);
	}
	if (cd->hash_size != (cd->hash_type == 2 ? 32 : cd->hash_type == 4 ? 48 : 20))
		ST_PARSE_FAIL("CodeDirectory hash size %u does not match hash type %s", cd->hash_size,
		     cd->hash_name);
	if (cd->page_log2 != 0 &&
	    (cd->page_log2 < ST_MACHO_PAGE_LOG2_MIN || cd->page_log2 > ST_MACHO_PAGE_LOG2_MAX))
		ST_PARSE_FAIL("CodeDirectory page size 2^%u is outside 2^%d..2^%d", cd->page_log2,
		     ST_MACHO_PAGE_LOG2_MIN, ST_MACHO_PAGE_LOG2_MAX);
	if (cd->n_special > ST_LIMIT_SPECIAL_SLOTS) {
		snprintf(why, whylen, "CodeDirectory has %u special slots (limit %d)", cd->n_special,
			 ST_LIMIT_SPECIAL_SLOTS);
		return ST_PARSE_LIMIT;
	}
	if (!(cd->ident = cd_string(cd->raw, ident_off)) || ident_off < header_size(cd->version))
		ST_PARSE_FAIL("CodeDirectory identifier (offset %u) is not a string inside it", ident_off);
	if (team_off) {
		if (!(cd->team = cd_string(cd->raw, team_off)) || team_off < header_size(cd->version))
			ST_PARSE_FAIL("CodeDirectory team ID (offset %u) is not a string inside it", team_off);
	}
	/* Special slots lie just below hashOffset, code slots from it. */
	special_bytes = (uint64_t)cd->n_special * cd->hash_size;
	code_bytes = (uint64_t)cd->n_code * cd->hash_size;
	if (cd->hash_offset < special_bytes ||
	    cd->hash_offset - special_bytes < header_size(cd->version) ||
	    !st_span_contains(cd->raw, cd->hash_offset, code_bytes))
		ST_PARSE_FAIL("CodeDirectory hash slots (%u special, %u code at offset %u) do not fit in it",
		     cd->n_special, cd->n_code, cd->hash_offset);
	if (!st_digest(cd->md_nid, cd->raw.data, cd->raw.len, cd->cdhash, &cd->cdhash_len))
		return ST_ENOMEM;
	return ST_OK;
}

const uint8_t *cs_codedir_special(const struct cs_codedir *cd, uint32_t i)
{
	return cd->raw.data + cd->hash_offset - (uint64_t)i * cd->hash_size;
}

const uint8_t *cs_codedir_code(const struct cs_codedir *cd, uint32_t k)
{
	return cd->raw.data + cd->hash_offset + (uint64_t)k * cd->hash_size;
}

uint64_t cs_codedir_page_size(const struct cs_codedir *cd)
{
	return cd->page_log2 ? (uint64_t)1 << cd->page_log2 : 0;
}

bool cs_hash(const struct cs_codedir *cd, const uint8_t *data, size_t len, uint8_t *out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!st_digest(cd->md_nid, data, len, md, &n) || n < cd->hash_size)
		return false;
	memcpy(out, md, cd->hash_size);
	return true;
}

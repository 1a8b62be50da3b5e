/* The embedded-signature SuperBlob (0xfade0cc0) and its index. */
#include <stdio.h>
#include <string.h>

#include "core/result.h"
#include "macho/macho_blobs.h"

int cs_superblob_parse(st_span sig, struct cs_superblob *sb, char *why, size_t whylen)
{
	uint32_t magic, length, count;
	st_span blob;

	memset(sb, 0, sizeof(*sb));
	if (!st_read_u32be(sig, 0, &magic) || !st_read_u32be(sig, 4, &length) ||
	    !st_read_u32be(sig, 8, &count)) {
		snprintf(why, whylen, "code signature is too short for a SuperBlob header");
		return ST_PARSE_MALFORMED;
	}
	if (magic != CSMAGIC_EMBEDDED_SIGNATURE) {
		snprintf(why, whylen, "code signature starts with 0x%08x, not a SuperBlob", magic);
		return ST_PARSE_MALFORMED;
	}
	if (!st_span_sub(sig, 0, length, &blob) || length < 12) {
		snprintf(why, whylen, "SuperBlob length %u does not fit the %zu-byte signature area",
			 length, sig.len);
		return ST_PARSE_MALFORMED;
	}
	sb->length = length;
	if (count > ST_LIMIT_SUPERBLOB_BLOBS) {
		snprintf(why, whylen, "SuperBlob indexes %u blobs (limit %d)", count,
			 ST_LIMIT_SUPERBLOB_BLOBS);
		return ST_PARSE_LIMIT;
	}
	if (!st_span_contains(blob, 12, (uint64_t)count * 8)) {
		snprintf(why, whylen, "SuperBlob index (%u entries) runs past its length", count);
		return ST_PARSE_MALFORMED;
	}
	for (uint32_t i = 0; i < count; i++) {
		struct cs_blob *b = &sb->blobs[i];
		uint32_t off, blen;

		(void)st_read_u32be(blob, 12 + 8 * (uint64_t)i, &b->type);
		(void)st_read_u32be(blob, 16 + 8 * (uint64_t)i, &off);
		for (uint32_t k = 0; k < i; k++) {
			if (sb->blobs[k].type == b->type) {
				snprintf(why, whylen, "SuperBlob indexes slot 0x%x twice", b->type);
				return ST_PARSE_MALFORMED;
			}
		}
		if (off < 12 + 8 * (uint64_t)count || !st_read_u32be(blob, off, &b->magic) ||
		    !st_read_u32be(blob, (uint64_t)off + 4, &blen) || blen < 8 ||
		    !st_span_sub(blob, off, blen, &b->data)) {
			snprintf(why, whylen, "blob for slot 0x%x (offset %u) does not fit the SuperBlob",
				 b->type, off);
			return ST_PARSE_MALFORMED;
		}
	}
	sb->n = count;
	return ST_OK;
}

const struct cs_blob *cs_superblob_find(const struct cs_superblob *sb, uint32_t type)
{
	for (size_t i = 0; i < sb->n; i++)
		if (sb->blobs[i].type == type)
			return &sb->blobs[i];
	return NULL;
}

/*
 * Apple disk images (UDIF, .dmg): the 512-byte "koly" trailer at the end
 * of the file says where the data fork, the XML resource plist and the
 * embedded code signature lie. The code signature is a SuperBlob like a
 * Mach-O's (lib/macho verifies it): its CodeDirectory hashes the image from
 * its first byte up to the signature (one code slot, page size 0 = one
 * page), and special slot 6 binds the trailer as it was signed (signature
 * length 0, signature offset = the end of the plist), so the layout cannot
 * change either. A notarization ticket may be stapled in slot 0x10002,
 * outside what the CodeDirectory binds.
 *
 * The trailer is at the end, so the first bytes cannot tell a disk image:
 * files named .dmg are read (st_format.extensions), and encrypted images
 * are told by their "encrcdsa" header. The volume inside is read through
 * the image's chunk table (dmg_volume.c) as a member.
 *
 * Written by hand: no Debian library reads UDIF trailers or their
 * signatures.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/format.h"
#include "dmg/dmg.h"
#include "core/result.h"
#include "macho/macho.h"

#define KOLY_SIZE 512

enum { DP_VERSION, DP_SECTORS, DP_DATA_LENGTH, DP_TICKET, DP_ENCRYPTED, DP_TICKET_CHECK, DP_COUNT };

static const st_property_decl dmg_properties[DP_COUNT] = {
	[DP_VERSION] = { "dmg.version", ST_PROPERTY_INT, ST_SCOPE_PART, "udif version", NULL, 0, NULL,
			 "the koly trailer's version (4)" },
	[DP_SECTORS] = { "dmg.sectors", ST_PROPERTY_INT, ST_SCOPE_PART, "sectors", NULL, 0, NULL,
			 "512-byte sectors of the image's volume, as the trailer says" },
	[DP_DATA_LENGTH] = { "dmg.data_fork_length", ST_PROPERTY_INT, ST_SCOPE_PART, "data fork",
			     NULL, 0, NULL, "bytes of the data fork (the compressed volume)" },
	[DP_TICKET] = { "dmg.notarization_ticket", ST_PROPERTY_BOOL, ST_SCOPE_PART, "stapled ticket",
			NULL, 0, NULL,
			"a notarization ticket is stapled in the signature (slot 0x10002)" },
	[DP_ENCRYPTED] = { "dmg.encrypted", ST_PROPERTY_BOOL, ST_SCOPE_PART, "encrypted", NULL, 0,
			   NULL, "an encrypted image (encrcdsa): nothing inside can be verified without its passphrase" },
	[DP_TICKET_CHECK] = { "dmg.notarization_ticket_check", ST_PROPERTY_STRING, ST_SCOPE_PART,
			      "ticket", NULL, 0, NULL,
			      "the stapled ticket: bound (Apple's, naming the image's CodeDirectory), other_code, bad_signature, untrusted or malformed (docs/bundles.md)" },
};

static const char *const dmg_extensions[] = { ".dmg", NULL };

struct koly {
	uint32_t version, header_size;
	uint64_t data_off, data_len, xml_off, xml_len, sig_off, sig_len, sectors;
	uint32_t data_ck_type, data_ck_bits;
	uint8_t data_ck[4];
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool parse_koly(const uint8_t *p, struct koly *k)
{
	if (memcmp(p, "koly", 4) != 0)
		return false;
	k->version = be32(p + 4);
	k->header_size = be32(p + 8);
	k->data_off = be64(p + 24);
	k->data_len = be64(p + 32);
	k->data_ck_type = be32(p + 80);
	k->data_ck_bits = be32(p + 84);
	memcpy(k->data_ck, p + 88, 4);
	k->xml_off = be64(p + 216);
	k->xml_len = be64(p + 224);
	k->sig_off = be64(p + 296);
	k->sig_len = be64(p + 304);
	k->sectors = be64(p + 492);
	return true;
}

static enum st_probe dmg_probe(st_span head, uint64_t size)
{
	return size >= 8 && head.len >= 8 && memcmp(head.data, "encrcdsa", 8) == 0 ? ST_PROBE_YES
										  : ST_PROBE_NO;
}

static int crc_update(void *arg, const uint8_t *p, size_t n)
{
	uLong *crc = arg;

	*crc = crc32(*crc, p, (uInt)n);
	return ST_OK;
}

/* The data fork against its CRC-32 in the trailer: a warning (a signed
 * image's code hash covers the same bytes; the checksum only says whether
 * the image is intact as written). */
static int check_data_fork(struct st_input *in, const struct koly *k, uint64_t end,
			   struct st_part *part)
{
	uLong crc = crc32(0, NULL, 0);
	uint32_t want = be32(k->data_ck);
	int rc;

	if (k->data_ck_type != 2 || k->data_ck_bits != 32 || want == 0)
		return ST_OK;
	if (k->data_off > end || k->data_len > end - k->data_off)
		return st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
				      "the data fork (%" PRIu64 " bytes at %" PRIu64 ") runs past the trailer",
				      k->data_len, k->data_off);
	rc = st_input_each(in, k->data_off, k->data_len, crc_update, &crc);
	if (rc)
		return rc;
	if ((uint32_t)crc != want)
		return st_reasons_add(&part->reasons, ST_R_DIGEST_MISMATCH, ST_VERDICT_VALID,
				      "the data fork's CRC-32 is %08lx, the trailer says %08x: the image is damaged or was changed",
				      (unsigned long)crc, want);
	return ST_OK;
}

static int verify_signature(struct st_walk *w, struct st_input *in, struct st_part *part,
			    const struct koly *k, const uint8_t *koly_bytes, uint64_t koly_at)
{
	struct macho_check *m;
	struct st_external_slots ext;
	const struct cs_blob *tb;
	uint8_t signed_koly[KOLY_SIZE];
	uint64_t plist_end = k->xml_off + k->xml_len;
	int rc;

	/* The trailer as it was hashed: no signature length, the signature
	 * offset where the plist ends (where the trailer was before). */
	memcpy(signed_koly, koly_bytes, KOLY_SIZE);
	memset(signed_koly + 304, 0, 8);
	for (int i = 0; i < 8; i++)
		signed_koly[296 + i] = (uint8_t)(plist_end >> (56 - 8 * i));
	memset(&ext, 0, sizeof(ext));
	ext.rep_specific = (struct st_external_file){ true, true, "the koly trailer",
						      st_span_make(signed_koly, KOLY_SIZE),
						      ST_R_SPECIAL_SLOT_MISMATCH };
	m = calloc(1, sizeof(*m));
	if (!m)
		return ST_ENOMEM;
	m->ctx = w->ctx;
	m->in = in;
	m->part = part;
	m->external = &ext;
	m->sig_off = k->sig_off;
	m->sig_size = k->sig_len;
	m->sig_end = koly_at;
	snprintf(m->what, sizeof(m->what), "disk image");
	m->idx = st_part_add_signature(part);
	if (m->idx < 0) {
		free(m);
		return ST_ENOMEM;
	}
	MSIG(m)->verification_time = w->ctx->at;
	rc = macho_verify_signature(m);
	if (rc == ST_OK && (tb = cs_superblob_find(&m->sb, 0x10002u))) {
		/* The ticket in a BlobWrapper (0xfade0b01, length, bytes),
		 * bound to the image's own CodeDirectory. */
		struct macho_ticket_hash want[ST_LIMIT_CODE_DIRECTORIES];
		size_t n = macho_ticket_hashes_of_check(m, want, ST_LIMIT_CODE_DIRECTORIES);
		st_span tk = tb->data.len > 8 ? st_span_make(tb->data.data + 8, tb->data.len - 8) : st_span_make(NULL, 0);

		rc = st_props_set_int(&part->props, &dmg_properties[DP_TICKET], 1);
		if (rc == ST_OK)
			rc = macho_ticket_report(w->ctx, tk, want, n, &part->props, &dmg_properties[DP_TICKET_CHECK],
						 &part->reasons);
	}
	free(m);
	return rc;
}

static int dmg_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	st_span head, t;
	struct koly k;
	uint64_t koly_at;
	int rc;

	if ((rc = st_input_view(in, 0, in->size < 8 ? in->size : 8, &head)) < 0)
		return rc;
	part->format = "dmg";
	part->policy = ST_POLICY_ALL_HOLD;
	if (rc == ST_OK && head.len >= 8 && memcmp(head.data, "encrcdsa", 8) == 0) {
		part->subformat = "encrypted";
		if ((rc = st_props_set_int(&part->props, &dmg_properties[DP_ENCRYPTED], 1)))
			return rc;
		st_part_finish(part);
		return ST_OK;
	}
	if (in->size < KOLY_SIZE)
		return st_part_not_executable(part);
	koly_at = in->size - KOLY_SIZE;
	if ((rc = st_input_view(in, koly_at, KOLY_SIZE, &t)))
		return rc < 0 ? rc : ST_EIO;
	if (!parse_koly(t.data, &k)) {
		/* A raw image named .dmg (hdiutil's UDTO, a dd copy): the
		 * disk-image format reads it when its first bytes are a
		 * volume's. */
		st_span h;
		if ((rc = st_input_view(in, 0, in->size < ST_PROBE_LEN ? in->size : ST_PROBE_LEN, &h)) < 0)
			return rc;
		if (rc == ST_OK && st_format_image.probe(h, in->size) != ST_PROBE_NO)
			return st_format_image.verify(w, in, part);
		return st_part_not_executable(part);
	}
	part->subformat = "udif";
	if (st_props_set_int(&part->props, &dmg_properties[DP_VERSION], k.version) ||
	    st_props_set_int(&part->props, &dmg_properties[DP_SECTORS], (int64_t)(k.sectors & INT64_MAX)) ||
	    st_props_set_int(&part->props, &dmg_properties[DP_DATA_LENGTH], (int64_t)(k.data_len & INT64_MAX)))
		return ST_ENOMEM;
	if (k.version != 4 || k.header_size != KOLY_SIZE) {
		part->signed_structure = k.sig_len != 0;
		rc = st_reasons_add(&part->reasons, k.sig_len ? ST_R_MALFORMED_SIGNATURE : ST_R_MALFORMED_CONTAINER,
				    ST_EFFECT_DEFAULT, "a koly trailer of version %u, size %u (not 4, 512)",
				    k.version, k.header_size);
		if (rc == ST_OK)
			st_part_finish(part);
		return rc;
	}
	if ((rc = check_data_fork(in, &k, koly_at, part)))
		return rc;
	if (k.sig_len) {
		part->signed_structure = true;
		if (k.sig_off > koly_at || k.sig_len > koly_at - k.sig_off ||
		    k.xml_off > k.sig_off || k.xml_len > k.sig_off - k.xml_off) {
			rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
					    "the code signature (%" PRIu64 " bytes at %" PRIu64 ") is not between the plist and the trailer",
					    k.sig_len, k.sig_off);
			if (rc == ST_OK)
				st_part_finish(part);
			return rc;
		}
		if ((rc = verify_signature(w, in, part, &k, t.data, koly_at)))
			return rc;
	}
	if ((rc = dmg_volume(w, in, part, k.data_off, k.data_len, k.xml_off, k.xml_len)))
		return rc;
	st_part_finish(part);
	return ST_OK;
}

const struct st_format st_format_dmg = {
	.name = "dmg",
	.description = "Apple disk images (UDIF .dmg): the embedded code signature over the image and its trailer",
	.probe = dmg_probe,
	.verify = dmg_verify,
	.properties = dmg_properties,
	.nproperties = DP_COUNT,
	.extensions = dmg_extensions,
	.name_first = true,
};

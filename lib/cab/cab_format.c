/*
 * Cabinet files (.cab, MS-CAB): the Authenticode signature whose place the
 * cabinet header's reserved area records. No library verifies it; the
 * layout (MS-CAB, and Authenticode's use of the reserve) is written here:
 *
 *   30 flags (0x0004 RESERVE_PRESENT), 36 cbCFHeader u16 (20), cbCFFolder
 *   u8, cbCFData u8; 40 the reserve: u32 0x00100000, u32 signature offset,
 *   u32 signature size, 8 zero bytes. The PKCS#7 is appended after the
 *   cabinet.
 *   Hashed: bytes 0..3, 8..33, and from 56 to the signature: the header
 *   without reserved1, iCabinet, the reserve sizes and the first 16 bytes
 *   of the reserve (where the signature's place is written), then the
 *   previous/next cabinet names, the folders, files and data.
 */
#include <stdbool.h>
#include <string.h>

#include "authenticode/authenticode.h"
#include "cab/cab.h"
#include "core/format.h"
#include "core/limits.h"
#include "x509/chain.h"

#define OID_SPC_CAB_DATA "1.3.6.1.4.1.311.2.1.25"
#define CAB_RESERVE_PRESENT 0x0004
#define CAB_SIG_MAGIC 0x00100000u

enum { CP_FOLDERS, CP_FILES, CP_COUNT };

static const st_property_decl cab_properties[CP_COUNT] = {
	[CP_FOLDERS] = { "cab.folders", ST_PROPERTY_INT, ST_SCOPE_PART, "folders", NULL, 0, NULL,
			 "cFolders of the cabinet header" },
	[CP_FILES] = { "cab.files", ST_PROPERTY_INT, ST_SCOPE_PART, "files", NULL, 0, NULL,
		       "cFiles of the cabinet header" },
};

static enum st_probe cab_probe(st_span head, uint64_t size)
{
	uint32_t magic, cb;

	(void)size;
	if (!st_read_u32le(head, 0, &magic) || magic != 0x4643534du /* "MSCF" */ ||
	    !st_read_u32le(head, 8, &cb) || head.len < 36 || head.data[25] != 1)
		return ST_PROBE_NO;
	return ST_PROBE_YES;
}

struct cab_subject {
	struct st_input *in;
	struct st_range ranges[3];
};

static int cab_digest(void *arg, int nid, uint8_t *out, unsigned *outlen, st_reasons *rs)
{
	struct cab_subject *cs = arg;
	struct st_hash_out h = { .nid = nid };
	int rc;

	(void)rs;
	rc = st_hash_pass(cs->in, cs->ranges, 3, &h, 1);
	if (rc)
		return rc;
	memcpy(out, h.md, h.len);
	*outlen = h.len;
	return ST_OK;
}

static int cab_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct cab_subject cs = { .in = in };
	struct ac_subject subj = {
		.indirect_type = OID_SPC_CAB_DATA,
		.type_name = "cabinet",
		.digest = cab_digest,
		.arg = &cs,
		.policy = &st_policy_windows,
	};
	uint16_t folders, files, flags, cbhdr;
	uint32_t magic, sigoff, siglen;
	st_span h, sig;
	int rc;

	part->format = "cab";
	part->subformat = "cab";
	part->policy = ST_POLICY_ANY_VALID;
	rc = st_input_view(in, 0, in->size < 60 ? in->size : 60, &h);
	if (rc < 0)
		return rc;
	if (rc > 0 || h.len < 36 || !st_read_u16le(h, 26, &folders) ||
	    !st_read_u16le(h, 28, &files) || !st_read_u16le(h, 30, &flags)) {
		rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_SIGNATURE, ST_VERDICT_MALFORMED,
				    "the cabinet header is truncated");
		part->signed_structure = true;
		st_part_finish(part);
		return rc;
	}
	if ((rc = st_props_set_int(&part->props, &cab_properties[CP_FOLDERS], folders)) ||
	    (rc = st_props_set_int(&part->props, &cab_properties[CP_FILES], files)))
		return rc;
	/* Unsigned: no reserve, or a reserve that is not Authenticode's. */
	if (!(flags & CAB_RESERVE_PRESENT) || !st_read_u16le(h, 36, &cbhdr) || cbhdr < 20 ||
	    !st_read_u32le(h, 40, &magic) || magic != CAB_SIG_MAGIC) {
		rc = cab_walk_members(w, in, part);
		st_part_finish(part);
		return rc;
	}
	part->signed_structure = true;
	(void)st_read_u32le(h, 44, &sigoff);
	(void)st_read_u32le(h, 48, &siglen);
	if (sigoff < 60 || (uint64_t)sigoff + siglen > in->size || siglen == 0) {
		rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
				    "the reserve places the signature at %u (%u bytes), outside the "
				    "%llu-byte file", sigoff, siglen, (unsigned long long)in->size);
		st_part_finish(part);
		return rc;
	}
	cs.ranges[0] = (struct st_range){ 0, 4 };
	cs.ranges[1] = (struct st_range){ 8, 26 };
	cs.ranges[2] = (struct st_range){ 56, sigoff - 56 };
	rc = st_input_view(in, sigoff, siglen, &sig);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		rc = st_reasons_add(&part->reasons, st_parse_reason(rc, ST_R_MALFORMED_SIGNATURE),
				    ST_EFFECT_DEFAULT, "the signature cannot be read");
		st_part_finish(part);
		return rc;
	}
	/* osslsigncode and signtool pad the PKCS#7 with zeros to 8 bytes
	 * inside the recorded size: padding, not content. */
	{
		size_t der = st_der_sequence_length(sig, NULL);
		bool zeros = der > 0 && der <= sig.len && sig.len - der < 8;
		for (size_t i = der; zeros && i < sig.len; i++)
			zeros = sig.data[i] == 0;
		if (zeros)
			sig.len = der;
	}
	rc = ac_verify(w->ctx, &subj, sig, part, 0);
	/* The signature ends the file: bytes after it are covered by no
	 * digest. */
	if (rc == ST_OK && (uint64_t)sigoff + siglen < in->size)
		rc = st_reasons_add(&part->reasons, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT,
				    "%llu bytes follow the signature; no digest covers them",
				    (unsigned long long)(in->size - sigoff - siglen));
	if (rc == ST_OK)
		rc = cab_walk_members(w, in, part);
	if (rc == ST_OK)
		st_part_finish(part);
	return rc;
}

const struct st_format st_format_cab = {
	.name = "cab",
	.description = "Cabinet files (.cab): Authenticode in the header's reserve",
	.probe = cab_probe,
	.verify = cab_verify,
	.properties = cab_properties,
	.nproperties = CP_COUNT,
};

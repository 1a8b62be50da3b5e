/*
 * A notarization ticket stapled to a flat package: trailers appended
 * after the archive, read from the end of the file backwards, as macOS's
 * stapler writes them (layout confirmed on Dynamsoft's
 * DynamicWebTWAINServiceSetup.pkg, npm dwt 19.3.3):
 *
 *   [xar][trailer: terminator][ticket][trailer: ticket]
 *
 * each trailer 16 bytes, little-endian: "t8lr", u16 version (1), u16 type
 * (1 terminator, 2 ticket), u32 length of what precedes it, 4 reserved.
 * Unknown types are skipped; a terminator ends the search. The ticket
 * names a package by the checksum of its table of contents (the real
 * package: its SHA-1 with Apple's hash type 1; SHA-256 checksums are
 * taken as type 2, which no real sample has confirmed), checked by
 * lib/macho/macho_ticket.c.
 */
#include <string.h>

#include <openssl/evp.h>

#include "core/limits.h"
#include "core/reader.h"
#include "macho/macho.h"
#include "xar/xar.h"

#define TRAILER 16
#define TRAILERS 16

int xar_check_ticket(struct st_walk *w, struct st_input *in, const struct xar *x, struct st_part *part,
		     const st_property_decl *present, const st_property_decl *state)
{
	uint64_t end = in->size;
	st_span t, tk, toc;
	int rc;

	for (int i = 0; i < TRAILERS && end >= x->heap + TRAILER; i++) {
		uint16_t version, type;
		uint32_t len;

		if ((rc = st_input_view(in, end - TRAILER, TRAILER, &t)))
			return rc < 0 ? rc : ST_EIO;
		if (memcmp(t.data, "t8lr", 4) != 0 || !st_read_u16le(t, 4, &version) || !st_read_u16le(t, 6, &type) ||
		    !st_read_u32le(t, 8, &len) || type == 1)
			return ST_OK;
		if (len > end - TRAILER - x->heap)
			return st_reasons_add(&part->reasons, ST_R_MALFORMED_PACKAGE, ST_VERDICT_VALID,
					      "a trailer after the archive claims %u bytes, more than precede it", len);
		if (type == 2)
			break;
		end -= TRAILER + (uint64_t)len;
		if (i == TRAILERS - 1)
			return ST_OK;
	}
	if (end < x->heap + TRAILER || memcmp(t.data, "t8lr", 4) != 0)
		return ST_OK;
	{
		uint32_t len;
		uint8_t h[EVP_MAX_MD_SIZE];
		unsigned hl = 0;
		const EVP_MD *md = xar_md(x->toc_style);
		struct macho_ticket_hash want = { 0 };
		size_t nwant = 0;

		(void)st_read_u32le(t, 8, &len);
		if ((rc = st_props_set_int(&part->props, present, 1)))
			return rc;
		if (len > ST_LIMIT_TICKET_BYTES)
			return st_reasons_add(&part->reasons, ST_R_TICKET_MISMATCH, ST_EFFECT_DEFAULT,
					      "stapled notarization ticket: %u bytes, more than sigtrace reads", len);
		if ((rc = st_input_view(in, end - TRAILER - len, len, &tk)) ||
		    (rc = st_input_view(in, x->header_size, x->toc_clen, &toc)))
			return rc < 0 ? rc : ST_EIO;
		/* The package's hash: its table of contents' checksum, as
		 * computed (a changed TOC fails the signature already). */
		if (md && EVP_Digest(toc.data, toc.len, h, &hl, md, NULL) && hl >= 20 &&
		    (EVP_MD_type(md) == NID_sha1 || EVP_MD_type(md) == NID_sha256)) {
			want.type = EVP_MD_type(md) == NID_sha1 ? 1 : 2;
			memcpy(want.hash, h, 20);
			nwant = 1;
		}
		return macho_ticket_report(w->ctx, tk, &want, nwant, &part->props, state, &part->reasons);
	}
}

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

/* The stapled ticket's place, searched from the end of the file: *found
 * false when there is none (no trailer, or a terminator first). */
static int find_ticket(struct st_input *in, const struct xar *x, struct st_part *part, uint64_t *at,
		       uint32_t *len, bool *found)
{
	uint64_t end = in->size;

	*found = false;
	for (int i = 0; i < TRAILERS && end >= x->heap + TRAILER; i++) {
		uint16_t version, type;
		uint32_t l;
		st_span t;
		int rc;

		if ((rc = st_input_view(in, end - TRAILER, TRAILER, &t)))
			return rc < 0 ? rc : ST_EIO;
		if (memcmp(t.data, "t8lr", 4) != 0 || !st_read_u16le(t, 4, &version) || !st_read_u16le(t, 6, &type) ||
		    !st_read_u32le(t, 8, &l) || type == 1)
			return ST_OK;
		if (l > end - TRAILER - x->heap)
			return st_reasons_add(&part->reasons, ST_R_MALFORMED_PACKAGE, ST_VERDICT_VALID,
					      "a trailer after the archive claims %u bytes, more than precede it", l);
		end -= TRAILER;
		if (type == 2) {
			*at = end - l;
			*len = l;
			*found = true;
			return ST_OK;
		}
		end -= l;   /* a trailer of a type not known: skipped */
	}
	return ST_OK;
}

int xar_check_ticket(struct st_walk *w, struct st_input *in, const struct xar *x, struct st_part *part,
		     const st_property_decl *present, const st_property_decl *state)
{
	struct macho_ticket_hash want = { 0 };
	const EVP_MD *md = xar_md(x->toc_style);
	size_t nwant = 0;
	uint64_t at = 0;
	uint32_t len = 0;
	bool found;
	st_span tk;
	int rc;

	if ((rc = find_ticket(in, x, part, &at, &len, &found)) || !found)
		return rc;
	if ((rc = st_props_set_int(&part->props, present, 1)))
		return rc;
	if (len > ST_LIMIT_TICKET_BYTES)
		return st_reasons_add(&part->reasons, ST_R_TICKET_MISMATCH, ST_EFFECT_DEFAULT,
				      "stapled notarization ticket: %u bytes, more than sigtrace reads", len);
	if ((rc = st_input_view(in, at, len, &tk)))
		return rc < 0 ? rc : ST_EIO;
	/* The package's hash: its table of contents' checksum, as computed
	 * (a changed TOC fails the signature already). */
	if (md && x->toc_hash_len >= 20 && (EVP_MD_type(md) == NID_sha1 || EVP_MD_type(md) == NID_sha256)) {
		want.type = EVP_MD_type(md) == NID_sha1 ? 1 : 2;
		memcpy(want.hash, x->toc_hash, 20);
		nwant = 1;
	}
	return macho_ticket_report(w->ctx, tk, &want, nwant, &part->props, state, &part->reasons);
}

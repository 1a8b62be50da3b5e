/*
 * The files of a xar archive: each <data> names a heap range and the
 * checksum of its archived (possibly compressed) bytes. A file whose bytes
 * differ from its checksum was changed after the TOC was signed: the
 * installer refuses to extract it. Files stored as they are
 * (application/octet-stream, archived size = extracted size) whose first
 * bytes a format claims (a component package inside a product archive, a
 * Mach-O tool) become members, read in place; files stored compressed
 * whose decoded head a format claims are decoded (xar_decode.c), checked
 * against their extracted checksum and verified as members too.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "xar/xar.h"

#define NAMES 3

static int update(void *arg, const uint8_t *p, size_t n)
{
	return EVP_DigestUpdate(arg, p, n) ? ST_OK : ST_ENOMEM;
}

int xar_check_files(struct st_walk *w, struct st_input *in, const struct xar *x,
		    struct st_part *part, bool judge)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	char bad[3 * 120] = "", outside[3 * 120] = "", undecoded[3 * 120] = "";
	size_t nbad = 0, nout = 0, nmembers = 0, nundecoded = 0;
	int rc = ST_OK;

	if (!c)
		return ST_ENOMEM;
	for (size_t i = 0; i < x->nfiles && rc == ST_OK; i++) {
		const struct xar_file *f = &x->files[i];
		uint8_t h[EVP_MAX_MD_SIZE];
		unsigned hl = 0;
		const EVP_MD *md;

		if (!f->has_data)
			continue;
		if (f->offset > in->size - x->heap || f->size > in->size - x->heap - f->offset) {
			if (nout++ < NAMES && strlen(outside) + strlen(f->path) + 3 < sizeof(outside))
				snprintf(outside + strlen(outside), sizeof(outside) - strlen(outside), "%s%s",
					 *outside ? ", " : "", f->path);
			continue;
		}
		md = xar_md(f->cksum_style);
		if (judge && md && f->cksum_len == (size_t)EVP_MD_size(md)) {
			if (!EVP_DigestInit_ex(c, md, NULL)) {
				rc = ST_ENOMEM;
				break;
			}
			rc = st_input_each(in, x->heap + f->offset, f->size, update, c);
			if (rc)
				break;
			if (!EVP_DigestFinal_ex(c, h, &hl)) {
				rc = ST_ENOMEM;
				break;
			}
			if (memcmp(h, f->cksum, hl) != 0 && nbad++ < NAMES &&
			    strlen(bad) + strlen(f->path) + 3 < sizeof(bad))
				snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%s%s", *bad ? ", " : "",
					 f->path);
		}
		if (f->size == f->length && f->size > 0 &&
		    (!*f->encoding || strcmp(f->encoding, "application/octet-stream") == 0)) {
			st_span head;
			const struct st_format *fmt;

			rc = st_input_view(in, x->heap + f->offset, f->size < ST_PROBE_LEN ? f->size : ST_PROBE_LEN,
					   &head);
			if (rc)
				break;
			fmt = st_format_identify(w->ctx, head, f->size);
			if (fmt) {
				struct st_member m = { .kind = "member", .name = f->path,
						       .offset = x->heap + f->offset, .size = f->size };
				struct st_part *ch;
				nmembers++;
				rc = st_walk_member(w, in, part, &m, &ch);
			}
		} else if (f->size > 0 && xar_decodable(f)) {
			uint8_t *dec = NULL;
			const char *why = NULL;

			if ((rc = xar_decode_member(w, in, x, f, &dec, &why)))
				break;
			if (why && nundecoded++ < NAMES && strlen(undecoded) + strlen(f->path) + 3 < sizeof(undecoded))
				snprintf(undecoded + strlen(undecoded), sizeof(undecoded) - strlen(undecoded), "%s%s",
					 *undecoded ? ", " : "", f->path);
			if (dec) {
				/* The decoded bytes against the extracted checksum
				 * the signed table of contents gives too. */
				const EVP_MD *xmd = xar_md(f->xcksum_style);
				struct st_member m = { .kind = "member", .name = f->path, .data = dec, .size = f->length };
				struct st_part *ch;
				if (judge && xmd && f->xcksum_len == (size_t)EVP_MD_size(xmd) &&
				    (!EVP_Digest(dec, (size_t)f->length, h, &hl, xmd, NULL) ||
				     memcmp(h, f->xcksum, hl) != 0) &&
				    nbad++ < NAMES && strlen(bad) + strlen(f->path) + 3 < sizeof(bad))
					snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%s%s", *bad ? ", " : "",
						 f->path);
				nmembers++;
				rc = st_walk_member(w, in, part, &m, &ch);
				free(dec);
			}
		}
	}
	EVP_MD_CTX_free(c);
	if (rc > 0)
		rc = ST_EIO;
	if (rc)
		return rc;
	if (nbad)
		ST_ADD(&part->reasons, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT,
		       "%zu file%s differ from the checksum the signed table of contents gives: %s%s",
		       nbad, nbad == 1 ? "" : "s", bad, nbad > NAMES ? ", ..." : "");
	if (nundecoded)
		ST_ADD(&part->reasons, ST_R_MALFORMED_PACKAGE, ST_VERDICT_VALID,
		       "%zu compressed file%s cannot be decoded (not verified): %s%s", nundecoded,
		       nundecoded == 1 ? "" : "s", undecoded, nundecoded > NAMES ? ", ..." : "");
	if (nout)
		ST_ADD(&part->reasons, ST_R_MALFORMED_PACKAGE, ST_EFFECT_DEFAULT,
		       "%zu file%s lie outside the archive: %s%s", nout, nout == 1 ? "" : "s", outside,
		       nout > NAMES ? ", ..." : "");
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

/*
 * Code page hashes: slot k of a CodeDirectory is the hash of bytes
 * [k * pageSize, min((k+1) * pageSize, codeLimit)) of the slice; pageSize 0
 * means one page up to codeLimit. Every page is checked and the first that
 * differs is named. Pages are read through the input's window; a page
 * larger than the window (page sizes reach 2^24) is hashed in pieces.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/obj_mac.h>

#include "core/digest.h"
#include "core/sha256_lanes.h"
#include "macho/macho.h"

/* Two consecutive SHA-256 pages at once, as two interleaved streams
 * (core/sha256_lanes.h): pages of one window, hashed side by side. */
static int hash_two_pages(struct macho_check *m, const struct cs_codedir *cd, uint64_t off,
			  uint64_t len0, uint64_t len1, uint8_t *h0, uint8_t *h1)
{
	struct st_sha256 a, b;
	uint8_t f0[32], f1[32];
	st_span w;
	int rc;

	if ((rc = st_input_window(m->in, off, len0 + len1, &w)))
		return rc < 0 ? rc : ST_EIO;
	st_sha256_init(&a);
	st_sha256_init(&b);
	st_sha256_update2(&a, w.data, len0, &b, w.data + len0, len1);
	st_sha256_final(&a, f0);
	st_sha256_final(&b, f1);
	/* Type 3 is SHA-256 truncated to the slot size. */
	memcpy(h0, f0, cd->hash_size);
	memcpy(h1, f1, cd->hash_size);
	return ST_OK;
}

/* The hash of [off, off+len) of the slice with cd's hash type into h. */
static int hash_page(struct macho_check *m, const struct cs_codedir *cd, EVP_MD_CTX *mctx,
		     uint64_t off, uint64_t len, uint8_t *h)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	st_span w;
	int rc;

	if (len <= ST_INPUT_WINDOW) {
		if ((rc = st_input_window(m->in, off, len, &w)))
			return rc < 0 ? rc : ST_EIO;
		return cs_hash(cd, w.data, w.len, h) ? ST_OK : ST_ENOMEM;
	}
	if (!EVP_DigestInit_ex(mctx, st_md_get(cd->md_nid), NULL))
		return ST_ENOMEM;
	for (uint64_t pos = off, end = off + len; pos < end;) {
		uint64_t k = end - pos < ST_INPUT_WINDOW ? end - pos : ST_INPUT_WINDOW;
		if ((rc = st_input_window(m->in, pos, k, &w)))
			return rc < 0 ? rc : ST_EIO;
		if (!EVP_DigestUpdate(mctx, w.data, w.len))
			return ST_ENOMEM;
		pos += k;
	}
	if (!EVP_DigestFinal_ex(mctx, full, &n))
		return ST_ENOMEM;
	/* Type 3 is SHA-256 truncated to the slot size. */
	memcpy(h, full, cd->hash_size);
	return ST_OK;
}

int macho_check_pages(struct macho_check *m, const struct cs_codedir *cd)
{
	st_signature *sig = MSIG(m);
	uint64_t ps = cs_codedir_page_size(cd), limit = cd->code_limit, need, n;
	uint64_t bad = 0, first = 0;
	uint8_t h[EVP_MAX_MD_SIZE], h2[EVP_MAX_MD_SIZE];
	bool lanes = cd->md_nid == NID_sha256 && ps && 2 * ps <= ST_INPUT_WINDOW &&
		     st_sha256_lanes_available();
	EVP_MD_CTX *mctx = NULL;
	int rc = ST_OK;

	if (limit > m->in->size) {
		ST_ADD(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		       "%s: codeLimit %" PRIu64 " lies beyond the slice (%" PRIu64 " bytes)",
		       m->what, limit, m->in->size);
		return ST_OK;
	}
	need = ps ? limit / ps + (limit % ps != 0) : (limit != 0);
	if (need != cd->n_code)
		ST_ADD(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
		       "%s: %s CodeDirectory has %u code slots, codeLimit %" PRIu64
		       " needs %" PRIu64, m->what, cd->hash_name, cd->n_code, limit, need);
	n = need < cd->n_code ? need : cd->n_code;
	if (!(mctx = EVP_MD_CTX_new()))
		goto enomem;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t off = ps ? k * ps : 0;
		uint64_t len = ps ? (limit - off < ps ? limit - off : ps) : limit;

		if (lanes && k + 1 < n) {
			uint64_t len1 = limit - (off + len) < ps ? limit - (off + len) : ps;
			if ((rc = hash_two_pages(m, cd, off, len, len1, h, h2)))
				goto out;
			if (memcmp(h, cs_codedir_code(cd, (uint32_t)k), cd->hash_size) != 0) {
				if (!bad)
					first = k;
				bad++;
			}
			k++;
			memcpy(h, h2, cd->hash_size);
		} else if ((rc = hash_page(m, cd, mctx, off, len, h))) {
			goto out;
		}
		if (memcmp(h, cs_codedir_code(cd, (uint32_t)k), cd->hash_size) != 0) {
			if (!bad)
				first = k;
			bad++;
		}
	}
	if (bad) {
		uint64_t off = ps ? first * ps : 0;
		uint64_t end = ps ? (off + ps < limit ? off + ps : limit) : limit;
		char more[48] = "";

		if (bad > 1)
			snprintf(more, sizeof(more), " (%" PRIu64 " pages differ)", bad);
		ST_ADD(&sig->reasons, ST_R_PAGE_HASH_MISMATCH, ST_EFFECT_DEFAULT,
		       "%s: code page %" PRIu64 " (slice bytes %" PRIu64 "..%" PRIu64
		       ") differs from its %s hash in the CodeDirectory%s",
		       m->what, first, off, end - 1, cd->hash_name, more);
	}
	goto out;
enomem:
	rc = ST_ENOMEM;
out:
	EVP_MD_CTX_free(mctx);
	return rc;
}

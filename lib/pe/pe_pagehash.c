/*
 * Page hashes (SpcPeImageData moniker, 1.3.6.1.4.1.311.2.3.1 SHA-1 and
 * .2 SHA-256): a table of (file offset, hash) pairs, one per 4 KiB page of
 * the headers and of each section's raw data, ending with an entry at the
 * end of the last section and an all-zero hash. The header page omits the
 * CheckSum field and the security directory entry like the file digest does;
 * every page is zero-padded to 4 KiB. Windows checks them as pages are
 * loaded; sigtrace recomputes the whole table and names the first page
 * that differs.
 */
#include "pe/pe_pagehash.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "authenticode/spc.h"
#include "core/limits.h"

#define PAGE_SIZE 4096u

static const uint8_t zero_page[PAGE_SIZE];

struct page_ctx {
	const struct pe_image *img;
	const EVP_MD *md;
	size_t hlen;
	const uint8_t *table;
	size_t entries, next;       /* entries in the table, next to compare */
	size_t mismatches, first_bad;
	uint64_t first_bad_off;
	bool layout_bad;            /* offsets or count differ */
	EVP_MD_CTX *mctx;
};

static uint32_t entry_off(const struct page_ctx *pc, size_t i)
{
	const uint8_t *e = pc->table + i * (4 + pc->hlen);
	return (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
	       (uint32_t)e[3] << 24;
}

/* Compares one computed page (offset, hash) with the next table entry. */
static void compare(struct page_ctx *pc, uint64_t off, const uint8_t *h)
{
	size_t i = pc->next++;

	if (i >= pc->entries) {
		pc->layout_bad = true;
		return;
	}
	if (entry_off(pc, i) != off) {
		pc->layout_bad = true;
	} else if (memcmp(pc->table + i * (4 + pc->hlen) + 4, h, pc->hlen) != 0) {
		if (pc->mismatches++ == 0) {
			pc->first_bad = i;
			pc->first_bad_off = off;
		}
	}
}

/* Hashes the parts followed by `pad` zero bytes and compares the result. */
static bool hash_page(struct page_ctx *pc, const st_span *parts, size_t nparts,
		      size_t pad, uint64_t off)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hl;

	if (!EVP_DigestInit_ex(pc->mctx, pc->md, NULL))
		return false;
	for (size_t i = 0; i < nparts; i++)
		EVP_DigestUpdate(pc->mctx, parts[i].data, parts[i].len);
	if (pad)
		EVP_DigestUpdate(pc->mctx, zero_page, pad);
	if (!EVP_DigestFinal_ex(pc->mctx, h, &hl))
		return false;
	compare(pc, off, h);
	return true;
}

int pe_page_hashes_check(const struct pe_image *img, int nid,
			 const uint8_t *table, size_t len, st_reasons *rs)
{
	struct page_ctx pc = { .img = img };
	uint16_t *order = NULL;
	size_t nord = 0;
	uint64_t last_end = 0;
	int rc = ST_OK;

	pc.md = st_md_get(nid == NID_sha1 ? NID_sha1 : NID_sha256);
	pc.hlen = (size_t)EVP_MD_get_size(pc.md);
	pc.table = table;
	if (len % (4 + pc.hlen) != 0 || len == 0) {
		return st_reasons_add(rs, ST_R_PAGE_HASH_MISMATCH, ST_EFFECT_DEFAULT,
				      "page-hash table length %zu is not a multiple of %zu",
				      len, 4 + pc.hlen);
	}
	pc.entries = len / (4 + pc.hlen);
	if (pc.entries > ST_LIMIT_PAGE_HASHES)
		return st_reasons_add(rs, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				      "page-hash table has %zu entries, more than %llu",
				      pc.entries, (unsigned long long)ST_LIMIT_PAGE_HASHES);
	pc.mctx = EVP_MD_CTX_new();
	if (!pc.mctx || !pe_sections_by_offset(img, &order, &nord)) {
		EVP_MD_CTX_free(pc.mctx);
		return ST_ENOMEM;
	}
	/* Header page: the same exclusions as the file digest. The caller
	 * only gets here after the file digest was computable, so the header
	 * ranges are known to be in order and inside the file. */
	{
		uint64_t cs = img->checksum_off, sd = img->secdir_entry_off;
		uint64_t hdr = pe_header_end(img);
		st_span parts[3], h;
		size_t np = 0;
		int vr = img->has_secdir_entry && hdr >= sd + 8 && hdr <= img->size
				 ? st_input_view(img->in, 0, hdr, &h) : ST_PARSE_MALFORMED;

		if (vr < 0) {
			rc = vr;
			goto out;
		}
		if (vr == ST_OK) {
			(void)st_span_sub(h, 0, cs, &parts[np++]);
			(void)st_span_sub(h, cs + 4, sd - (cs + 4), &parts[np++]);
			(void)st_span_sub(h, sd + 8, hdr - (sd + 8), &parts[np++]);
			/* Padding is counted from SizeOfHeaders, not from the
			 * bytes hashed: the 12 excluded bytes are not padded. */
			if (!hash_page(&pc, parts, np,
				       hdr < PAGE_SIZE ? PAGE_SIZE - (size_t)hdr : 0, 0)) {
				rc = ST_ENOMEM;
				goto out;
			}
		} else {
			pc.layout_bad = true;
		}
	}
	for (size_t k = 0; k < nord; k++) {
		const struct pe_section *s = &img->sections[order[k]];
		for (uint64_t ro = 0; ro < s->raw_size; ro += PAGE_SIZE) {
			uint64_t n = s->raw_size - ro < PAGE_SIZE ? s->raw_size - ro : PAGE_SIZE;
			st_span part;
			int wr = st_input_window(img->in, (uint64_t)s->raw_ptr + ro, n, &part);

			if (wr < 0) {
				rc = wr;
				goto out;
			}
			if (wr) {
				pc.layout_bad = true;
				break;
			}
			if (!hash_page(&pc, &part, 1, PAGE_SIZE - (size_t)n,
				       (uint64_t)s->raw_ptr + ro)) {
				rc = ST_ENOMEM;
				goto out;
			}
		}
		last_end = (uint64_t)s->raw_ptr + s->raw_size;
	}
	{
		uint8_t zero[EVP_MAX_MD_SIZE] = { 0 };
		compare(&pc, last_end, zero);
	}
	if (pc.next != pc.entries)
		pc.layout_bad = true;
	if (pc.layout_bad)
		rc = st_reasons_add(rs, ST_R_PAGE_HASH_MISMATCH, ST_EFFECT_DEFAULT,
				    "page-hash table (%zu entries) does not describe this file's %zu pages",
				    pc.entries, pc.next);
	else if (pc.mismatches)
		rc = st_reasons_add(rs, ST_R_PAGE_HASH_MISMATCH, ST_EFFECT_DEFAULT,
				    "%zu of %zu pages differ; first: page %zu at file offset 0x%llx",
				    pc.mismatches, pc.entries - 1, pc.first_bad,
				    (unsigned long long)pc.first_bad_off);
out:
	free(order);
	EVP_MD_CTX_free(pc.mctx);
	return rc;
}

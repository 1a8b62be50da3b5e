#include "core/hash_pass.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/result.h"

#define CHUNK (1u << 18)

static bool monotonic(const struct st_range *r, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (r[i].off < r[i - 1].off + r[i - 1].len)
			return false;
	return true;
}

static bool update_all(EVP_MD_CTX *const *mds, size_t nmds, const uint8_t *p, size_t len)
{
	for (size_t k = 0; k < nmds; k++)
		if (!EVP_DigestUpdate(mds[k], p, len))
			return false;
	return true;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* Mapped files: map a chunk's pages in one call before hashing it (instead
 * of a fault every few pages), and drop what was hashed from the resident
 * set after, so memory stays flat however large the file. The pages stay
 * in the page cache; a later read faults them back in. */
static void populate(const struct st_input *in, uint64_t pos, uint64_t end, bool drop)
{
	static long page;
	uintptr_t base = (uintptr_t)in->file.data, a, b;

	if (!page)
		page = sysconf(_SC_PAGESIZE);
	a = (base + (uintptr_t)pos) & ~(uintptr_t)(page - 1);
	b = (base + (uintptr_t)end) & ~(uintptr_t)(page - 1);
	if (b > a)
		(void)madvise((void *)a, b - a, drop ? MADV_DONTNEED : MADV_POPULATE_READ);
}

/* off + len, capped at the end of the file. */
static uint64_t clamp_end(const struct st_input *in, uint64_t off, uint64_t len)
{
	return len > in->file.len - off ? in->file.len : off + len;
}

/* The extra page makes populate() cover the page the range ends in. */
void st_input_prefetch(const struct st_input *in, uint64_t off, uint64_t len)
{
	if (in->mapped && off <= in->file.len)
		populate(in, off, clamp_end(in, off, len > UINT64_MAX - 4095 ? len : len + 4095), false);
}

void st_input_release(const struct st_input *in, uint64_t off, uint64_t len)
{
	if (in->mapped && off <= in->file.len)
		populate(in, off, clamp_end(in, off, len), true);
}

int st_hash_pass(struct st_input *in, const struct st_range *ranges,
		 size_t nranges, EVP_MD_CTX *const *mds, size_t nmds)
{
	const uint8_t *d = in->file.data;
	uint64_t size = in->file.len;
	EVP_MD_CTX *fctx = NULL;
	size_t ri = 0;
	int rc = ST_OK;

	if (!monotonic(ranges, nranges)) {
		/* Overlapping or out-of-order sections: hash the ranges in
		 * their own order, from memory. */
		for (size_t i = 0; i < nranges; i++)
			if (!update_all(mds, nmds, d + ranges[i].off, (size_t)ranges[i].len))
				return ST_ENOMEM;
		nranges = 0;
	}
	if (!in->sha256_done) {
		fctx = EVP_MD_CTX_new();
		if (!fctx || !EVP_DigestInit_ex(fctx, st_md_sha256(), NULL)) {
			EVP_MD_CTX_free(fctx);
			return ST_ENOMEM;
		}
	} else if (nranges == 0) {
		return ST_OK;
	}
	for (uint64_t pos = 0; rc == ST_OK && pos < size;) {
		uint64_t end = size - pos > CHUNK ? pos + CHUNK : size;
		const uint8_t *c = NULL;

		/* Chunks no range touches are read only for the file hash. */
		if (fctx || (ri < nranges && ranges[ri].off < end)) {
			st_input_prefetch(in, pos, end - pos);
			c = d + pos;
		}
		if (fctx && !EVP_DigestUpdate(fctx, c, (size_t)(end - pos)))
			rc = ST_ENOMEM;
		while (rc == ST_OK && ri < nranges && ranges[ri].off < end) {
			uint64_t rs = ranges[ri].off, re = rs + ranges[ri].len;
			uint64_t a = rs > pos ? rs : pos, b = re < end ? re : end;

			if (b > a && !update_all(mds, nmds, c + (a - pos), (size_t)(b - a)))
				rc = ST_ENOMEM;
			if (re <= end)
				ri++;
			else
				break;
		}
		st_input_release(in, pos, end - pos);
		pos = end;
	}
	if (fctx) {
		unsigned len = 0;
		if (rc == ST_OK && EVP_DigestFinal_ex(fctx, in->sha256, &len) && len == 32)
			in->sha256_done = true;
		EVP_MD_CTX_free(fctx);
	}
	return rc;
}

#include "core/hash_pass.h"

#include <sys/mman.h>
#include <unistd.h>

#define CHUNK (1u << 20)

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

/* Pages already hashed are dropped from the process's resident set, so
 * memory stays flat however large the file (they stay in the page cache;
 * a later read faults them back in). */
static void release(const struct st_input *in, uint64_t upto)
{
	static long page;
	uintptr_t start, end;

	if (!in->mapped)
		return;
	if (!page)
		page = sysconf(_SC_PAGESIZE);
	start = (uintptr_t)in->file.data;
	end = (start + (uintptr_t)upto) & ~(uintptr_t)(page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_DONTNEED);
}

bool st_hash_pass(struct st_input *in, const struct st_range *ranges,
		  size_t nranges, EVP_MD_CTX *const *mds, size_t nmds)
{
	const uint8_t *d = in->file.data;
	uint64_t size = in->file.len;
	bool want_file = !in->sha256_done;
	bool together = monotonic(ranges, nranges);
	EVP_MD_CTX *fctx = NULL;
	size_t ri = 0;
	bool ok = true;

	if (!together) {
		for (size_t i = 0; i < nranges && ok; i++)
			ok = update_all(mds, nmds, d + ranges[i].off, (size_t)ranges[i].len);
		nranges = 0;
	}
	if (want_file) {
		fctx = EVP_MD_CTX_new();
		if (!fctx || !EVP_DigestInit_ex(fctx, EVP_sha256(), NULL)) {
			EVP_MD_CTX_free(fctx);
			return false;
		}
	} else if (nranges == 0) {
		return ok;
	}
	for (uint64_t pos = 0; ok && pos < size;) {
		uint64_t end = size - pos > CHUNK ? pos + CHUNK : size;

		if (fctx)
			ok = EVP_DigestUpdate(fctx, d + pos, (size_t)(end - pos));
		/* The parts of the ranges inside [pos, end). */
		while (ok && ri < nranges && ranges[ri].off < end) {
			uint64_t rs = ranges[ri].off, re = rs + ranges[ri].len;
			uint64_t a = rs > pos ? rs : pos, b = re < end ? re : end;

			if (b > a)
				ok = update_all(mds, nmds, d + a, (size_t)(b - a));
			if (re <= end)
				ri++;
			else
				break;
		}
		pos = end;
		release(in, pos);
	}
	if (fctx) {
		unsigned len = 0;
		if (ok && EVP_DigestFinal_ex(fctx, in->sha256, &len) && len == 32)
			in->sha256_done = true;
		EVP_MD_CTX_free(fctx);
	}
	return ok;
}

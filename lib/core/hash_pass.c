#include "core/hash_pass.h"

#include <stdlib.h>

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

/* A read error is ST_EIO; a range outside the input cannot happen (the
 * caller checked) and is reported as ST_EIO too rather than hashed short. */
static int window(struct st_input *in, uint64_t off, uint64_t len, st_span *out)
{
	int rc = st_input_window(in, off, len, out);

	return rc > 0 ? ST_EIO : rc;
}

/* Ranges out of order: each hashed on its own, window by window. */
static int hash_ranges_in_order(struct st_input *in, const struct st_range *ranges,
				size_t nranges, EVP_MD_CTX *const *mds, size_t nmds)
{
	for (size_t i = 0; i < nranges; i++) {
		for (uint64_t pos = ranges[i].off, end = pos + ranges[i].len; pos < end;) {
			uint64_t n = end - pos > CHUNK ? CHUNK : end - pos;
			st_span c;
			int rc = window(in, pos, n, &c);

			if (rc)
				return rc;
			if (!update_all(mds, nmds, c.data, c.len))
				return ST_ENOMEM;
			pos += n;
		}
	}
	return ST_OK;
}

int st_hash_pass(struct st_input *in, const struct st_range *ranges,
		 size_t nranges, EVP_MD_CTX *const *mds, size_t nmds)
{
	uint64_t size = in->size;
	EVP_MD_CTX *fctx = NULL;
	size_t ri = 0;
	int rc = ST_OK;

	if (!monotonic(ranges, nranges)) {
		rc = hash_ranges_in_order(in, ranges, nranges, mds, nmds);
		if (rc)
			return rc;
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
		st_span c = { 0 };

		/* Chunks no range touches are read only for the file hash. */
		if (!fctx && !(ri < nranges && ranges[ri].off < end)) {
			if (ri >= nranges)
				break;
			pos = ranges[ri].off - ranges[ri].off % CHUNK;
			continue;
		}
		if ((rc = window(in, pos, end - pos, &c)))
			break;
		if (fctx && !EVP_DigestUpdate(fctx, c.data, c.len))
			rc = ST_ENOMEM;
		while (rc == ST_OK && ri < nranges && ranges[ri].off < end) {
			uint64_t rs = ranges[ri].off, re = rs + ranges[ri].len;
			uint64_t a = rs > pos ? rs : pos, b = re < end ? re : end;

			if (b > a && !update_all(mds, nmds, c.data + (a - pos), (size_t)(b - a)))
				rc = ST_ENOMEM;
			if (re <= end)
				ri++;
			else
				break;
		}
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

/* The hash pass (hash_pass.h). */
#include "core/hash_pass.h"

#include <openssl/obj_mac.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/limits.h"
#include "core/result.h"
#include "core/sha256_lanes.h"

#define CHUNK (1u << 18)

static bool monotonic(const struct st_range *r, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (r[i].off < r[i - 1].off + r[i - 1].len)
			return false;
	return true;
}

/* The digests of one pass: OpenSSL contexts, and up to two SHA-256 lanes
 * (the whole input, one range digest). */
struct pass {
	EVP_MD_CTX *ctx[8];
	size_t nctx;
	int ctx_out[8];          /* index into outs; the whole input: -1 SHA-256, -2 SHA-1, -3 MD5 */
	struct st_sha256 whole, range;
	bool whole_lane, range_lane;
	int range_out;           /* outs index of the lane range digest */
};

static int pass_init(struct pass *p, bool whole, bool legacy, struct st_hash_out *outs, size_t nouts)
{
	bool lanes = st_sha256_lanes_available();

	memset(p, 0, sizeof(*p));
	p->range_out = -1;
	if (nouts + 3 > sizeof(p->ctx) / sizeof(p->ctx[0]))
		return ST_EINVAL;
	/* Two lanes only pay when both run: the whole input with a SHA-256
	 * over the ranges. */
	if (lanes && whole) {
		for (size_t i = 0; i < nouts && p->range_out < 0; i++)
			if (outs[i].nid == NID_sha256)
				p->range_out = (int)i;
	}
	if (p->range_out >= 0) {
		p->whole_lane = p->range_lane = true;
		st_sha256_init(&p->whole);
		st_sha256_init(&p->range);
	}
	for (size_t i = 0; i < nouts + (whole && !p->whole_lane); i++) {
		int nid = i < nouts ? outs[i].nid : NID_sha256;
		const EVP_MD *md;

		if (i < nouts && (int)i == p->range_out)
			continue;
		if (!(md = st_md_get(nid)))
			return ST_EINVAL;
		if (!(p->ctx[p->nctx] = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(p->ctx[p->nctx], md, NULL))
			return ST_ENOMEM;
		p->ctx_out[p->nctx++] = i < nouts ? (int)i : -1;
	}
	for (int k = 0; whole && legacy && k < 2; k++) {
		if (!(p->ctx[p->nctx] = EVP_MD_CTX_new()) ||
		    !EVP_DigestInit_ex(p->ctx[p->nctx], k == 0 ? EVP_sha1() : EVP_md5(), NULL))
			return ST_ENOMEM;
		p->ctx_out[p->nctx++] = k == 0 ? -2 : -3;
	}
	return ST_OK;
}

static void pass_free(struct pass *p)
{
	for (size_t i = 0; i < p->nctx; i++)
		EVP_MD_CTX_free(p->ctx[i]);
}

/* Bytes for the range digests. */
static bool range_update(struct pass *p, const uint8_t *d, size_t len)
{
	for (size_t i = 0; i < p->nctx; i++)
		if (p->ctx_out[i] >= 0 && !EVP_DigestUpdate(p->ctx[i], d, len))
			return false;
	return true;
}

/* Bytes for the whole-input digest (OpenSSL). */
static bool whole_update(struct pass *p, const uint8_t *d, size_t len)
{
	for (size_t i = 0; i < p->nctx; i++)
		if (p->ctx_out[i] < 0 && !EVP_DigestUpdate(p->ctx[i], d, len))
			return false;
	return true;
}

static int pass_final(struct pass *p, struct st_input *in, bool whole, struct st_hash_out *outs)
{
	static const uint8_t zeros[8];

	for (size_t i = 0; i < p->nctx; i++) {
		int o = p->ctx_out[i];
		if (o >= 0 && outs[o].zero_pad &&
		    !EVP_DigestUpdate(p->ctx[i], zeros, outs[o].zero_pad > 8 ? 8 : outs[o].zero_pad))
			return ST_ENOMEM;
	}
	if (p->range_lane && outs[p->range_out].zero_pad)
		st_sha256_update(&p->range, zeros,
				 outs[p->range_out].zero_pad > 8 ? 8 : outs[p->range_out].zero_pad);
	for (size_t i = 0; i < p->nctx; i++) {
		unsigned len = 0;
		int o = p->ctx_out[i];
		uint8_t *dst = o == -1 ? in->sha256 : o == -2 ? in->sha1 : o == -3 ? in->md5 : outs[o].md;
		if (!EVP_DigestFinal_ex(p->ctx[i], dst, &len))
			return ST_ENOMEM;
		if (p->ctx_out[i] >= 0)
			outs[p->ctx_out[i]].len = len;
	}
	if (p->range_lane) {
		st_sha256_final(&p->range, outs[p->range_out].md);
		outs[p->range_out].len = 32;
	}
	if (p->whole_lane)
		st_sha256_final(&p->whole, in->sha256);
	if (whole)
		in->sha256_done = true;
	if (whole && in->legacy_wanted)
		in->legacy_done = true;
	return ST_OK;
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
				size_t nranges, struct pass *p)
{
	for (size_t i = 0; i < nranges; i++) {
		for (uint64_t pos = ranges[i].off, end = pos + ranges[i].len; pos < end;) {
			uint64_t n = end - pos > CHUNK ? CHUNK : end - pos;
			st_span c;
			int rc = window(in, pos, n, &c);

			if (rc)
				return rc;
			if (!range_update(p, c.data, c.len))
				return ST_ENOMEM;
			if (p->range_lane)
				st_sha256_update(&p->range, c.data, c.len);
			pos += n;
		}
	}
	return ST_OK;
}

int st_hash_pass(struct st_input *in, const struct st_range *ranges, size_t nranges,
		 struct st_hash_out *outs, size_t nouts)
{
	uint64_t size = in->size;
	bool whole = !in->sha256_done;
	struct pass p;
	size_t ri = 0;
	int rc;

	if (!whole && nouts == 0)
		return ST_OK;
	if ((rc = pass_init(&p, whole, in->legacy_wanted, outs, nouts)) != ST_OK)
		goto out;
	if (!monotonic(ranges, nranges)) {
		if ((rc = hash_ranges_in_order(in, ranges, nranges, &p)))
			goto out;
		nranges = 0;
	}
	for (uint64_t pos = 0; rc == ST_OK && pos < size;) {
		uint64_t end = size - pos > CHUNK ? pos + CHUNK : size;
		size_t fed = 0;   /* bytes of the chunk the whole-input lane has had */
		st_span c = { 0 };

		/* Chunks no range touches are read only for the file hash. */
		if (!whole && !(ri < nranges && ranges[ri].off < end)) {
			if (ri >= nranges)
				break;
			pos = ranges[ri].off - ranges[ri].off % CHUNK;
			continue;
		}
		if ((rc = window(in, pos, end - pos, &c)))
			break;
		if (whole && !whole_update(&p, c.data, c.len))
			rc = ST_ENOMEM;
		while (rc == ST_OK && ri < nranges && ranges[ri].off < end) {
			uint64_t rs = ranges[ri].off, re = rs + ranges[ri].len;
			uint64_t a = rs > pos ? rs : pos, b = re < end ? re : end;

			if (b > a) {
				size_t ca = (size_t)(a - pos), cb = (size_t)(b - pos);
				if (!range_update(&p, c.data + ca, cb - ca))
					rc = ST_ENOMEM;
				/* The two lanes in step: the whole input up to the
				 * end of this piece beside the piece. */
				if (p.range_lane && p.whole_lane) {
					st_sha256_update2(&p.whole, c.data + fed, cb - fed, &p.range,
							  c.data + ca, cb - ca);
					fed = cb;
				} else if (p.range_lane) {
					st_sha256_update(&p.range, c.data + ca, cb - ca);
				}
			}
			if (re <= end)
				ri++;
			else
				break;
		}
		if (p.whole_lane && fed < c.len)
			st_sha256_update(&p.whole, c.data + fed, c.len - fed);
		pos = end;
	}
	if (rc == ST_OK)
		rc = pass_final(&p, in, whole, outs);
out:
	pass_free(&p);
	return rc;
}

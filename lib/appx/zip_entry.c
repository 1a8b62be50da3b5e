/*
 * An entry's bytes: stored, or deflated (zlib's raw inflate), checked
 * against the central directory's size and CRC-32.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "appx/appx.h"

int zip_stream(struct zip *z, const struct zip_entry *e, int (*cb)(void *, const uint8_t *, size_t),
	       void *arg, char *why, size_t whylen)
{
	z_stream zs;
	uint8_t out[65536];
	uint64_t at = 0, produced = 0;
	uLong crc = crc32(0L, Z_NULL, 0);
	int rc = ST_OK, zr = Z_OK;

	if (e->method != 0 && e->method != 8)
		ST_PARSE_FAIL("'%s' uses compression method %u (only stored and deflated exist in "
			      "packages)", e->name, e->method);
	if (e->method == 0 && e->csize != e->usize)
		ST_PARSE_FAIL("'%s' is stored with %llu bytes but claims %llu", e->name,
			      (unsigned long long)e->csize, (unsigned long long)e->usize);
	memset(&zs, 0, sizeof(zs));
	if (e->method == 8 && inflateInit2(&zs, -15) != Z_OK)
		return ST_ENOMEM;
	while (at < e->csize && rc == ST_OK && zr != Z_STREAM_END) {
		uint64_t n = e->csize - at < ST_INPUT_WINDOW ? e->csize - at : ST_INPUT_WINDOW;
		st_span s;
		if ((rc = st_input_window(z->in, e->data_off + at, n, &s))) {
			rc = rc < 0 ? rc : ST_EIO;
			break;
		}
		at += n;
		if (e->method == 0) {
			crc = crc32(crc, s.data, (uInt)s.len);
			produced += s.len;
			rc = cb(arg, s.data, s.len);
			continue;
		}
		zs.next_in = (Bytef *)(uintptr_t)s.data;
		zs.avail_in = (uInt)s.len;
		while (rc == ST_OK && (zs.avail_in || zr == Z_OK) && zr != Z_STREAM_END) {
			size_t got;
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			zr = inflate(&zs, Z_NO_FLUSH);
			if (zr == Z_MEM_ERROR) {
				rc = ST_ENOMEM;
				break;
			}
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
				snprintf(why, whylen, "'%s' does not inflate: %s", e->name,
					 zs.msg ? zs.msg : "corrupt data");
				rc = ST_PARSE_MALFORMED;
				break;
			}
			got = sizeof(out) - zs.avail_out;
			if (got > e->usize - produced) {
				snprintf(why, whylen, "'%s' inflates to more than its %llu bytes",
					 e->name, (unsigned long long)e->usize);
				rc = ST_PARSE_MALFORMED;
				break;
			}
			crc = crc32(crc, out, (uInt)got);
			produced += got;
			if (got)
				rc = cb(arg, out, got);
			if (zr == Z_BUF_ERROR || (got == 0 && !zs.avail_in))
				break;
		}
	}
	if (e->method == 8)
		inflateEnd(&zs);
	if (rc)
		return rc;   /* an error, or the callback's own stop */
	if (produced != e->usize || (e->method == 8 && zr != Z_STREAM_END))
		ST_PARSE_FAIL("'%s' holds %llu bytes, not the %llu its record claims", e->name,
			      (unsigned long long)produced, (unsigned long long)e->usize);
	if (crc != e->crc) {
		snprintf(why, whylen, "'%s' does not match its CRC-32", e->name);
		return ZIP_CRC_MISMATCH;
	}
	return ST_OK;
}

struct collect {
	uint8_t *b;
	size_t at;
};

static int collect(void *arg, const uint8_t *p, size_t n)
{
	struct collect *c = arg;

	memcpy(c->b + c->at, p, n);   /* zip_stream never passes usize */
	c->at += n;
	return ST_OK;
}

int zip_read(struct zip *z, const struct zip_entry *e, uint64_t max, uint8_t **buf,
	     size_t *len, char *why, size_t whylen)
{
	struct collect c = { 0 };
	int rc;

	*buf = NULL;
	*len = 0;
	if (e->usize > max) {
		snprintf(why, whylen, "'%s' holds %llu bytes, more than %llu", e->name,
			 (unsigned long long)e->usize, (unsigned long long)max);
		return ST_PARSE_LIMIT;
	}
	if (!(c.b = malloc(e->usize ? (size_t)e->usize : 1)))
		return ST_ENOMEM;
	if ((rc = zip_stream(z, e, collect, &c, why, whylen))) {
		free(c.b);
		return rc == ZIP_CRC_MISMATCH ? ST_PARSE_MALFORMED : rc;
	}
	*buf = c.b;
	*len = c.at;
	return ST_OK;
}

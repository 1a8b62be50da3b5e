/*
 * Files a xar archive stores compressed: application/x-gzip (a zlib
 * stream, as xar writes it; a gzip header is taken too) and
 * application/x-bzip2. pkgbuild compresses Distribution, PackageInfo and
 * Bom this way, the xar tool everything it archives, so a program inside
 * such an archive is stored compressed. The first 4 KiB are decoded to
 * let the formats look at them; only a file a format claims is decoded
 * whole (against the decoded-bytes limit of docs/limits.md), checked
 * against its extracted checksum and verified as a member. zlib and libbz2
 * decode; the streaming over the heap is what no library does for us.
 */
#include <stdlib.h>
#include <string.h>

#include <bzlib.h>
#include <zlib.h>

#include "core/limits.h"
#include "xar/xar.h"

enum codec { CODEC_NONE, CODEC_ZLIB, CODEC_BZIP2 };

static enum codec codec_of(const char *encoding)
{
	if (strcmp(encoding, "application/x-gzip") == 0)
		return CODEC_ZLIB;
	if (strcmp(encoding, "application/x-bzip2") == 0)
		return CODEC_BZIP2;
	return CODEC_NONE;
}

bool xar_decodable(const struct xar_file *f)
{
	return codec_of(f->encoding) != CODEC_NONE;
}

/*
 * Decodes the archived bytes [at, at+size) of `in` into out[0..want).
 * ST_OK with *got the bytes decoded (want at most; fewer when the stream
 * ends first), ST_PARSE_MALFORMED when the stream is damaged, ST_ENOMEM,
 * ST_EIO.
 */
static int decode(struct st_input *in, uint64_t at, uint64_t size, enum codec c, uint8_t *out, size_t want,
		  size_t *got)
{
	z_stream z;
	bz_stream b;
	uint64_t done = 0;
	int rc = ST_OK;
	bool end = false;

	*got = 0;
	memset(&z, 0, sizeof(z));
	memset(&b, 0, sizeof(b));
	if (c == CODEC_ZLIB ? inflateInit2(&z, 15 + 32) != Z_OK : BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK)
		return ST_ENOMEM;
	while (!end && *got < want && done < size) {
		st_span s;
		uint64_t n = size - done < ST_INPUT_WINDOW ? size - done : ST_INPUT_WINDOW;

		if ((rc = st_input_window(in, at + done, n, &s))) {
			rc = rc < 0 ? rc : ST_EIO;
			break;
		}
		done += n;
		if (c == CODEC_ZLIB) {
			z.next_in = (Bytef *)(uintptr_t)s.data;
			z.avail_in = (uInt)s.len;
			while (z.avail_in && *got < want) {
				int r;
				z.next_out = out + *got;
				z.avail_out = (uInt)(want - *got > (1u << 30) ? (1u << 30) : want - *got);
				r = inflate(&z, Z_NO_FLUSH);
				*got = (size_t)(z.next_out - out);
				if (r == Z_STREAM_END) {
					end = true;
					break;
				}
				if (r != Z_OK) {
					rc = r == Z_MEM_ERROR ? ST_ENOMEM : ST_PARSE_MALFORMED;
					goto out;
				}
			}
		} else {
			b.next_in = (char *)(uintptr_t)s.data;
			b.avail_in = (unsigned)s.len;
			while (b.avail_in && *got < want) {
				int r;
				b.next_out = (char *)out + *got;
				b.avail_out = (unsigned)(want - *got > (1u << 30) ? (1u << 30) : want - *got);
				r = BZ2_bzDecompress(&b);
				*got = (size_t)((uint8_t *)b.next_out - out);
				if (r == BZ_STREAM_END) {
					end = true;
					break;
				}
				if (r != BZ_OK) {
					rc = r == BZ_MEM_ERROR ? ST_ENOMEM : ST_PARSE_MALFORMED;
					goto out;
				}
			}
		}
	}
out:
	if (c == CODEC_ZLIB)
		inflateEnd(&z);
	else
		BZ2_bzDecompressEnd(&b);
	return rc;
}

int xar_decode_member(struct st_walk *w, struct st_input *in, const struct xar *x, const struct xar_file *f,
		      uint8_t **out, const char **why)
{
	enum codec c = codec_of(f->encoding);
	uint8_t head[ST_PROBE_LEN];
	size_t got = 0, n = f->length < sizeof(head) ? (size_t)f->length : sizeof(head);
	uint8_t *buf;
	int rc;

	*out = NULL;
	*why = NULL;
	if (c == CODEC_NONE || f->length == 0)
		return ST_OK;
	rc = decode(in, x->heap + f->offset, f->size, c, head, n, &got);
	if (rc == ST_PARSE_MALFORMED || (rc == ST_OK && got < n)) {
		*why = "does not decode";
		return ST_OK;
	}
	if (rc)
		return rc;
	if (!st_format_identify(w->ctx, st_span_make(head, n), f->length))
		return ST_OK;   /* not code: decoded no further */
	if (f->length > ST_LIMIT_DECODED_BYTES - w->decoded || f->length > w->ctx->max_file_size ||
	    f->length > SIZE_MAX) {
		*why = "is larger than sigtrace decodes";
		return ST_OK;
	}
	if (!(buf = malloc((size_t)f->length)))
		return ST_ENOMEM;
	rc = decode(in, x->heap + f->offset, f->size, c, buf, (size_t)f->length, &got);
	if (rc == ST_PARSE_MALFORMED || (rc == ST_OK && got != f->length)) {
		free(buf);
		*why = "does not decode to its size";
		return ST_OK;
	}
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	return ST_OK;
}

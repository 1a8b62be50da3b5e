/*
 * pbzx, the payload compression of modern macOS installer packages: the
 * magic "pbzx", a big-endian 64-bit chunk size, then chunks, each a
 * big-endian 64-bit flags word, a 64-bit length and that many bytes: an xz
 * stream (XZ magic) or, when a chunk did not compress, the bytes as they
 * are. The chunks decoded in turn are a cpio archive, which libarchive
 * reads from this feed as from any other: one decoded chunk in memory at a
 * time (docs/limits.md). Written by hand: no Debian library reads pbzx;
 * liblzma decodes each xz stream.
 */
#include <archive.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "core/limits.h"
#include "core/reader.h"

static la_ssize_t pbzx_read(struct archive *a, void *arg, const void **buf)
{
	struct archive_pbzx *p = arg;
	uint64_t len, want;
	st_span h, s;
	int rc;

	(void)a;
	if (p->feed.off == 0)
		p->feed.off = 12;   /* "pbzx" and the chunk size */
	if (p->feed.off + 16 > p->feed.in->size)
		return 0;           /* the end */
	if ((rc = st_input_view(p->feed.in, p->feed.off, 16, &h)))
		goto io;
	if (!st_read_u64be(h, 0, &want) || !st_read_u64be(h, 8, &len)) {
		p->bad = true;
		return -1;
	}
	want &= 0xffffffffu;   /* the decoded size; high bits are flags */
	if (len == 0 || len > p->feed.in->size - p->feed.off - 16 || len > ST_LIMIT_PBZX_CHUNK ||
	    want > ST_LIMIT_PBZX_CHUNK) {
		p->bad = true;
		return -1;
	}
	if ((rc = st_input_view(p->feed.in, p->feed.off + 16, (size_t)len, &s)))
		goto io;
	p->feed.off += 16 + len;
	if (len < 6 || memcmp(s.data, "\xfd" "7zXZ\0", 6) != 0) {
		*buf = s.data;      /* stored as it is */
		return (la_ssize_t)len;
	}
	{
		uint64_t memlimit = 256u << 20;
		size_t in_pos = 0, out_pos = 0;
		size_t cap = want ? (size_t)want : (size_t)ST_LIMIT_PBZX_CHUNK;
		if (cap > p->cap) {
			uint8_t *nb = realloc(p->buf, cap);
			if (!nb) {
				p->feed.err = ST_ENOMEM;
				return -1;
			}
			p->buf = nb;
			p->cap = cap;
		}
		if (lzma_stream_buffer_decode(&memlimit, 0, NULL, s.data, &in_pos, s.len, p->buf, &out_pos, cap) !=
		    LZMA_OK) {
			p->bad = true;
			return -1;
		}
		*buf = p->buf;
		return (la_ssize_t)out_pos;
	}
io:
	p->feed.err = rc < 0 ? rc : ST_EIO;
	return -1;
}

bool archive_is_pbzx(st_span head)
{
	return head.len >= 12 && memcmp(head.data, "pbzx", 4) == 0;
}

void archive_feed_pbzx(struct archive *a, struct archive_pbzx *p, struct st_input *in)
{
	memset(p, 0, sizeof(*p));
	p->feed.in = in;
	archive_read_set_read_callback(a, pbzx_read);
	archive_read_set_callback_data(a, p);
}

void archive_pbzx_clear(struct archive_pbzx *p)
{
	free(p->buf);
	p->buf = NULL;
	p->cap = 0;
}

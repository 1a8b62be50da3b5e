/*
 * libarchive reading an input through the input's window: no copy of the
 * whole file, and a file that shrinks while it is read is an error, not a
 * signal. Used by the archive format and by lib/cab for a cabinet's files.
 */
#include <archive.h>
#include <stdio.h>

#include "archive/archive.h"

static la_ssize_t feed_read(struct archive *a, void *arg, const void **buf)
{
	struct archive_feed *f = arg;
	uint64_t left = f->in->size - f->off;
	size_t n = left < ST_INPUT_WINDOW ? (size_t)left : ST_INPUT_WINDOW;
	st_span s;
	int rc;

	(void)a;
	if (n == 0)
		return 0;
	rc = st_input_window(f->in, f->off, n, &s);
	if (rc) {
		f->err = rc < 0 ? rc : ST_EIO;
		return -1;
	}
	f->off += s.len;
	*buf = s.data;
	return (la_ssize_t)s.len;
}

static la_int64_t feed_skip(struct archive *a, void *arg, la_int64_t request)
{
	struct archive_feed *f = arg;
	uint64_t left = f->in->size - f->off;
	uint64_t k = request < 0 ? 0 : (uint64_t)request < left ? (uint64_t)request : left;

	(void)a;
	f->off += k;
	return (la_int64_t)k;
}

static la_int64_t feed_seek(struct archive *a, void *arg, la_int64_t offset, int whence)
{
	struct archive_feed *f = arg;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->off
				: (int64_t)f->in->size;

	(void)a;
	if (offset < -base || base + offset > (int64_t)f->in->size)
		return ARCHIVE_FATAL;
	f->off = (uint64_t)(base + offset);
	return (la_int64_t)f->off;
}

void archive_feed(struct archive *a, struct archive_feed *f, struct st_input *in)
{
	f->in = in;
	f->off = 0;
	f->err = ST_OK;
	archive_read_set_read_callback(a, feed_read);
	archive_read_set_skip_callback(a, feed_skip);
	archive_read_set_seek_callback(a, feed_seek);
	archive_read_set_callback_data(a, f);
}

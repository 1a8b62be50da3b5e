/*
 * Verification driver: identifies a file's format from its first bytes
 * (never its name), reads it once, and hands it to the format module.
 *
 * Non-executables cost one small read and are not hashed. Files up to
 * ST_SMALL_FILE are read with one pread into a per-thread buffer (copying
 * from the page cache measured faster than mapping). Larger ones are mapped;
 * the hash pass maps 1 MiB at a time and releases it after, so resident
 * memory does not grow with file size. A mapped file truncated by another
 * process while it is verified raises SIGBUS (the sigtrace command catches
 * it and reports the file).
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context.h"
#include "core/format.h"
#include "core/result.h"

#define ST_SMALL_FILE (8u << 20)

/* Per-thread read buffer, kept between files: fresh pages for every file
 * would cost a page fault each. Freed when the thread exits. */
static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;

struct read_buf {
	uint8_t *p;
	size_t cap;
};

static void buf_free(void *v)
{
	struct read_buf *b = v;

	if (b) {
		free(b->p);
		free(b);
	}
}

static void buf_init(void)
{
	(void)pthread_key_create(&buf_key, buf_free);
}

static uint8_t *thread_buffer(size_t len)
{
	struct read_buf *b;

	pthread_once(&buf_once, buf_init);
	b = pthread_getspecific(buf_key);
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b || pthread_setspecific(buf_key, b) != 0) {
			free(b);
			return NULL;
		}
	}
	if (b->cap < len) {
		size_t cap = len < 65536 ? 65536 : len;
		uint8_t *np = realloc(b->p, cap);
		if (!np)
			return NULL;
		b->p = np;
		b->cap = cap;
	}
	return b->p;
}

static const struct st_format *const formats[] = {
	&st_format_pe,
	&st_format_macho,
};

static enum st_probe probe(st_span head, uint64_t size, const struct st_format **fmt)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		enum st_probe p = formats[i]->probe(head, size);
		if (p != ST_PROBE_NO) {
			*fmt = formats[i];
			return p;
		}
	}
	return ST_PROBE_NO;
}

static st_result *new_result(uint64_t size)
{
	st_result *res = calloc(1, sizeof(*res));

	if (res) {
		res->size = size;
		res->verdict = ST_VERDICT_NOT_EXECUTABLE;
	}
	return res;
}

/* Runs the format (if any) and the remaining whole-file hash. */
static int run(st_context *ctx, const struct st_format *fmt, struct st_input *in,
	       st_result **out)
{
	st_result *res = new_result(in->file.len);
	int rc = ST_OK;

	*out = NULL;
	if (!res)
		return ST_ENOMEM;
	if (fmt)
		rc = fmt->verify(ctx, in, res);
	if (rc == ST_OK && ctx->file_hash && !in->sha256_done)
		rc = st_hash_pass(in, NULL, 0, NULL, 0);
	if (rc) {
		st_result_free(res);
		return rc;
	}
	if (ctx->file_hash) {
		st_hex_into(res->sha256, in->sha256, sizeof(in->sha256));
		res->hashed = true;
	}
	*out = res;
	return ST_OK;
}

int st_verify_buffer(st_context *ctx, const uint8_t *data, size_t len,
		     st_result **out)
{
	struct st_input in = { .file = st_span_make(data ? data : (const uint8_t *)"", len),
			       .sha256_done = !ctx || !ctx->file_hash };
	const struct st_format *fmt = NULL;

	*out = NULL;
	if (!ctx || (!data && len))
		return ST_EINVAL;
	if (len > ctx->max_file_size)
		return ST_ETOOBIG;
	if (probe(in.file, len, &fmt) == ST_PROBE_NO)
		fmt = NULL;
	return run(ctx, fmt, &in, out);
}

/* Reads exactly len bytes at off; false on error or short file (the file
 * changed under us). */
static bool pread_all(int fd, uint8_t *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ESTALE;
			return false;
		}
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return true;
}

int st_verify_file(st_context *ctx, const char *path, st_result **out)
{
	uint8_t head[ST_PROBE_LEN];
	const struct st_format *fmt = NULL;
	struct st_input in = { 0 };
	struct stat st;
	size_t hlen, size;
	void *map = NULL;
	uint8_t *buf = NULL;
	int fd, rc, saved;

	*out = NULL;
	if (!ctx || !path)
		return ST_EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ST_EIO;
	if (fstat(fd, &st) != 0)
		goto io_error;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return ST_EIO;
	}
	if ((uint64_t)st.st_size > ctx->max_file_size) {
		close(fd);
		return ST_ETOOBIG;
	}
	size = (size_t)st.st_size;
	hlen = size < sizeof(head) ? size : sizeof(head);
	if (!pread_all(fd, head, hlen, 0))
		goto io_error;
	if (probe(st_span_make(head, hlen), size, &fmt) == ST_PROBE_NO) {
		/* Cheap rejection: not hashed, not read further. */
		close(fd);
		*out = new_result(size);
		return *out ? ST_OK : ST_ENOMEM;
	}
	if (size <= ST_SMALL_FILE) {
		buf = thread_buffer(size ? size : 1);
		if (!buf) {
			close(fd);
			return ST_ENOMEM;
		}
		memcpy(buf, head, hlen);
		if (size > hlen && !pread_all(fd, buf + hlen, size - hlen, (off_t)hlen))
			goto io_error;
		in.file = st_span_make(buf, size);
	} else {
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			map = NULL;
			goto io_error;
		}
		in.file = st_span_make(map, size);
		in.mapped = true;
	}
	/* Without the whole-file hash the pass computes only what the
	 * signatures need. */
	in.sha256_done = !ctx->file_hash;
	rc = run(ctx, fmt, &in, out);
	saved = errno;
	close(fd);
	if (map)
		munmap(map, size);
	errno = saved;
	return rc;

io_error:
	saved = errno;
	close(fd);
	errno = saved;
	return ST_EIO;
}

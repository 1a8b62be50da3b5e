/*
 * Verification driver: identifies an input's format from its first bytes
 * (never its name), verifies it into a part, and recurses into the members
 * a container hands over (st_walk_member), under the limits of
 * docs/limits.md.
 *
 * Files are read with pread, never mapped (core/input.h): non-executables
 * cost one small read and are not hashed; files up to the in-memory limit
 * (256 KiB) are read with one pread into a per-thread buffer (copying from
 * the page cache measured faster than mapping); larger ones are read in
 * bounded views and 256 KiB windows, each hashed while it is still in the
 * CPU's cache, so resident memory does not grow with file size, and a file
 * that shrinks while it is read is an ST_EIO, not a SIGBUS.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context.h"
#include "core/format.h"
#include "core/limits.h"
#include "core/result.h"
#include "driver/driver.h"
#include "x509/trust.h"

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

/* ---- identification -------------------------------------------------------- */

static const struct st_format *probe(const st_context *ctx, st_span head, uint64_t size,
				     enum st_probe *how)
{
	size_t n = st_nformats + ctx->nextra_formats;

	for (size_t i = 0; i < n; i++) {
		const struct st_format *f = i < st_nformats ? st_formats[i]
							    : ctx->extra_formats[i - st_nformats];
		enum st_probe p = f->probe ? f->probe(head, size) : ST_PROBE_NO;
		if (p != ST_PROBE_NO) {
			*how = p;
			return f;
		}
	}
	*how = ST_PROBE_NO;
	return NULL;
}

const struct st_format *st_format_identify(const st_context *ctx, st_span head, uint64_t size)
{
	enum st_probe how;

	return probe(ctx, head, size, &how);
}

/* The last component of path, without trailing slashes ("X.app/"), into
 * name; false when too long. */
static bool last_component(const char *path, char *name, size_t cap)
{
	const char *base;
	size_t len = strlen(path);

	/* The last component, without trailing slashes ("X.app/"). */
	while (len > 1 && path[len - 1] == '/')
		len--;
	base = path + len;
	while (base > path && base[-1] != '/')
		base--;
	if ((size_t)(path + len - base) >= cap)
		return false;
	memcpy(name, base, (size_t)(path + len - base));
	name[path + len - base] = '\0';
	return true;
}

/* The directory format that claims the directory at dirfd, or NULL. */
static const struct st_format *probe_directory(int dirfd, const char *path)
{
	char name[256];

	if (!last_component(path, name, sizeof(name)))
		return NULL;
	for (size_t i = 0; i < st_nformats; i++)
		if (st_formats[i]->probe_directory && st_formats[i]->probe_directory(dirfd, name))
			return st_formats[i];
	return NULL;
}

/* Verifies `in` into `part` with `fmt` (or the format its content shows),
 * then hashes what is left of it when its hash is wanted. */
int st_driver_verify_input(struct st_walk *w, struct st_input *in, struct st_part *part,
			   const struct st_format *fmt)
{
	bool want;
	int rc = ST_OK;

	if (!fmt) {
		enum st_probe how;
		st_span head;

		rc = st_input_view(in, 0, in->size < ST_PROBE_LEN ? in->size : ST_PROBE_LEN, &head);
		if (rc)
			return rc < 0 ? rc : ST_EIO;
		fmt = probe(w->ctx, head, in->size, &how);
	}
	part->size = in->size;
	if (fmt) {
		part->fmt = fmt;
		rc = fmt->verify(w, in, part);
	}
	/* The hash of a file or member, not of a constituent (a slice is
	 * judged with the file it belongs to, which is hashed whole). */
	want = w->ctx->file_hash && !part->constituent && part->fmt &&
	       (!part->fmt->hash_on_request || w->ctx->image_hash);
	if (rc == ST_OK && want && !in->sha256_done)
		rc = st_hash_pass(in, NULL, 0, NULL, 0);
	if (rc == ST_OK && want && in->sha256_done) {
		st_hex_into(part->sha256, in->sha256, sizeof(in->sha256));
		part->hashed = true;
		if (in->legacy_done) {
			st_hex_into(part->sha1, in->sha1, sizeof(in->sha1));
			st_hex_into(part->md5, in->md5, sizeof(in->md5));
			part->legacy_hashed = true;
		}
		/* A listed vulnerable driver: a warning on the file (its
		 * verdict, already judged, stands). */
		const struct st_vuln_driver *vd = st_vuln_driver_find(w->ctx, in->sha256);
		if (vd && ((rc = st_reasons_add(&part->reasons, ST_R_VULNERABLE_DRIVER, ST_EFFECT_DEFAULT,
						"%s%s%s%s%s", vd->name, *vd->why ? ", " : "", vd->why,
						*vd->source ? "; listed by " : "", vd->source)) ||
			   (rc = st_reasons_add(&part->all_reasons, ST_R_VULNERABLE_DRIVER, ST_EFFECT_DEFAULT,
						"%s%s%s%s%s", vd->name, *vd->why ? ", " : "", vd->why,
						*vd->source ? "; listed by " : "", vd->source))))
			return rc;
	}
	return rc;
}

/* Whether one more part may be made in parent; if not, *rc is the result
 * of recording the limit in parent. */
bool st_driver_within_limits(struct st_walk *w, struct st_part *parent, const char *kind,
			     const char *name, int *rc)
{
	if (w->depth + 1 > ST_LIMIT_PART_DEPTH) {
		*rc = st_reasons_add(&parent->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				     "containers nested deeper than %d: %s '%s' is not verified",
				     ST_LIMIT_PART_DEPTH, kind, name);
		return false;
	}
	if (w->parts >= ST_LIMIT_PARTS) {
		*rc = st_reasons_add(&parent->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				     "more than %d parts in one file: %s '%s' and the rest are not verified",
				     ST_LIMIT_PARTS, kind, name);
		return false;
	}
	return true;
}

int st_driver_verify_member(struct st_walk *w, struct st_input *cin, struct st_part *c,
			    const struct st_member *m)
{
	const void *hint = w->hint;
	size_t parts = w->parts;
	uint64_t decoded = w->decoded;
	int rc;

	/* A constituent is judged with its container, which is hashed whole;
	 * a member is a file of its own and gets its own hash. */
	cin->sha256_done = m->constituent || !w->ctx->file_hash;
	cin->legacy_wanted = !cin->sha256_done && w->ctx->legacy_hashes;
	w->depth++;
	w->hint = m->format ? m->hint : NULL;
	if (m->own_file) {
		/* A file of its own: its budgets start afresh. */
		w->parts = 1;
		w->decoded = 0;
	}
	rc = st_driver_verify_input(w, cin, c, m->format);
	if (m->own_file) {
		w->parts = parts;
		w->decoded = decoded;
	}
	w->hint = hint;
	w->depth--;
	return rc;
}

int st_walk_member(struct st_walk *w, struct st_input *in, struct st_part *parent,
		   const struct st_member *m, struct st_part **child)
{
	struct st_input cin;
	struct st_part *c;
	int rc;

	*child = NULL;
	if (!st_driver_within_limits(w, parent, m->kind, m->name, &rc))
		return rc;
	if (m->data && !m->own_file) {
		if (m->size > ST_LIMIT_DECODED_BYTES - w->decoded)
			return st_reasons_add(&parent->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
					      "more than %llu bytes of decoded members in one file: %s '%s' is not verified",
					      (unsigned long long)ST_LIMIT_DECODED_BYTES, m->kind, m->name);
		w->decoded += m->size;
		st_input_init_mem(&cin, m->data, m->size);
	} else if (m->data) {
		st_input_init_mem(&cin, m->data, m->size);
	} else if (m->src.read) {
		st_input_init_source(&cin, m->src, 0, m->size);
	} else if (!st_input_init_range(&cin, in, m->offset, m->size)) {
		return ST_EINVAL;  /* the container must hand over ranges inside itself */
	}
	c = st_part_add_child(parent, m->kind, m->name, m->constituent);
	if (!c)
		return ST_ENOMEM;
	c->has_range = m->data == NULL && m->src.read == NULL;
	c->offset = c->has_range ? m->offset : 0;
	w->parts++;
	rc = st_driver_verify_member(w, &cin, c, m);
	st_input_clear(&cin);
	if (rc == ST_OK)
		*child = c;
	return rc;
}

bool st_walk_wants(const struct st_walk *w, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!w->ctx->found_fn)
		return false;
	for (size_t i = 0; i < w->ctx->nfound_suffixes; i++) {
		size_t k = strlen(w->ctx->found_suffixes[i]);
		if (n >= k && strcasecmp(name + n - k, w->ctx->found_suffixes[i]) == 0)
			return true;
	}
	return false;
}

void st_walk_found(struct st_walk *w, const struct st_part *parent, const char *name, uint64_t size,
		   int (*read)(void *handle, uint64_t off, void *buf, size_t len), void *handle)
{
	const char *root = w->path ? w->path : "";
	const char *inner = parent && parent->path ? parent->path : "";
	size_t len = strlen(root) + strlen(inner) + strlen(name) + 8;
	char *path = malloc(len);

	if (!path)
		return;
	/* Pieces joined with "//" where there are two (a buffer has no path). */
	snprintf(path, len, "%s%s%s%s%s", root, *root && *inner ? "//" : "", inner, *root || *inner ? "//" : "", name);
	w->ctx->found_fn(w->ctx->found_arg, path, size, read, handle);
	free(path);
}

/* Verifies the root input of a file. */
static int run(st_context *ctx, struct st_input *in, const struct st_format *fmt,
	       bool by_name, const char *path, st_result **out)
{
	struct st_walk w = { .ctx = ctx, .parts = 1, .by_name = by_name, .path = path };
	st_result *res = st_result_new(in->size);
	int rc;

	*out = NULL;
	if (!res)
		return ST_ENOMEM;
	rc = fmt ? st_driver_verify_input(&w, in, &res->root, fmt) : ST_OK;
	if (rc) {
		st_result_free(res);
		return rc;
	}
	*out = res;
	return ST_OK;
}

int st_verify_buffer(st_context *ctx, const uint8_t *data, size_t len,
		     st_result **out)
{
	struct st_input in;
	const struct st_format *fmt;
	enum st_probe how;
	int rc;

	*out = NULL;
	if (!ctx || (!data && len))
		return ST_EINVAL;
	if (len > ctx->max_file_size)
		return ST_ETOOBIG;
	if ((rc = st_trust_prepare(ctx->trust)))
		return rc;
	st_input_init_mem(&in, data, len);
	in.sha256_done = !ctx->file_hash;
	in.legacy_wanted = ctx->file_hash && ctx->legacy_hashes;
	fmt = probe(ctx, st_span_make(in.mem, len < ST_PROBE_LEN ? len : ST_PROBE_LEN), len, &how);
	rc = run(ctx, &in, fmt, false, NULL, out);
	st_input_clear(&in);
	return rc;
}

/* ---- files ------------------------------------------------------------------- */

/* The format whose extensions the file's name has (st_format.extensions). */
static const struct st_format *by_extension(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return NULL;
	for (size_t i = 0; i < st_nformats; i++)
		for (const char *const *e = st_formats[i]->extensions; e && *e; e++)
			if (strcasecmp(dot, *e) == 0)
				return st_formats[i];
	return NULL;
}

/* Reads exactly len bytes at off; false on error or short file (the file
 * changed under us: ESTALE). */
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

static int fd_read(void *arg, uint64_t off, void *buf, size_t len)
{
	int fd = *(int *)arg;

	if (off > (uint64_t)INT64_MAX)
		return ST_EIO;
	return pread_all(fd, buf, len, (off_t)off) ? ST_OK : ST_EIO;
}

/* Records in parent that a file of a directory container could not be
 * read. */
static int unreadable(struct st_part *parent, const char *kind, const char *relpath, int err)
{
	return st_reasons_add(&parent->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
			      "%s '%s' could not be read: %s", kind, relpath, strerror(err));
}

int st_walk_file(struct st_walk *w, struct st_part *parent, int dirfd, const char *relpath,
		 const struct st_member *m, struct st_part **child)
{
	struct st_member fm = *m;
	struct stat st;
	int fd, rc;

	*child = NULL;
	if (!st_driver_within_limits(w, parent, m->kind, m->name, &rc))
		return rc;
	fd = openat(dirfd, relpath, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return unreadable(parent, m->kind, relpath, errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int err = S_ISREG(st.st_mode) ? errno : EINVAL;
		close(fd);
		return unreadable(parent, m->kind, relpath, err);
	}
	if ((uint64_t)st.st_size > w->ctx->max_file_size) {
		close(fd);
		return st_reasons_add(&parent->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				      "%s '%s' is larger than the largest file verified (%llu bytes): not verified",
				      m->kind, relpath, (unsigned long long)w->ctx->max_file_size);
	}
	fm.offset = 0;
	fm.size = (uint64_t)st.st_size;
	fm.data = NULL;
	fm.src = (struct st_source){ fd_read, &fd, true };
	size_t had = parent->nchildren;
	rc = st_walk_member(w, NULL, parent, &fm, child);
	if (rc == ST_EIO) {
		/* The file changed while it was read: its half-made part is
		 * dropped and the container records it; the walk goes on. */
		int err = errno ? errno : ESTALE;
		while (parent->nchildren > had) {
			struct st_part *c = parent->children[--parent->nchildren];
			st_part_clear(c);
			free(c);
		}
		*child = NULL;
		rc = unreadable(parent, m->kind, relpath, err);
	}
	close(fd);
	return rc;
}

int st_walk_directory(struct st_walk *w, struct st_part *parent, int dirfd, const char *relpath,
		      const char *name, const struct st_format *fmt, struct st_part **child)
{
	struct st_part *c;
	const struct st_external_slots *ext = w->external;
	int fd, rc;

	*child = NULL;
	if (!st_driver_within_limits(w, parent, "member", name, &rc))
		return rc;
	fd = openat(dirfd, relpath, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0)
		return unreadable(parent, "member", relpath, errno);
	c = st_part_add_child(parent, "member", name, false);
	if (!c) {
		close(fd);
		return ST_ENOMEM;
	}
	c->fmt = fmt;
	w->parts++;
	w->depth++;
	w->external = NULL;
	w->dirname = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	rc = fmt->verify_directory(w, fd, c);
	w->dirname = NULL;
	w->external = ext;
	w->depth--;
	close(fd);
	if (rc == ST_OK)
		*child = c;
	return rc;
}

/* Verifies a directory that a directory format claims. */
static int verify_directory(st_context *ctx, int fd, const struct st_format *fmt,
			    const char *name, st_result **out)
{
	struct st_walk w = { .ctx = ctx, .parts = 1, .dirname = name };
	st_result *res = st_result_new(0);
	int rc;

	if (!res)
		return ST_ENOMEM;
	res->root.fmt = fmt;
	rc = fmt->verify_directory(&w, fd, &res->root);
	if (rc) {
		st_result_free(res);
		return rc;
	}
	*out = res;
	return ST_OK;
}

const char *st_directory_format(st_context *ctx, const char *path)
{
	const struct st_format *fmt;
	int fd;

	if (!ctx || !path)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	if (fd < 0)
		return NULL;
	fmt = probe_directory(fd, path);
	close(fd);
	return fmt ? fmt->name : NULL;
}

int st_verify_file(st_context *ctx, const char *path, st_result **out)
{
	uint8_t head[ST_PROBE_LEN];
	const struct st_format *fmt;
	enum st_probe how;
	const struct st_format *byext;
	struct st_input in;
	struct stat st;
	size_t hlen;
	uint64_t size;
	int fd, rc, saved;

	*out = NULL;
	if (!ctx || !path)
		return ST_EINVAL;
	if ((rc = st_trust_prepare(ctx->trust)))
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ST_EIO;
	if (fstat(fd, &st) != 0)
		goto io_error;
	if (S_ISDIR(st.st_mode)) {
		/* A directory is verified when a directory format (an Apple
		 * bundle) claims it. */
		char name[256];
		fmt = probe_directory(fd, path);
		if (fmt && last_component(path, name, sizeof(name)))
			rc = verify_directory(ctx, fd, fmt, name, out);
		saved = errno;
		close(fd);
		errno = fmt ? saved : EISDIR;
		return fmt ? rc : ST_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return ST_EIO;
	}
	size = (uint64_t)st.st_size;
	if (size > ctx->max_file_size) {
		close(fd);
		return ST_ETOOBIG;
	}
	hlen = size < sizeof(head) ? (size_t)size : sizeof(head);
	if (!pread_all(fd, head, hlen, 0))
		goto io_error;
	fmt = probe(ctx, st_span_make(head, hlen), size, &how);
	byext = by_extension(path);
	if (!fmt || (byext && byext->name_first))
		fmt = byext;
	if (!fmt) {
		/* Cheap rejection: not hashed, not read further. */
		close(fd);
		*out = st_result_new(size);
		return *out ? ST_OK : ST_ENOMEM;
	}
	if (size <= ctx->in_memory_limit) {
		uint8_t *buf = thread_buffer(size ? (size_t)size : 1);

		if (!buf) {
			close(fd);
			return ST_ENOMEM;
		}
		memcpy(buf, head, hlen);
		if (size > hlen && !pread_all(fd, buf + hlen, (size_t)(size - hlen), (off_t)hlen))
			goto io_error;
		st_input_init_mem(&in, buf, size);
	} else {
		st_input_init_source(&in, (struct st_source){ fd_read, &fd, true }, 0, size);
	}
	in.sha256_done = !ctx->file_hash;
	in.legacy_wanted = ctx->file_hash && ctx->legacy_hashes;
	rc = run(ctx, &in, fmt, fmt == byext, path, out);
	saved = errno;
	st_input_clear(&in);
	close(fd);
	errno = saved;
	return rc;

io_error:
	saved = errno;
	close(fd);
	errno = saved;
	return ST_EIO;
}

/*
 * Directory trees copied out of a container (st_stage in core/format.h).
 *
 * A directory format (an Apple bundle) opens, lists and compares files by
 * name under a directory descriptor, as macOS does. A bundle inside a disk
 * image or a DMG's volume has no such descriptor, so its tree is copied
 * into a private directory under $TMPDIR (mode 0700, removed when done)
 * and verified there with the same code as one on disk: one seal check,
 * not two that could drift apart.
 *
 * The names come from hostile file systems. Each is created under its
 * parent's descriptor, never through a path: with O_EXCL, mkdirat and
 * symlinkat, a name listed twice (a link, then a directory of that name)
 * fails instead of writing through the link, and `.`, `..`, empty names
 * and names with `/` or NUL are refused. Links are created as links and
 * never followed (the bundle code compares them as links). Bytes and
 * entries are bounded (ST_LIMIT_STAGE_BYTES, ST_LIMIT_BUNDLE_FILES).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"
#include "driver/driver.h"

struct st_stage {
	char path[4096];   /* the private directory */
	int fd;            /* open on it */
	uint64_t bytes, entries;
	char why[512];     /* why the copy was refused */
	bool limited;      /* by a limit */
};

__attribute__((format(printf, 2, 3))) static int refuse(struct st_stage *s, const char *fmt, ...)
{
	va_list ap;

	if (!*s->why) {
		va_start(ap, fmt);
		vsnprintf(s->why, sizeof(s->why), fmt, ap);
		va_end(ap);
	}
	return ST_STAGE_REFUSED;
}

int st_stage_new(struct st_stage **out)
{
	const char *tmp = getenv("TMPDIR");
	struct st_stage *s;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return ST_ENOMEM;
	if (!tmp || *tmp != '/')
		tmp = "/tmp";
	if (snprintf(s->path, sizeof(s->path), "%s/sigtrace-stage-XXXXXX", tmp) >= (int)sizeof(s->path) ||
	    !mkdtemp(s->path)) {
		int e = errno;
		free(s);
		errno = e;
		return ST_EIO;
	}
	s->fd = open(s->path, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
	if (s->fd < 0) {
		int e = errno;
		rmdir(s->path);
		free(s);
		errno = e;
		return ST_EIO;
	}
	*out = s;
	return ST_OK;
}

int st_stage_root(const struct st_stage *s)
{
	return s->fd;
}

const char *st_stage_why(const struct st_stage *s, bool *limited)
{
	*limited = s->limited;
	return s->why;
}

static int entry_name_ok(struct st_stage *s, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 255 || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return refuse(s, "a name no directory can hold: '%.64s'", name);
	return ST_OK;
}

static int entry(struct st_stage *s, const char *name)
{
	int rc;

	if ((rc = entry_name_ok(s, name)))
		return rc;
	if (++s->entries > ST_LIMIT_BUNDLE_FILES) {
		s->limited = true;
		return refuse(s, "more than %u entries", (unsigned)ST_LIMIT_BUNDLE_FILES);
	}
	return ST_OK;
}

int st_stage_dir(struct st_stage *s, int dirfd, const char *name, int *fd)
{
	int rc;

	*fd = -1;
	if ((rc = entry(s, name)))
		return rc;
	if (mkdirat(dirfd, name, 0700) != 0)
		return refuse(s, "'%s' cannot be made: %s", name, strerror(errno));
	*fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
	if (*fd < 0)
		return refuse(s, "'%s' cannot be opened: %s", name, strerror(errno));
	return ST_OK;
}

/* The folder `rel` under the copy's root, open in *fd; made where
 * missing when `make`. */
static int open_dirs(struct st_stage *s, const char *rel, bool make, int *fd)
{
	char part[256];
	int at = dup(s->fd);

	*fd = -1;
	if (at < 0)
		return refuse(s, "the copy cannot be opened: %s", strerror(errno));
	for (const char *p = rel; *p;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		int next, rc;

		if (n >= sizeof(part)) {
			close(at);
			return refuse(s, "a name no directory can hold: '%.64s'", p);
		}
		memcpy(part, p, n);
		part[n] = '\0';
		p += n + (slash ? 1 : 0);
		if (n == 0)
			continue;
		if ((rc = entry_name_ok(s, part)) != ST_OK) {   /* "..": never up */
			close(at);
			return rc;
		}
		next = openat(at, part, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
		if (next < 0 && errno == ENOENT && make) {
			rc = st_stage_dir(s, at, part, &next);
			if (rc) {
				close(at);
				return rc;
			}
		} else if (next < 0) {
			/* A link or a file where a directory goes: refused, never
			 * followed. */
			close(at);
			return refuse(s, "'%s' is not a directory of the copy", part);
		}
		close(at);
		at = next;
	}
	*fd = at;
	return ST_OK;
}

int st_stage_dirs(struct st_stage *s, const char *rel, int *fd)
{
	return open_dirs(s, rel, true, fd);
}

int st_stage_file(struct st_stage *s, int dirfd, const char *name, uint64_t size,
		  int (*read)(void *arg, uint64_t off, void *buf, size_t len), void *arg)
{
	enum { CHUNK = 1 << 20 };
	uint8_t *buf = NULL;
	uint64_t off = 0;
	int fd, rc;

	if ((rc = entry(s, name)))
		return rc;
	if (size > ST_LIMIT_STAGE_BYTES - s->bytes) {
		s->limited = true;
		return refuse(s, "more than %llu bytes", (unsigned long long)ST_LIMIT_STAGE_BYTES);
	}
	s->bytes += size;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return refuse(s, "'%s' cannot be made: %s", name, strerror(errno));
	if (size && !(buf = malloc(size < CHUNK ? (size_t)size : CHUNK))) {
		close(fd);
		return ST_ENOMEM;
	}
	while (rc == ST_OK && off < size) {
		size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		size_t done = 0;

		if (read(arg, off, buf, n) != ST_OK) {
			rc = refuse(s, "'%s' cannot be read from its container", name);
			break;
		}
		while (done < n) {
			ssize_t k = write(fd, buf + done, n - done);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				rc = refuse(s, "'%s' cannot be written: %s", name,
					    strerror(k < 0 ? errno : ENOSPC));
				break;
			}
			done += (size_t)k;
		}
		off += n;
	}
	free(buf);
	close(fd);
	return rc;
}

int st_stage_link(struct st_stage *s, int dirfd, const char *name, const char *target)
{
	int rc;

	if ((rc = entry(s, name)))
		return rc;
	if (!*target || symlinkat(target, dirfd, name) != 0)
		return refuse(s, "link '%s' cannot be made: %s", name, *target ? strerror(errno) : "no target");
	return ST_OK;
}

int st_stage_hardlink(struct st_stage *s, const char *target, int dirfd, const char *name)
{
	const char *slash = strrchr(target, '/');
	char *dir;
	int at, rc;

	if ((rc = entry(s, name)))
		return rc;
	if (!slash)
		return refuse(s, "hard link '%s': its target is outside the copy", name);
	if (!(dir = strndup(target, (size_t)(slash - target))))
		return ST_ENOMEM;
	/* The target's folder reached as any other (no link followed on the
	 * way, nothing made: it must be there), then the link made from
	 * its last component, which linkat does not follow either. */
	rc = open_dirs(s, dir, false, &at);
	free(dir);
	if (rc)
		return rc;
	if ((rc = entry_name_ok(s, slash + 1)) == ST_OK && linkat(at, slash + 1, dirfd, name, 0) != 0)
		rc = refuse(s, "hard link '%s' to '%.200s' cannot be made: %s", name, target, strerror(errno));
	close(at);
	return rc;
}

int st_stage_verify(struct st_walk *w, struct st_part *parent, struct st_stage *s, const char *top,
		    const char *name, struct st_part **child)
{
	const struct st_format *fmt = NULL;
	size_t parts = w->parts;
	uint64_t decoded = w->decoded;
	int fd, rc;

	*child = NULL;
	fd = openat(s->fd, top, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0)
		return ST_OK;
	for (size_t i = 0; i < st_nformats && !fmt; i++)
		if (st_formats[i]->probe_directory && st_formats[i]->probe_directory(fd, top))
			fmt = st_formats[i];
	close(fd);
	if (!fmt || !st_driver_within_limits(w, parent, "member", name, &rc))
		return fmt ? rc : ST_OK;
	/* A file of its own inside the container, as a bundle in a folder is:
	 * its budgets start afresh. */
	w->parts = 1;
	w->decoded = 0;
	rc = st_walk_directory(w, parent, s->fd, top, name, fmt, child);
	w->parts = parts + 1;
	w->decoded = decoded;
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of one directory of the copy, in name order, then its
 * subdirectories'. */
static int walk_copy(struct st_walk *w, struct st_part *parent, int dirfd, const char *name, int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd, rc = ST_OK;

	if (depth > ST_LIMIT_BUNDLE_DEPTH || (fd = dup(dirfd)) < 0)
		return ST_OK;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return ST_OK;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **nv = realloc(names, nc * sizeof(*nv));
			if (!nv)
				goto enomem;
			names = nv;
			cap = nc;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto enomem;
		n++;
	}
	if (n)   /* qsort takes no NULL, even for nothing */
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; rc == ST_OK && i < n; i++) {
		struct stat st;
		char *full;

		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (asprintf(&full, "%s/%s", name, names[i]) < 0)
			goto enomem;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, names[i], O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
			if (sub >= 0) {
				rc = walk_copy(w, parent, sub, full, depth + 1);
				close(sub);
			}
		} else if (S_ISREG(st.st_mode) && st.st_size > 0) {
			uint8_t head[ST_PROBE_LEN];
			size_t k = (uint64_t)st.st_size < sizeof(head) ? (size_t)st.st_size : sizeof(head);
			int f = openat(dirfd, names[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			const struct st_format *fmt = NULL;

			if (f >= 0 && pread(f, head, k, 0) == (ssize_t)k)
				fmt = st_format_identify(w->ctx, st_span_make(head, k), (uint64_t)st.st_size);
			if (f >= 0)
				close(f);
			if (fmt) {
				struct st_member m = { .kind = "member", .name = full, .format = fmt };
				struct st_part *c;
				rc = st_walk_file(w, parent, dirfd, names[i], &m, &c);
			}
		}
		free(full);
	}
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int st_stage_walk_files(struct st_walk *w, struct st_part *parent, struct st_stage *s, const char *top,
			const char *name)
{
	int fd = openat(s->fd, top, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
	int rc;

	if (fd < 0)
		return ST_OK;
	rc = walk_copy(w, parent, fd, name, 1);
	close(fd);
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void st_stage_free(struct st_stage *s)
{
	if (!s)
		return;
	close(s->fd);
	/* Depth first, links not followed: only the private tree goes. */
	nftw(s->path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
}

const struct st_format *st_directory_candidate(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < st_nformats; i++)
		if (st_formats[i]->probe_listing && st_formats[i]->probe_listing(name, names, n))
			return st_formats[i];
	return NULL;
}

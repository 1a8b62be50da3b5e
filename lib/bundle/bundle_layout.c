/*
 * The shape of a bundle and the files its main executable's signature
 * binds from outside itself.
 *
 *   deep       X.app/Contents/Info.plist, Contents/MacOS/<executable>,
 *              Contents/_CodeSignature/CodeResources; the root is Contents/
 *   framework  X.framework/Versions/Current -> A, Versions/A/<executable>,
 *              Versions/A/Resources/Info.plist; the root is Versions/A/
 *   shallow    X.appex/Info.plist, <executable>, _CodeSignature/ at the top
 *
 * Bundles are told by their layout and a name with an extension, as Finder
 * and codesign tell them (an ordinary directory holding a Contents/Info.plist
 * by chance has no extension). Versions/Current is read as a link and must
 * name a directory beside it: the bundle is never left.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "core/limits.h"

static bool is_reg(int fd, const char *rel)
{
	struct stat st;

	return fstatat(fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(int fd, const char *rel)
{
	struct stat st;

	return fstatat(fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* The version Versions/Current names (a plain name), or false. */
static bool current_version(int fd, char *out, size_t len)
{
	ssize_t n = readlinkat(fd, "Versions/Current", out, len - 1);

	if (n <= 0 || (size_t)n >= len - 1)
		return false;
	out[n] = '\0';
	return strchr(out, '/') == NULL && strcmp(out, ".") != 0 && strcmp(out, "..") != 0;
}

bool bundle_probe(int fd, const char *name, enum bundle_shape *shape)
{
	const char *dot = strrchr(name, '.');
	char ver[256], rel[320];

	if (!dot || dot == name || !dot[1])
		return false;
	if (is_reg(fd, "Contents/Info.plist") && is_dir(fd, "Contents")) {
		*shape = BUNDLE_DEEP;
		return true;
	}
	if (is_dir(fd, "Versions") && current_version(fd, ver, sizeof(ver))) {
		snprintf(rel, sizeof(rel), "Versions/%s/Resources/Info.plist", ver);
		if (is_dir(fd, "Versions") && is_reg(fd, rel)) {
			*shape = BUNDLE_FRAMEWORK;
			return true;
		}
	}
	if (is_reg(fd, "Info.plist") && is_dir(fd, "_CodeSignature")) {
		*shape = BUNDLE_SHALLOW;
		return true;
	}
	return false;
}

int bundle_read_file(int dirfd, const char *rel, size_t max, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd;

	*out = NULL;
	*len = 0;
	fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return errno ? errno : EIO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return ST_ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : ESTALE;
			free(buf);
			close(fd);
			return err;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return ST_OK;
}

static uint64_t be_uint(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* A key string without NUL characters (libplist asserts on those too). */
static bool key_text_ok(const uint8_t *p, uint64_t off, uint64_t end)
{
	uint64_t count = p[off] & 0xF, pos = off + 1, unit = (p[off] >> 4) == 0x6 ? 2 : 1;

	if (count == 0xF) {
		uint8_t im;
		uint64_t w;
		if (pos >= end)
			return false;
		im = p[pos];
		if ((im >> 4) != 0x1 || (im & 0xF) > 3)
			return false;
		w = 1u << (im & 0xF);
		if (pos + 1 + w > end)
			return false;
		count = be_uint(p + pos + 1, (size_t)w);
		pos += 1 + w;
	}
	if (count > (end - pos) / unit)
		return false;
	for (uint64_t i = 0; i < count; i++) {
		if (unit == 1 ? p[pos + i] == 0 : (p[pos + 2 * i] | p[pos + 2 * i + 1]) == 0)
			return false;
	}
	return true;
}

/*
 * Whether every dictionary of a binary property list has strings for keys.
 * libplist 2.2 (Debian 12) takes any object as a key and then aborts on an
 * assertion when the dictionary is read (found by fuzz_coderesources), so
 * binary lists are checked here first: the trailer, the offset table and
 * each dictionary's key references, all bounds-checked.
 */
static bool bplist_keys_ok(const uint8_t *p, size_t n)
{
	uint64_t nobj, table, osz, rsz;

	if (n < 8 + 32 || memcmp(p, "bplist00", 8) != 0)
		return false;
	osz = p[n - 26];
	rsz = p[n - 25];
	nobj = be_uint(p + n - 24, 8);
	table = be_uint(p + n - 8, 8);
	if (osz < 1 || osz > 8 || rsz < 1 || rsz > 8 || table < 8 || table > n - 32 ||
	    nobj > (n - 32 - table) / osz)
		return false;
	for (uint64_t i = 0; i < nobj; i++) {
		uint64_t off = be_uint(p + table + i * osz, osz), count, refs;
		uint8_t m;

		if (off < 8 || off >= table)
			return false;
		m = p[off];
		if ((m >> 4) != 0xD)
			continue;
		count = m & 0xF;
		refs = off + 1;
		if (count == 0xF) {
			uint8_t im;
			uint64_t w;
			if (refs >= table)
				return false;
			im = p[refs];
			if ((im >> 4) != 0x1 || (im & 0xF) > 3)
				return false;
			w = 1u << (im & 0xF);
			if (refs + 1 + w > table)
				return false;
			count = be_uint(p + refs + 1, (size_t)w);
			refs += 1 + w;
		}
		if (count > (table - refs) / rsz / 2)
			return false;
		for (uint64_t k = 0; k < count; k++) {
			uint64_t ref = be_uint(p + refs + k * rsz, rsz), koff;
			uint8_t km;
			if (ref >= nobj)
				return false;
			koff = be_uint(p + table + ref * osz, osz);
			if (koff < 8 || koff >= table)
				return false;
			km = (uint8_t)(p[koff] >> 4);
			if (km != 0x5 && km != 0x6 && km != 0x7)
				return false;
			if (!key_text_ok(p, koff, table))
				return false;
		}
	}
	return true;
}

int bundle_parse_plist(const uint8_t *p, size_t n, plist_t *out)
{
	*out = NULL;
	if (n < 8 || n > UINT32_MAX)
		return ST_PARSE_MALFORMED;
	if (memcmp(p, "bplist00", 8) == 0) {
		if (!bplist_keys_ok(p, n))
			return ST_PARSE_MALFORMED;
		plist_from_bin((const char *)p, (uint32_t)n, out);
	} else if (memchr(p, '<', n)) {
		plist_from_xml((const char *)p, (uint32_t)n, out);
	}
	if (*out && plist_get_node_type(*out) != PLIST_DICT) {
		plist_free(*out);
		*out = NULL;
	}
	return *out ? ST_OK : ST_PARSE_MALFORMED;
}

static const char *info_string(plist_t info, const char *key)
{
	plist_t v = plist_dict_get_item(info, key);

	return v && plist_get_node_type(v) == PLIST_STRING ? plist_get_string_ptr(v, NULL) : NULL;
}

/* Reads a property list the bundle needs; a reason when it is unusable. */
static int read_plist(struct bundle *b, const char *rel, const char *what, uint8_t **bytes,
		      size_t *len, plist_t *pl, st_reasons *rs)
{
	int rc = bundle_read_file(b->root_fd, rel, ST_LIMIT_BUNDLE_PLIST, bytes, len);

	if (rc == ST_ENOMEM)
		return rc;
	if (rc == ENOENT)
		return ST_OK;
	if (rc) {
		ST_ADD(rs, rc == EFBIG ? ST_R_LIMIT_EXCEEDED : ST_R_MALFORMED_BUNDLE, ST_EFFECT_DEFAULT,
		       "%s%s%s cannot be read: %s", b->root, *b->root ? "/" : "", rel,
		       rc == EFBIG ? "larger than the limit" : strerror(rc));
		return ST_OK;
	}
	if (bundle_parse_plist(*bytes, *len, pl) != ST_OK)
		ST_ADD(rs, ST_R_MALFORMED_BUNDLE, ST_EFFECT_DEFAULT,
		       "%s%s%s is not a property list dictionary (%s)", b->root, *b->root ? "/" : "",
		       rel, what);
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

int bundle_open(struct bundle *b, int fd, enum bundle_shape shape, st_reasons *rs)
{
	char ver[256];
	const char *info_rel = "Info.plist";
	int rc;

	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->shape = shape;
	b->root_fd = -1;
	switch (shape) {
	case BUNDLE_DEEP:
		snprintf(b->root, sizeof(b->root), "Contents");
		break;
	case BUNDLE_FRAMEWORK:
		if (!current_version(fd, ver, sizeof(ver)))
			return ST_OK;
		snprintf(b->root, sizeof(b->root), "Versions/%s", ver);
		info_rel = "Resources/Info.plist";
		break;
	case BUNDLE_SHALLOW:
		break;
	}
	if (*b->root) {
		int vfd = shape == BUNDLE_FRAMEWORK
				  ? openat(fd, "Versions", O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW)
				  : dup(fd);
		if (vfd < 0)
			return ST_OK;
		b->root_fd = openat(vfd, shape == BUNDLE_FRAMEWORK ? ver : "Contents",
				    O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
		close(vfd);
		if (b->root_fd < 0)
			return ST_OK;
	} else if ((b->root_fd = dup(fd)) < 0) {
		return ST_OK;
	}
	snprintf(b->info_path, sizeof(b->info_path), "%s%s%s", b->root, *b->root ? "/" : "",
		 info_rel);
	if ((rc = read_plist(b, info_rel, "Info.plist", &b->info, &b->info_len, &b->info_plist, rs)))
		return rc;
	if (b->info_plist) {
		b->identifier = info_string(b->info_plist, "CFBundleIdentifier");
		b->version = info_string(b->info_plist, "CFBundleShortVersionString");
		if (!b->version)
			b->version = info_string(b->info_plist, "CFBundleVersion");
		b->executable = info_string(b->info_plist, "CFBundleExecutable");
	}
	if (b->executable && *b->executable && !strchr(b->executable, '/') &&
	    strcmp(b->executable, "..") != 0 && strcmp(b->executable, ".") != 0) {
		snprintf(b->exe_rel, sizeof(b->exe_rel), "%s%s", shape == BUNDLE_DEEP ? "MacOS/" : "",
			 b->executable);
		b->has_exe = true;
	} else if (b->executable) {
		ST_ADD(rs, ST_R_MALFORMED_BUNDLE, ST_EFFECT_DEFAULT,
		       "CFBundleExecutable '%.100s' is not a file name", b->executable);
	}
	if ((rc = read_plist(b, "_CodeSignature/CodeResources", "the seal", &b->seal, &b->seal_len,
			     &b->seal_plist, rs)))
		return rc;
	b->ticket = shape == BUNDLE_DEEP && is_reg(b->root_fd, "CodeResources");
	b->detached = is_reg(b->root_fd, "_CodeSignature/CodeDirectory");
	if (b->has_exe && b->detached && faccessat(b->root_fd, b->exe_rel, F_OK, AT_SYMLINK_NOFOLLOW) != 0 &&
	    errno == ENOENT)
		/* codesign signs a bundle whose CFBundleExecutable names no
		 * file as one without an executable, its signature detached
		 * (dwt 19.3.3's dwt_19.3.2.0306.bundle names
		 * "${EXECUTABLE_NAME}", a build variable left unexpanded). */
		b->has_exe = false;
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

void bundle_close(struct bundle *b)
{
	if (b->info_plist)
		plist_free(b->info_plist);
	if (b->seal_plist)
		plist_free(b->seal_plist);
	free(b->info);
	free(b->seal);
	if (b->root_fd >= 0)
		close(b->root_fd);
	memset(b, 0, sizeof(*b));
	b->root_fd = -1;
}

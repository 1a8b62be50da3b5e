/*
 * Directory trees copied out of containers (driver/staged_tree.c): names
 * refused where they would leave the copy, a name listed twice refused, a
 * link never followed, a failing read or a limit said, the copy removed
 * whole; and which directories the formats' listing probe accepts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/format.h"
#include "core/limits.h"
#include "harness.h"

static int bytes_read(void *arg, uint64_t off, void *buf, size_t len)
{
	const char *text = arg;

	for (size_t i = 0; i < len; i++)
		((char *)buf)[i] = text[(off + i) % strlen(text)];
	return ST_OK;
}

static int failing_read(void *arg, uint64_t off, void *buf, size_t len)
{
	(void)arg, (void)off, (void)buf, (void)len;
	return ST_EIO;
}

static bool empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return false;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n == 0;
}

static bool refused_with(struct st_stage *s, int rc, const char *words)
{
	bool limited;

	return rc == ST_STAGE_REFUSED && strstr(st_stage_why(s, &limited), words) != NULL;
}

int main(void)
{
	char tmp[] = "/tmp/st-stage-test-XXXXXX", outside[600], buf[64];
	struct st_stage *s = NULL;
	int root, a, b;
	bool limited;
	struct stat st;

	if (!mkdtemp(tmp))
		return 1;
	snprintf(outside, sizeof(outside), "%s-outside", tmp);
	mkdir(outside, 0700);
	setenv("TMPDIR", tmp, 1);

	CHECK(st_stage_new(&s) == ST_OK && s, "a copy is made under TMPDIR");
	root = st_stage_root(s);
	CHECK(st_stage_dir(s, root, "A.app", &a) == ST_OK && a >= 0, "a directory");
	CHECK(st_stage_file(s, a, "Info.plist", 10, bytes_read, "plist") == ST_OK, "a file");
	{
		int fd = openat(a, "Info.plist", O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		CHECK(n == 10 && memcmp(buf, "plistplist", 10) == 0, "its bytes as read");
		if (fd >= 0)
			close(fd);
	}
	/* Names that leave the copy, or that no directory holds. */
	CHECK(refused_with(s, st_stage_dir(s, a, "..", &b), "no directory can hold"), "'..' refused");
	CHECK(refused_with(s, st_stage_file(s, a, ".", 1, bytes_read, "x"), "no directory can hold") ||
		      st_stage_file(s, a, ".", 1, bytes_read, "x") == ST_STAGE_REFUSED,
	      "'.' refused");
	CHECK(st_stage_link(s, a, "a/b", "x") == ST_STAGE_REFUSED, "a name with '/' refused");
	CHECK(st_stage_file(s, a, "", 1, bytes_read, "x") == ST_STAGE_REFUSED, "an empty name refused");
	st_stage_free(s);

	/* A name listed twice: a link first, then a directory or a file of
	 * that name; and a path through a link. Nothing lands outside. */
	CHECK(st_stage_new(&s) == ST_OK, "a second copy");
	root = st_stage_root(s);
	CHECK(st_stage_dir(s, root, "A.app", &a) == ST_OK, "its top");
	CHECK(st_stage_link(s, a, "Contents", outside) == ST_OK, "a link to a folder outside");
	CHECK(st_stage_dir(s, a, "Contents", &b) == ST_STAGE_REFUSED && b == -1,
	      "a directory over the link refused");
	CHECK(st_stage_file(s, a, "Contents", 4, bytes_read, "evil") == ST_STAGE_REFUSED,
	      "a file over the link refused");
	CHECK(refused_with(s, st_stage_dirs(s, "A.app/Contents/MacOS", &b), "") && b == -1,
	      "a path through the link refused");
	CHECK(empty_dir(outside), "nothing written through the link");
	CHECK(lstat(outside, &st) == 0 && S_ISDIR(st.st_mode), "the link's target untouched");
	CHECK(st_stage_dirs(s, "A.app/../x", &b) == ST_STAGE_REFUSED, "a path climbing up refused");
	CHECK(st_stage_hardlink(s, "A.app/Contents/passwd", a, "h") == ST_STAGE_REFUSED,
	      "a hard link whose target lies through a link refused");
	CHECK(st_stage_hardlink(s, "", a, "h2") == ST_STAGE_REFUSED, "a hard link to nothing refused");
	close(a);
	st_stage_free(s);

	/* st_stage_dirs makes what is missing and opens what is there. */
	CHECK(st_stage_new(&s) == ST_OK, "a third copy");
	CHECK(st_stage_dirs(s, "X.app/Contents/MacOS", &a) == ST_OK && a >= 0, "folders made along a path");
	CHECK(st_stage_file(s, a, "x", 3, bytes_read, "abc") == ST_OK, "a file in the deepest");
	CHECK(st_stage_hardlink(s, "X.app/Contents/MacOS/x", a, "x2") == ST_OK &&
		      fstatat(a, "x2", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_nlink == 2 && st.st_size == 3,
	      "a hard link to a file copied before");
	close(a);
	CHECK(st_stage_dirs(s, "X.app/Contents", &a) == ST_OK && a >= 0 &&
		      fstatat(a, "MacOS/x", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_size == 3,
	      "an existing folder opened again");
	/* A read that fails, a file past the limit: said, limit flagged. */
	CHECK(refused_with(s, st_stage_file(s, a, "y", 5, failing_read, NULL), "cannot be read"),
	      "a failing read refuses the copy");
	st_stage_why(s, &limited);
	CHECK(!limited, "a failing read is no limit");
	CHECK(st_stage_hardlink(s, "X.app/Contents/MacOS/none", a, "x3") == ST_STAGE_REFUSED,
	      "a hard link to a file not copied refused");

	close(a);
	st_stage_free(s);
	CHECK(st_stage_new(&s) == ST_OK, "a fourth copy");
	CHECK(st_stage_file(s, st_stage_root(s), "big", ST_LIMIT_STAGE_BYTES + 1, bytes_read, "x") ==
		      ST_STAGE_REFUSED,
	      "a file past the copy's byte limit refused before it is read");
	st_stage_why(s, &limited);
	CHECK(limited, "... as a limit");
	st_stage_free(s);
	CHECK(empty_dir(tmp), "every copy removed whole");

	/* The listing probe: Apple's bundle extensions, or a bundle layout. */
	{
		const char *contents[] = { "Contents" }, *framework[] = { "Resources", "Framework64" },
			   *shallow[] = { "Info.plist", "_CodeSignature" }, *none[] = { "x" };
		CHECK(st_directory_candidate("X.app", NULL, 0) != NULL, "X.app: a candidate by its name");
		CHECK(st_directory_candidate("Kit.framework", none, 1) != NULL, "Kit.framework too");
		CHECK(st_directory_candidate("Tool.v2", contents, 1) != NULL,
		      "another extension with Contents/: a candidate");
		CHECK(st_directory_candidate("Microsoft.NET", framework, 2) == NULL,
		      "Microsoft.NET holding no bundle layout: none");
		CHECK(st_directory_candidate("Widget.wdgt", shallow, 2) != NULL, "a shallow layout");
		CHECK(st_directory_candidate("amd64_microsoft-windows-x_31bf3856ad364e35_10.0.1_none_1a2b",
					     contents, 1) == NULL,
		      "a component-store folder (dotted, with '_' and '-'): none, whatever it holds");
		CHECK(st_directory_candidate("Contents", contents, 1) == NULL, "no extension: none");
	}
	rmdir(outside);
	rmdir(tmp);
	return harness_done();
}

/* Fuzz target: a bundle's seal (CodeResources, XML or binary property
 * list) checked against a fixed bundle tree (lib/bundle: the plist reader,
 * the rules, the walk, nested code and requirement strings). The tree is
 * made once in a temporary directory: resources, a localisation folder,
 * a nested framework with its Versions/Current link, a helper that is not
 * Mach-O, a link out of the bundle. The input is also evaluated as a
 * requirement string. Seeded with the seals of the test fixtures
 * (tests/e2e/tools/make-bundle.py) and hand-written rules. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "core/result.h"
#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];
static st_context *ctx;

static void put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if ((f = fopen(p, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void dir(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	(void)mkdir(p, 0755);
}

static void setup(void)
{
	char p[256];

	snprintf(root, sizeof(root), "/tmp/fuzz-bundle-XXXXXX");
	if (!mkdtemp(root))
		abort();
	dir("X.app");
	dir("X.app/Contents");
	dir("X.app/Contents/MacOS");
	dir("X.app/Contents/Resources");
	dir("X.app/Contents/Resources/en.lproj");
	dir("X.app/Contents/Frameworks");
	dir("X.app/Contents/Frameworks/F.framework");
	dir("X.app/Contents/Frameworks/F.framework/Versions");
	dir("X.app/Contents/Frameworks/F.framework/Versions/A");
	dir("X.app/Contents/Frameworks/F.framework/Versions/A/Resources");
	put("X.app/Contents/Info.plist", "<plist><dict><key>CFBundleExecutable</key><string>X</string></dict></plist>");
	put("X.app/Contents/MacOS/X", "not code");
	put("X.app/Contents/MacOS/helper", "#!/bin/sh\n");
	put("X.app/Contents/Resources/a.txt", "a");
	put("X.app/Contents/Resources/en.lproj/b.strings", "b");
	put("X.app/Contents/Frameworks/F.framework/Versions/A/Resources/Info.plist",
	    "<plist><dict><key>CFBundleExecutable</key><string>F</string></dict></plist>");
	put("X.app/Contents/Frameworks/F.framework/Versions/A/F", "not code");
	snprintf(p, sizeof(p), "%s/X.app/Contents/Frameworks/F.framework/Versions/Current", root);
	if (symlink("A", p) != 0)
		abort();
	snprintf(p, sizeof(p), "%s/X.app/Contents/Resources/out", root);
	if (symlink("../../../../etc/passwd", p) != 0)
		abort();
	if (st_context_new(&ctx) != ST_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle b;
	struct bundle_seal_stats stats = { 0 };
	struct st_walk w = { .parts = 1 };
	st_result *res;
	char path[128], *req;
	st_reasons rs = { 0 };
	int fd;

	if (!ctx)
		setup();
	if (size > (1u << 20))
		return 0;
	req = malloc(size + 1);
	if (!req)
		return 0;
	memcpy(req, data, size);
	req[size] = '\0';
	(void)bundle_requirement_eval(req, NULL, "x", "T", "00");
	free(req);

	snprintf(path, sizeof(path), "%s/X.app", root);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	w.ctx = ctx;
	w.dirname = "X.app";
	if (bundle_open(&b, fd, BUNDLE_DEEP, &rs) == ST_OK && b.root_fd >= 0) {
		if (b.seal_plist)
			plist_free(b.seal_plist);
		b.seal_plist = NULL;
		(void)bundle_parse_plist(data, size, &b.seal_plist);
		res = st_result_new(0);
		if (res && b.seal_plist) {
			(void)bundle_check_seal(&w, &res->root, &b, &stats);
			st_part_finish(&res->root);
			fuzz_touch_part(st_result_part(res));
		}
		st_result_free(res);
	}
	bundle_close(&b);
	st_reasons_clear(&rs);
	close(fd);
	return 0;
}

/* Fuzz target: a security catalog through the catalog format (its member
 * list, name-values and signature: catalog_members.c, catalog_signature.c,
 * with every accessor touched), then as a catalog index (catalog_index.c)
 * looked up by the first member's digest. Seeded with catalogs made by
 * tests/e2e/tools/make-cat.py. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	st_context *ctx = NULL;
	struct cat_file c;
	char why[200], path[] = "/tmp/fuzz_catalog.XXXXXX";
	int fd;

	(void)fuzz_whole_file(data, size);
	if (st_context_new(&ctx) != ST_OK)
		return 0;
	st_context_set_time(ctx, 1748736000); /* 2025-06-01 */
	if (cat_parse(ctx, data, size, &c, why, sizeof(why)) == ST_OK) {
		uint8_t d1[20] = { 0 }, d2[32] = { 0 };
		struct st_part part = { .kind = "file" };

		for (size_t i = 0; i < c.n; i++) {
			if (c.members[i].len == 20)
				memcpy(d1, c.members[i].digest, 20);
			else
				memcpy(d2, c.members[i].digest, 32);
		}
		fd = mkstemp(path);
		if (fd >= 0) {
			if (write(fd, data, size) == (ssize_t)size) {
				size_t n = 0;
				if (st_context_add_catalogs(ctx, path, &n) == ST_OK &&
				    cat_index_vouch(ctx, d1, d2, &part) == ST_OK) {
					st_part_finish(&part);
					fuzz_touch_part(&part);
				}
			}
			close(fd);
			unlink(path);
		}
		st_part_clear(&part);
		cat_clear(&c);
	}
	st_context_free(ctx);
	return 0;
}

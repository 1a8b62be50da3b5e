/* Fuzz target: an archive through st_verify_buffer (libarchive's readers
 * for tar, cpio, 7-Zip, RAR, ar and the compressed forms, the member walk
 * with its head reads, limits and nested verification: lib/archive).
 * Seeded with archives the tests make with tar, gzip, xz, cpio and 7z.
 * Two archive passwords are set: "wrong1175" passes the one-byte check of
 * the first file of the seed fz-enc-retry.zip without opening it, so that
 * seed reaches the walk again with each password alone; "infected" opens
 * fz-enc.zip and fz-enc-retry.zip. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static st_context *ctx;
	st_result *res = NULL;

	if (!ctx) {
		if (st_context_new(&ctx) != ST_OK)
			return 0;
		st_context_set_time(ctx, 1748736000); /* 2025-06-01 */
		if (st_context_add_archive_password(ctx, "wrong1175") != ST_OK ||
		    st_context_add_archive_password(ctx, "infected") != ST_OK)
			return 0;
	}
	if (st_verify_buffer(ctx, data, size, &res) == ST_OK) {
		fuzz_touch_part(st_result_part(res));
		st_result_free(res);
	}
	return 0;
}

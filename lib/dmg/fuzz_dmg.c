/* Fuzz target: a disk image verified with the disk-image format (its
 * trailer is at the end, so the driver gives it .dmg files by name; here
 * every input is one): the koly trailer, the data fork checksum, the
 * embedded SuperBlob, CodeDirectory, trailer slot and CMS (lib/dmg,
 * lib/macho), the chunk table and the volume it maps (dmg_volume.c, then
 * lib/image). Seeded with images written by tests/e2e/tools/make-dmg.py
 * under the test PKI. */
#include <stddef.h>
#include <stdint.h>

#include "core/context.h"
#include "core/format.h"
#include "core/result.h"
#include "fuzz_walk.h"
#include "x509/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct st_format st_format_dmg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static st_context *ctx;
	struct st_walk w = { .parts = 1 };
	struct st_input in;
	st_result *res;

	if (!ctx) {
		if (st_context_new(&ctx) != ST_OK || st_trust_prepare(ctx->trust) != ST_OK)
			return 0;
		st_context_set_time(ctx, 1748736000);
	}
	w.ctx = ctx;
	res = st_result_new(size);
	if (!res)
		return 0;
	st_input_init_mem(&in, data, size);
	res->root.fmt = &st_format_dmg;
	res->root.size = size;
	if (st_format_dmg.verify(&w, &in, &res->root) == ST_OK)
		fuzz_touch_part(st_result_part(res));
	st_input_clear(&in);
	st_result_free(res);
	return 0;
}

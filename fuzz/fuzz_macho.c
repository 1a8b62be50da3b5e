/* Fuzz target: a whole file through st_verify_buffer, seeded with Mach-O
 * files (thin and universal headers, load commands, __LINKEDIT and
 * LC_CODE_SIGNATURE bounds, then everything fuzz_codesign reaches). */
#include <stddef.h>
#include <stdint.h>

#include "sigtrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static st_context *ctx;
	st_result *res = NULL;

	if (!ctx) {
		if (st_context_new(&ctx) != ST_OK)
			return 0;
		st_context_set_time(ctx, 1748736000); /* 2025-06-01 */
	}
	if (st_verify_buffer(ctx, data, size, &res) == ST_OK) {
		for (size_t i = 0; i < st_result_slice_count(res); i++)
			(void)st_result_slice_arch(res, i);
		for (size_t i = 0; i < st_result_signature_count(res); i++) {
			const st_signature *s = st_result_signature(res, i);
			(void)st_signature_signing_id(s);
			for (size_t k = 0; k < st_signature_chain_length(s); k++)
				(void)st_cert_subject(st_signature_chain_cert(s, k));
		}
		st_result_free(res);
	}
	return 0;
}

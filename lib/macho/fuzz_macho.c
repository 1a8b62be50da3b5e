/* Fuzz target: a whole file through st_verify_buffer, seeded with Mach-O
 * files (thin and universal headers, load commands, __LINKEDIT and
 * LC_CODE_SIGNATURE bounds, then everything fuzz_codesign reaches). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_whole_file(data, size);
}

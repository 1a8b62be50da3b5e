/* Fuzz target: an archive through st_verify_buffer (libarchive's readers
 * for tar, cpio, 7-Zip, RAR, ar and the compressed forms, the member walk
 * with its head reads, limits and nested verification: lib/archive).
 * Seeded with archives the tests make with tar, gzip, xz, cpio and 7z. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_whole_file(data, size);
}

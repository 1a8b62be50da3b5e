/* Fuzz target: a whole file through st_verify_buffer (PE headers, section
 * table, certificate table, Authenticode digest and page hashes, PKCS#7,
 * timestamps, chains, version resource), seeded with PE files. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_whole_file(data, size);
}

/* Fuzz target: a compound file through st_verify_buffer (the header and
 * sector tables, the directory tree, stream chains, the digest walk, the
 * summary information and the search for uncovered data: lib/msi). Seeded
 * with packages made by wixl and signed by osslsigncode under the test
 * PKI, with and without MsiDigitalSignatureEx. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_whole_file(data, size);
}

/* Fuzz target: an app package through st_verify_buffer (the ZIP end
 * records and central directory, local records, inflation, the APPX digest,
 * the block map and the manifest: lib/appx). Seeded with packages zipped by
 * tests/e2e/tools/make-appx.py and signed by osslsigncode under the test
 * PKI. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_whole_file(data, size);
}

/* Fuzz target: a xar archive through st_verify_buffer (the header, the
 * inflated table of contents read by libxml2, the TOC checksum, the RSA and
 * CMS signatures, every file's archived checksum and the members:
 * lib/xar). Seeded with packages written by tests/e2e/tools/make-xar.py and
 * signed under the test PKI. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_whole_file(data, size);
}

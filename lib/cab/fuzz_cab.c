/* Fuzz target: a cabinet through st_verify_buffer (its header, the reserve
 * that places the signature, the hashed ranges and the Authenticode check
 * behind them: cab_format.c). Seeded with cabinets made by gcab and signed
 * by osslsigncode under the test PKI. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_whole_file(data, size);
}

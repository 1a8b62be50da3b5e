/* Fuzz target: a script through st_verify_buffer (the signature block's
 * lines, base64, the text's encodings and the Authenticode check behind
 * them: script_text.c, script_format.c). Seeded with scripts signed by
 * osslsigncode under the test PKI and by Microsoft. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_whole_file(data, size);
}

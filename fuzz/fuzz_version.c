/* Fuzz target: PE headers and the RT_VERSION resource tree. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pe/pe_image.h"
#include "pe/pe_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pe_image img;
	st_result *res = calloc(1, sizeof(*res));

	if (!res)
		return 0;
	if (pe_parse(st_span_make(data, size), &img, &res->reasons) == PE_OK)
		(void)pe_version_read(&img, res);
	pe_image_clear(&img);
	st_result_free(res);
	return 0;
}

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
	struct st_input in;
	st_result *res = st_result_new(size);
	char why[200];

	if (!res)
		return 0;
	st_input_init_mem(&in, data, size);
	if (pe_parse(&in, &img, why, sizeof(why)) == ST_OK)
		(void)pe_version_read(&img, &res->root, pe_version_decls);
	pe_image_clear(&img);
	st_input_clear(&in);
	st_result_free(res);
	return 0;
}

/* Fuzz target: one Authenticode PKCS#7 blob (SignedData,
 * SpcIndirectDataContent, page-hash tables, signer infos, RFC 3161 and
 * PKCS#9 timestamps, nested signatures) verified against a fixed digest. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authenticode/authenticode.h"
#include "authenticode/spc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fixed_digest(void *arg, int nid, uint8_t *out, unsigned *outlen,
			st_reasons *rs)
{
	(void)arg;
	(void)rs;
	*outlen = (unsigned)EVP_MD_get_size(st_md_get(nid));
	memset(out, 0x5a, *outlen);
	return ST_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static st_context *ctx;
	struct ac_subject subj = {
		.indirect_type = OID_SPC_PE_IMAGE_DATA,
		.type_name = "PE image",
		.digest = fixed_digest,
		.policy = &st_policy_windows,
	};
	st_result *res;

	if (!ctx && st_context_new(&ctx) != ST_OK)
		return 0;
	res = st_result_new(size);
	if (!res)
		return 0;
	res->root.signed_structure = true;
	(void)ac_verify(ctx, &subj, st_span_make(data, size), &res->root, 0);
	st_part_finish(&res->root);
	st_result_free(res);
	return 0;
}

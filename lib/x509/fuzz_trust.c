/* Fuzz target: one trust file, as --trust and --dbx read it. The input is
 * loaded as anchors or a root list (PEM, DER, PKCS#7, serialized store,
 * certificate trust list: x509/trust.c, x509/ctl.c), then as UEFI dbx
 * signature lists (x509/dbx.c), and the stores are built. A root list is
 * parsed in full (every entry and attribute) before its signature is
 * checked; its attributes are interpreted only once the signature verifies,
 * which a mutated list never does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "x509/dbx.h"
#include "x509/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct st_trust *t;
	uint8_t *d;
	char why[256];
	size_t skipped;

	if (size > ST_LIMIT_TRUST_FILE)
		return 0;
	t = st_trust_new();
	d = malloc(size + 1);
	if (t && d) {
		memcpy(d, data, size);
		d[size] = 0;
		(void)st_trust_add_bytes(t, d, size, "fuzz", why, sizeof(why));
		(void)st_dbx_add_lists(t, d, size, "fuzz", &skipped, why, sizeof(why));
		(void)st_trust_prepare(t);
	}
	free(d);
	st_trust_free(t);
	return 0;
}

/* Unit tests for publisher-name matching (impostor names, homoglyphs), as
 * the library does it for publisher_impersonation and the outliers. */
#include <stdbool.h>
#include <string.h>

#include "harness.h"
#include "sigtrace.h"

static st_context *ctx;

static bool is(const char *name, const char *pub, bool want_exact)
{
	int exact = !want_exact;
	const char *got = st_publisher_claimed(ctx, name, &exact);
	return got && strcmp(got, pub) == 0 && (exact != 0) == want_exact;
}

static bool none(const char *name)
{
	int exact;
	return st_publisher_claimed(ctx, name, &exact) == NULL;
}

int main(void)
{
	if (st_context_new(&ctx) != ST_OK)
		return 1;
	CHECK(is("Microsoft Corporation", "Microsoft Corporation", true), "exact name");
	CHECK(is("MICROSOFT  CORPORATION", "Microsoft Corporation", true), "case and spacing");
	CHECK(is("Microsoft Windows Production PCA 2011", "Microsoft Corporation", true), "CA name");
	CHECK(is("Microsoft Corporaton", "Microsoft Corporation", true), "misspelt suffix, exact key word");
	CHECK(is("Micros0ft Corporation", "Microsoft Corporation", true), "digit homoglyph folded");
	CHECK(is("\xd0\x9c\xd1\x96" "crosoft Corporation", "Microsoft Corporation", true),
	      "Cyrillic homoglyphs folded");
	CHECK(is("Rnicrosoft Corporation", "Microsoft Corporation", true), "rn for m folded");
	CHECK(is("Microsfot Corporation", "Microsoft Corporation", false), "transposed letters: near miss");
	CHECK(is("Mikrosoft", "Microsoft Corporation", false), "one letter off: near miss");
	CHECK(is("Tencent Technology (Shenzhen) Company Limited", "Tencent Technology (Shenzhen) Company Limited", true),
	      "Tencent");
	CHECK(is("Broadcom Corporation", "Broadcom Inc.", true), "Broadcom");
	CHECK(none("sigtrace Test Code Signer"), "an unrelated name");
	CHECK(none("Intelligent Systems GmbH"), "a longer word containing a short key does not match");
	CHECK(none("Appleton Papers"), "short keys match exactly only");
	CHECK(none(""), "empty");
	st_context_free(ctx);
	return harness_done();
}

/* Unit tests for the file verdict from several signatures and file-level
 * reasons (docs/reasons.md, "Files with several signatures"). */
#include <stdlib.h>

#include "core/result.h"
#include "harness.h"

static st_result *make(void)
{
	return calloc(1, sizeof(st_result));
}

static void sig(st_result *r, st_reason code, st_verdict effect)
{
	int i = st_result_add_signature(r);
	if (i >= 0 && code != ST_R__COUNT)
		st_reasons_add(&r->sigs[i].reasons, code, effect, "test");
}

#define NONE ST_R__COUNT

int main(void)
{
	st_result *r;

	r = make();
	st_result_finish(r, false);
	CHECK(r->verdict == ST_VERDICT_UNSIGNED, "no table, no signature: unsigned");
	st_result_free(r);

	r = make();
	st_reasons_add(&r->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT, "t");
	st_result_finish(r, true);
	CHECK(r->verdict == ST_VERDICT_MALFORMED, "a table without a usable signature: malformed");
	st_result_free(r);

	r = make();
	sig(r, NONE, 0);
	sig(r, ST_R_UNTRUSTED_ROOT, ST_VERDICT_UNTRUSTED);
	st_result_finish(r, true);
	CHECK(r->verdict == ST_VERDICT_VALID, "valid + untrusted second signature: valid (shim)");
	CHECK(st_result_reason_count(r) == 1 && st_result_reason(r, 0) == ST_R_UNTRUSTED_ROOT,
	      "the second signature's reason is still listed");
	st_result_free(r);

	r = make();
	sig(r, NONE, 0);
	sig(r, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT);
	st_result_finish(r, true);
	CHECK(r->verdict == ST_VERDICT_INVALID, "valid + broken signature: invalid");
	st_result_free(r);

	r = make();
	sig(r, ST_R_SELF_SIGNED, ST_VERDICT_UNTRUSTED);
	sig(r, ST_R_UNTRUSTED_ROOT, ST_VERDICT_UNTRUSTED);
	st_result_finish(r, true);
	CHECK(r->verdict == ST_VERDICT_UNTRUSTED, "only untrusted signatures: untrusted");
	st_result_free(r);

	r = make();
	sig(r, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT);
	sig(r, ST_R_CERT_EXPIRED, ST_EFFECT_DEFAULT);
	st_result_finish(r, true);
	CHECK(r->verdict == ST_VERDICT_MALFORMED, "malformed is worse than invalid");
	st_result_free(r);

	r = make();
	sig(r, ST_R_WEAK_DIGEST, ST_VERDICT_VALID);
	st_reasons_add(&r->reasons, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT, "t");
	st_result_finish(r, true);
	CHECK(r->verdict == ST_VERDICT_INVALID, "a file-level reason applies over a valid signature");
	CHECK(r->sigs[0].verdict == ST_VERDICT_VALID, "a warning leaves the signature valid");
	st_result_free(r);

	r = make();
	sig(r, ST_R_TIMESTAMP_INVALID, ST_VERDICT_UNTRUSTED);
	st_reasons_add(&r->sigs[0].reasons, ST_R_TIMESTAMP_INVALID, ST_VERDICT_INVALID, "again");
	st_result_finish(r, true);
	CHECK(r->verdict == ST_VERDICT_INVALID && r->sigs[0].reasons.n == 1,
	      "a repeated reason raises the effect and is listed once");
	st_result_free(r);
	return harness_done();
}

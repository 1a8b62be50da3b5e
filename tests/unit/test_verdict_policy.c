/* Unit tests for the file verdict from several signatures and file-level
 * reasons (docs/reasons.md, "Files with several signatures"). */
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "harness.h"

static st_result *make(void)
{
	return st_result_new(0);
}

static void finish(st_result *r, bool signed_structure)
{
	r->root.signed_structure = signed_structure;
	st_part_finish(&r->root);
}

/* A constituent child (a slice) with one signature carrying `code`, or
 * unsigned when code is NONE. */
static void slice(st_result *r, st_reason code, st_verdict effect)
{
	struct st_part *c = st_part_add_child(&r->root, "slice", "arm64", true);
	if (!c)
		return;
	if (code != ST_R__COUNT) {
		int i = st_part_add_signature(c);
		if (i >= 0)
			st_reasons_add(&c->sigs[i].reasons, code, effect, "test");
		c->signed_structure = true;
	}
	c->policy = ST_POLICY_ALL_HOLD;
	st_part_finish(c);
}

static void sig(st_result *r, st_reason code, st_verdict effect)
{
	int i = st_part_add_signature(&r->root);
	if (i >= 0 && code != ST_R__COUNT)
		st_reasons_add(&r->root.sigs[i].reasons, code, effect, "test");
}

#define NONE ST_R__COUNT

int main(void)
{
	st_result *r;

	r = make();
	finish(r, false);
	CHECK(r->root.verdict == ST_VERDICT_UNSIGNED, "no table, no signature: unsigned");
	st_result_free(r);

	r = make();
	st_reasons_add(&r->root.reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT, "t");
	finish(r, true);
	CHECK(r->root.verdict == ST_VERDICT_MALFORMED, "a table without a usable signature: malformed");
	st_result_free(r);

	r = make();
	sig(r, NONE, 0);
	sig(r, ST_R_UNTRUSTED_ROOT, ST_VERDICT_UNTRUSTED);
	finish(r, true);
	CHECK(r->root.verdict == ST_VERDICT_VALID, "valid + untrusted second signature: valid (shim)");
	CHECK(st_result_reason_count(r) == 1 && st_result_reason(r, 0) == ST_R_UNTRUSTED_ROOT,
	      "the second signature's reason is still listed");
	st_result_free(r);

	r = make();
	sig(r, NONE, 0);
	sig(r, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT);
	finish(r, true);
	CHECK(r->root.verdict == ST_VERDICT_INVALID, "valid + broken signature: invalid");
	st_result_free(r);

	r = make();
	sig(r, ST_R_SELF_SIGNED, ST_VERDICT_UNTRUSTED);
	sig(r, ST_R_UNTRUSTED_ROOT, ST_VERDICT_UNTRUSTED);
	finish(r, true);
	CHECK(r->root.verdict == ST_VERDICT_UNTRUSTED, "only untrusted signatures: untrusted");
	st_result_free(r);

	r = make();
	sig(r, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT);
	sig(r, ST_R_CERT_EXPIRED, ST_EFFECT_DEFAULT);
	finish(r, true);
	CHECK(r->root.verdict == ST_VERDICT_MALFORMED, "malformed is worse than invalid");
	st_result_free(r);

	r = make();
	sig(r, ST_R_WEAK_DIGEST, ST_VERDICT_VALID);
	st_reasons_add(&r->root.reasons, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT, "t");
	finish(r, true);
	CHECK(r->root.verdict == ST_VERDICT_INVALID, "a file-level reason applies over a valid signature");
	CHECK(r->root.sigs[0].verdict == ST_VERDICT_VALID, "a warning leaves the signature valid");
	st_result_free(r);

	r = make();
	sig(r, ST_R_TIMESTAMP_INVALID, ST_VERDICT_UNTRUSTED);
	st_reasons_add(&r->root.sigs[0].reasons, ST_R_TIMESTAMP_INVALID, ST_VERDICT_INVALID, "again");
	finish(r, true);
	CHECK(r->root.verdict == ST_VERDICT_INVALID && r->root.sigs[0].reasons.n == 1,
	      "a repeated reason raises the effect and is listed once");
	st_result_free(r);

	/* Every part must hold (Mach-O): the worst constituent decides. */
	r = make();
	r->root.policy = ST_POLICY_ALL_HOLD;
	slice(r, ST_R_ADHOC, ST_EFFECT_DEFAULT);
	slice(r, ST_R__COUNT, 0);
	finish(r, true);
	CHECK(r->root.verdict == ST_VERDICT_UNTRUSTED, "all-hold: an unsigned slice is the format's to judge");
	CHECK(st_result_reason_count(r) == 1 && st_result_reason(r, 0) == ST_R_ADHOC,
	      "a constituent's reasons are the file's");
	st_result_free(r);

	r = make();
	r->root.policy = ST_POLICY_ALL_HOLD;
	slice(r, ST_R_WEAK_DIGEST, ST_VERDICT_VALID);
	slice(r, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT);
	finish(r, true);
	CHECK(r->root.verdict == ST_VERDICT_INVALID, "all-hold: one broken slice breaks the file");
	CHECK(st_part_primary_signature(&r->root) == &r->root.children[0]->sigs[0],
	      "the primary signature is the first constituent's");
	st_result_free(r);

	r = make();
	r->root.policy = ST_POLICY_ALL_HOLD;
	slice(r, ST_R__COUNT, 0);
	finish(r, false);
	CHECK(r->root.verdict == ST_VERDICT_UNSIGNED, "all-hold: only unsigned slices: unsigned");
	st_result_free(r);

	/* A member of a container is a file of its own: its verdict is not
	 * its container's. */
	r = make();
	{
		struct st_part *m = st_part_add_child(&r->root, "member", "x.exe", false);
		int i = m ? st_part_add_signature(m) : -1;
		if (i >= 0)
			st_reasons_add(&m->sigs[i].reasons, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT, "t");
		if (m)
			st_part_finish(m);
		CHECK(m && strcmp(st_part_path(m), "x.exe") == 0, "a member's path is its name");
	}
	finish(r, false);
	CHECK(r->root.verdict == ST_VERDICT_UNSIGNED && st_result_reason_count(r) == 0,
	      "an independent member does not judge its container");
	st_result_free(r);
	return harness_done();
}

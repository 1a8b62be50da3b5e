/*
 * A file's own metadata claims a publisher (a PE version resource's
 * CompanyName, an MSI's summary Author) that signs everything it ships, and
 * the file is unsigned or not validly signed: MetaTwin-style impostors copy
 * the metadata, and often the signature, of a genuine file.
 */
#include "authenticode/authenticode.h"
#include "core/context.h"
#include "x509/trust.h"
#include "x509/publishers.h"

int ac_check_claim(const st_context *ctx, struct st_part *part, const char *where,
		   const char *claim)
{
	const struct st_publisher *p;
	bool exact = false;

	if (!claim || (part->verdict != ST_VERDICT_UNSIGNED && part->verdict < ST_VERDICT_INVALID))
		return ST_OK;
	p = st_publisher_match(&ctx->trust->publishers, claim, &exact);
	if (!p || !p->always_signs)
		return ST_OK;
	ST_ADD(&part->reasons, ST_R_METADATA_MISMATCH, ST_EFFECT_DEFAULT,
	       "%s claims '%s' (%s signs every file it ships), but the file is %s", where, claim,
	       p->name, part->verdict == ST_VERDICT_UNSIGNED ? "unsigned" : "not validly signed");
	st_part_finish(part);
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

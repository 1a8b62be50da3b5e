/*
 * Nested code: a bundle inside the bundle (Frameworks/X.framework,
 * PlugIns/X.appex, XPCServices/X.xpc, Library/LoginItems/X.app) or a Mach-O
 * file where the rules say nested code lives (MacOS/helper,
 * Frameworks/libx.dylib). Each is verified as a part of its own, then
 * judged as Apple's static validation judges it: its own signature must
 * hold, and it must satisfy the requirement the seal recorded for it when
 * the outer bundle was signed (normally its designated requirement:
 * identifier, Apple anchor, team). A framework swapped for one another
 * team signed fails the requirement even though its own signature holds.
 * When the requirement cannot be decided here, the seal's cdhash decides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"
#include "core/result.h"

static const char *sig_string(const st_signature *sig, const char *key)
{
	const st_property *p = sig ? st_signature_property_find(sig, key) : NULL;

	return p ? st_property_string(p) : NULL;
}

static char *hex_of(plist_t entry, const char *key)
{
	plist_t v = entry ? plist_dict_get_item(entry, key) : NULL;
	const char *p;
	uint64_t len = 0;

	if (!v || plist_get_node_type(v) != PLIST_DATA)
		return NULL;
	p = plist_get_data_ptr(v, &len);
	return p && len && len <= 64 ? st_hex((const uint8_t *)p, (size_t)len) : NULL;
}

int bundle_nested(struct st_walk *w, struct st_part *part, struct bundle *b, const char *rel,
		  bool is_dir, plist_t entry)
{
	char name[1024];
	struct st_part *c = NULL;
	const st_signature *sig;
	const char *ident, *team, *cdhash, *req = NULL;
	char *sealed_cdhash = NULL;
	plist_t rv;
	int rc;

	if (snprintf(name, sizeof(name), "%s%s%s", b->root, *b->root ? "/" : "", rel) >= (int)sizeof(name))
		return ST_OK;  /* longer than any path macOS can hold */
	if (is_dir) {
		rc = st_walk_directory(w, part, b->root_fd, rel, name, &st_format_bundle, &c);
	} else {
		struct st_member m = { .kind = "member", .name = name };
		rc = st_walk_file(w, part, b->root_fd, rel, &m, &c);
	}
	if (rc || !c || !entry)
		return rc;
	sig = st_part_primary_signature(c);
	ident = sig_string(sig, "macho.signing_id");
	team = sig_string(sig, "macho.team_id");
	cdhash = sig_string(sig, "macho.cdhash");
	if (c->verdict == ST_VERDICT_INVALID || c->verdict == ST_VERDICT_MALFORMED) {
		ST_ADD(&part->reasons, ST_R_NESTED_CODE_INVALID, ST_EFFECT_DEFAULT,
		       "nested code %s is %s itself%s%s", name,
		       c->verdict == ST_VERDICT_INVALID ? "invalid" : "malformed",
		       c->all_reasons.n ? ": " : "", c->all_reasons.n ? c->all_reasons.v[0].detail : "");
		return ST_OK;
	}
	rv = plist_dict_get_item(entry, "requirement");
	if (rv && plist_get_node_type(rv) == PLIST_STRING)
		req = plist_get_string_ptr(rv, NULL);
	if (req) {
		enum req_value v = bundle_requirement_eval(req, c->verdict == ST_VERDICT_UNSIGNED ? NULL : sig,
							   ident, team, cdhash);
		if (v == REQ_FALSE) {
			ST_ADD(&part->reasons, ST_R_NESTED_CODE_INVALID, ST_EFFECT_DEFAULT,
			       "nested code %s does not satisfy the requirement the seal recorded for it (%.160s): it is signed as '%s'%s%s%s",
			       name, req, ident ? ident : "(unsigned)", team ? ", team " : "",
			       team ? team : "", sig && !st_signature_trusted(sig) ? ", untrusted" : "");
			return ST_OK;
		}
		if (v == REQ_TRUE)
			return ST_OK;
	}
	sealed_cdhash = hex_of(entry, "cdhash");
	if (sealed_cdhash && (!cdhash || strncmp(sealed_cdhash, cdhash, 40) != 0))
		ST_ADD(&part->reasons, ST_R_NESTED_CODE_INVALID, ST_EFFECT_DEFAULT,
		       "nested code %s is not the code the seal names: cdhash %s, sealed %s",
		       name, cdhash ? cdhash : "(none: unsigned)", sealed_cdhash);
	free(sealed_cdhash);
	return ST_OK;
enomem:
	free(sealed_cdhash);
	return ST_ENOMEM;
}

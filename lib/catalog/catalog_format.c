/*
 * The catalog format: a .cat file verified as Windows verifies it (its own
 * signature) and its members listed as entry parts.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/catalog_props.h"
#include "core/digest.h"
#include "core/format.h"
#include "core/limits.h"

const st_property_decl cat_properties[CP_COUNT] = {
	[CP_VERSION] = { "catalog.version", ST_PROPERTY_INT, ST_SCOPE_PART, "catalog version",
			 NULL, 0, NULL,
			 "1: members listed by SHA-1 (Windows 7 and older), 2: by SHA-256" },
	[CP_MEMBERS] = { "catalog.members", ST_PROPERTY_INT, ST_SCOPE_PART, "members", NULL, 0,
			 NULL, "members whose hash could be read (SHA-1 companions included)" },
	[CP_LISTED] = { "catalog.members_listed", ST_PROPERTY_INT, ST_SCOPE_PART,
			"members listed", NULL, 0, NULL,
			"members given as entry parts, when fewer than all (docs/limits.md)" },
	[CP_UNUSABLE] = { "catalog.unusable_entries", ST_PROPERTY_INT, ST_SCOPE_PART,
			  "unusable entries", NULL, 0, NULL,
			  "entries whose hash could not be read (not counted as members)" },
	[CP_IDENTIFIER] = { "catalog.identifier", ST_PROPERTY_STRING, ST_SCOPE_PART,
			    "list identifier", NULL, 0, NULL,
			    "the catalog's listIdentifier, hex" },
	[CP_THIS_UPDATE] = { "catalog.this_update", ST_PROPERTY_TIME, ST_SCOPE_PART,
			     "made", NULL, 0, NULL, "the catalog's thisUpdate time" },
	[CP_OS] = { "catalog.os", ST_PROPERTY_STRING, ST_SCOPE_PART, "OS", NULL, 0, NULL,
		    "the catalog-wide OS name-value (\"_v100_X64\")" },
	[CP_ENTRY_DIGEST] = { "catalog.digest", ST_PROPERTY_STRING, ST_SCOPE_PART, "digest",
			      NULL, 0, NULL, "an entry's digest, hex" },
	[CP_ENTRY_HASH] = { "catalog.hash", ST_PROPERTY_STRING, ST_SCOPE_PART, "hash", NULL,
			    0, NULL, "the algorithm of an entry's digest (sha1, sha256)" },
	[CP_ENTRY_TYPE] = { "catalog.type", ST_PROPERTY_STRING, ST_SCOPE_PART, "type", NULL,
			    0, NULL,
			    "what an entry's digest covers: pe (the Authenticode digest), flat "
			    "(the whole file), sha1-companion (a v2 PE member's SHA-1)" },
	[CP_ENTRY_OS] = { "catalog.os_attr", ST_PROPERTY_STRING, ST_SCOPE_PART, "OSAttr",
			  NULL, 0, NULL, "an entry's OSAttr name-value" },
	[CP_SIG_PATH] = { "catalog.path", ST_PROPERTY_STRING, ST_SCOPE_SIGNATURE, "catalog",
			  NULL, 0, NULL,
			  "the catalog a file is signed through (signature source catalog)" },
	[CP_SIG_MEMBER] = { "catalog.member", ST_PROPERTY_STRING, ST_SCOPE_SIGNATURE,
			    "catalog member", NULL, 0, NULL,
			    "the catalog member that lists the file: its File name, else its digest" },
};

static enum st_probe cat_probe_fn(st_span head, uint64_t size)
{
	(void)size;
	return cat_probe(head.data, head.len) ? ST_PROBE_YES : ST_PROBE_NO;
}

static int add_entries(struct st_walk *w, const struct cat_file *c, struct st_part *part)
{
	size_t listed = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct cat_member *m = &c->members[i];
		char hex[65];
		struct st_part *e;

		if (listed >= ST_LIMIT_CATALOG_ENTRY_PARTS || w->parts >= ST_LIMIT_PARTS)
			break;
		st_hex_into(hex, m->digest, m->len);
		e = st_part_add_child(part, "entry", m->name ? m->name : hex, true);
		if (!e)
			return ST_ENOMEM;
		w->parts++;
		listed++;
		e->verdict = ST_VERDICT_NOT_EXECUTABLE;
		if (st_props_set_str(&e->props, &cat_properties[CP_ENTRY_DIGEST], hex) ||
		    st_props_set_str(&e->props, &cat_properties[CP_ENTRY_HASH], st_md_name(m->md_nid)) ||
		    st_props_set_str(&e->props, &cat_properties[CP_ENTRY_TYPE],
				     cat_member_type_name(m->type)) ||
		    (m->os && st_props_set_str(&e->props, &cat_properties[CP_ENTRY_OS], m->os)))
			return ST_ENOMEM;
	}
	if (listed < c->n &&
	    st_props_set_int(&part->props, &cat_properties[CP_LISTED], (int64_t)listed))
		return ST_ENOMEM;
	return ST_OK;
}

static int cat_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct cat_file c;
	st_span all;
	char why[200];
	int idx, rc;

	part->format = "catalog";
	part->subformat = "catalog";
	part->policy = ST_POLICY_ANY_VALID;
	part->signed_structure = true;
	if (in->size > ST_LIMIT_CATALOG_BYTES) {
		rc = st_reasons_add(&part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				    "a catalog of %llu bytes, more than %llu",
				    (unsigned long long)in->size,
				    (unsigned long long)ST_LIMIT_CATALOG_BYTES);
		st_part_finish(part);
		return rc;
	}
	rc = st_input_view(in, 0, in->size, &all);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		rc = st_reasons_add(&part->reasons, st_parse_reason(rc, ST_R_MALFORMED_CATALOG),
				    ST_EFFECT_DEFAULT, "the catalog cannot be read whole");
		st_part_finish(part);
		return rc;
	}
	rc = cat_parse(w->ctx, all.data, all.len, &c, why, sizeof(why));
	if (rc < 0)
		return rc;
	if (rc > 0) {
		rc = st_reasons_add(&part->reasons, st_parse_reason(rc, ST_R_MALFORMED_CATALOG),
				    ST_EFFECT_DEFAULT, "%s", why);
		st_part_finish(part);
		return rc;
	}
	part->subformat = c.version == 1 ? "catalog-v1" : "catalog-v2";
	if ((rc = st_props_set_int(&part->props, &cat_properties[CP_VERSION], c.version)) ||
	    (rc = st_props_set_int(&part->props, &cat_properties[CP_MEMBERS], (int64_t)c.n)) ||
	    (c.unusable && (rc = st_props_set_int(&part->props, &cat_properties[CP_UNUSABLE],
						  (int64_t)c.unusable))) ||
	    (c.identifier[0] &&
	     (rc = st_props_set_str(&part->props, &cat_properties[CP_IDENTIFIER], c.identifier))) ||
	    (c.ctl.this_update != ST_TIME_NONE &&
	     (rc = st_props_set_int(&part->props, &cat_properties[CP_THIS_UPDATE],
				    c.ctl.this_update))) ||
	    (c.os[0] && (rc = st_props_set_str(&part->props, &cat_properties[CP_OS], c.os))))
		goto out;
	if ((rc = cat_verify_signature(w->ctx, &c, part, &idx)) ||
	    (rc = add_entries(w, &c, part)))
		goto out;
	st_part_finish(part);
out:
	cat_clear(&c);
	return rc;
}

const struct st_format st_format_catalog = {
	.name = "catalog",
	.description = "Windows security catalogs (.cat): their signature and members",
	.probe = cat_probe_fn,
	.verify = cat_verify,
	.properties = cat_properties,
	.nproperties = CP_COUNT,
};

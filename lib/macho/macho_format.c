/*
 * The Mach-O format module: thin files in either byte order and width, and
 * universal (fat, fat64) files, containers whose slices the driver verifies
 * as constituent parts. A file is only as good as its worst slice; slices
 * that differ (one signed, one not) are `partially_signed`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "macho/macho.h"

/* ---- properties ------------------------------------------------------------ */

/* CodeDirectory flag names as codesign prints them (Apple's SecCodeSignatureFlags). */
static const char *const cd_flag_names[32] = {
	[0] = "host", [1] = "adhoc", [8] = "hard", [9] = "kill", [10] = "expires",
	[11] = "restrict", [12] = "enforcement", [13] = "library-validation",
	[16] = "runtime", [17] = "linker-signed",
};

const st_property_decl macho_properties[MACHO_P_COUNT] = {
	[MACHO_P_SIGNING_ID] = { "macho.signing_id", ST_PROPERTY_STRING, ST_SCOPE_SIGNATURE,
				 "identifier", "file.code_signature.signing_id", 0, NULL,
				 "the CodeDirectory's identifier (signing ID)" },
	[MACHO_P_TEAM_ID] = { "macho.team_id", ST_PROPERTY_STRING, ST_SCOPE_SIGNATURE,
			      "team id", "file.code_signature.team_id", 0, NULL,
			      "the CodeDirectory's team ID" },
	[MACHO_P_CDHASH] = { "macho.cdhash", ST_PROPERTY_STRING, ST_SCOPE_SIGNATURE,
			     "cdhash", "file.hash.cdhash", 0, NULL,
			     "CDHash of the strongest CodeDirectory (40 hex digits), as codesign -d prints it" },
	[MACHO_P_CD_FLAGS] = { "macho.cd_flags", ST_PROPERTY_INT, ST_SCOPE_SIGNATURE,
			       "flags", NULL, ST_PROPERTY_HEX, cd_flag_names,
			       "CodeDirectory flags (0x2 adhoc, 0x400 expires, 0x10000 runtime, 0x20000 linker-signed, ...)" },
	[MACHO_P_SIGNER_TYPE] = { "macho.signer_type", ST_PROPERTY_STRING, ST_SCOPE_SIGNATURE,
				  "signer type", NULL, 0, NULL,
				  "class of the signer certificate from Apple's markers: developer_id_application, developer_id_installer, mac_app_store, apple_platform, development, submission, other" },
	[MACHO_P_DESIGNATED_REQUIREMENT] = { "macho.designated_requirement", ST_PROPERTY_STRING, ST_SCOPE_SIGNATURE,
					     "designated requirement", NULL, 0, NULL,
					     "the designated requirement the signature carries (requirements blob, type 3), in the text codesign -d -r- prints; absent when it uses a form this reader does not render" },
};

/* ---- the format ---------------------------------------------------------- */

const struct st_format st_format_macho;

static enum st_probe macho_probe(st_span head, uint64_t size)
{
	(void)size;
	return macho_is_thin(head) || macho_is_fat(head) ? ST_PROBE_YES : ST_PROBE_NO;
}

/* Bytes a universal file holds outside its slices: alignment gaps must be
 * zero and nothing may follow the last slice. */
static int check_gaps(struct st_input *in, const struct macho_slice *v, size_t n,
		      uint64_t hdr_end, st_reasons *rs)
{
	struct macho_slice sorted[ST_LIMIT_FAT_ARCHS];
	uint64_t pos = hdr_end, nonzero = 0;

	macho_sort_by_offset(v, n, sorted);
	for (size_t i = 0; i <= n; i++) {
		uint64_t end = i < n ? sorted[i].offset : in->size;

		if (i == n && pos < in->size) {
			ST_ADD(rs, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT,
			       "%" PRIu64 " bytes follow the last slice of the universal file",
			       (uint64_t)(in->size - pos));
			break;
		}
		while (pos < end) {
			uint64_t k = end - pos < ST_INPUT_WINDOW ? end - pos : ST_INPUT_WINDOW;
			st_span w;
			int rc = st_input_window(in, pos, k, &w);

			if (rc)
				return rc < 0 ? rc : ST_EIO;
			for (size_t j = 0; j < w.len; j++)
				nonzero += w.data[j] != 0;
			pos += k;
		}
		if (i < n)
			pos = sorted[i].offset + sorted[i].size;
	}
	if (nonzero)
		ST_ADD(rs, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT,
		       "%" PRIu64 " non-zero bytes lie between the slices of the universal file", nonzero);
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

/* One thin Mach-O: the whole file, or a slice of a universal file (then
 * `expect` holds what the universal header says of it). */
static int verify_thin(struct st_walk *w, struct st_input *in, struct st_part *part,
		       const struct macho_slice *expect)
{
	struct macho_slice ms;
	struct macho_check *m;
	char why[200];
	int rc;

	if (expect)
		ms = *expect;
	else
		memset(&ms, 0, sizeof(ms));
	ms.offset = 0;
	ms.size = in->size;
	part->format = "macho";
	part->policy = ST_POLICY_ALL_HOLD;
	rc = macho_thin_parse(in, &ms, why, sizeof(why));
	part->arch = ms.arch;
	if (rc < 0)
		return rc;
	if (rc) {
		part->signed_structure = true;
		rc = st_reasons_add(&part->reasons, st_parse_reason(rc, ST_R_MALFORMED_MACHO),
				    ST_EFFECT_DEFAULT, "%s slice: %s", ms.arch ? ms.arch : "?", why);
		st_part_finish(part);
		return rc;
	}
	part->subformat = ms.is64 ? "macho64" : "macho32";
	if (!ms.has_sig) {
		st_part_finish(part);
		return ST_OK;
	}
	part->signed_structure = true;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ST_ENOMEM;
	m->ctx = w->ctx;
	m->in = in;
	m->part = part;
	m->ms = &ms;
	m->external = w->external;
	m->sig_off = ms.sig_off;
	m->sig_size = ms.sig_size;
	m->sig_end = in->size;
	snprintf(m->what, sizeof(m->what), "%s slice", ms.arch);
	m->idx = st_part_add_signature(part);
	if (m->idx < 0) {
		free(m);
		return ST_ENOMEM;
	}
	MSIG(m)->verification_time = w->ctx->at;
	rc = macho_verify_signature(m);
	free(m);
	if (rc == ST_OK)
		st_part_finish(part);
	return rc;
}

static int verify_fat(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct macho_slice *v = NULL;
	size_t n = 0, nsigned = 0, nunsigned = 0;
	bool is64 = false, certified = false;
	char why[200], list[160] = "";
	int rc;

	part->format = "macho";
	part->policy = ST_POLICY_ALL_HOLD;
	part->arch = "universal";
	rc = macho_fat_parse(in, &v, &n, &is64, why, sizeof(why));
	part->subformat = is64 ? "fat64" : "fat";
	if (rc < 0)
		return rc;
	if (rc > 0) {
		part->signed_structure = true;
		rc = st_reasons_add(&part->reasons, st_parse_reason(rc, ST_R_MALFORMED_MACHO),
				    ST_EFFECT_DEFAULT, "%s", why);
		st_part_finish(part);
		return rc;
	}
	if ((rc = check_gaps(in, v, n, 8 + (uint64_t)n * (is64 ? 32 : 20), &part->reasons)))
		goto done;
	for (size_t i = 0; i < n; i++) {
		struct st_member mem = {
			.kind = "slice", .name = v[i].arch, .constituent = true,
			.format = &st_format_macho, .offset = v[i].offset, .size = v[i].size,
			.hint = &v[i],
		};
		struct st_part *c;

		if ((rc = st_walk_member(w, in, part, &mem, &c)))
			goto done;
		if (!c)
			continue;
		if (c->nsigs) {
			nsigned++;
			certified |= c->sigs[0].signer != NULL;
		} else if (c->verdict == ST_VERDICT_UNSIGNED) {
			nunsigned++;
			if (strlen(list) + strlen(c->name) + 3 < sizeof(list)) {
				if (list[0])
					strcat(list, ", ");
				strcat(list, c->name);
			}
		} else {
			part->signed_structure = true;  /* a malformed slice */
		}
	}
	/* A signed slice lends its credibility to the whole file; an unsigned
	 * one beside it runs unverified on its architecture. With only
	 * ad-hoc slices there is no credibility to lend. */
	if (nsigned && nunsigned)
		ST_ADD(&part->reasons, ST_R_PARTIALLY_SIGNED,
		       certified ? ST_VERDICT_INVALID : ST_VERDICT_UNTRUSTED,
		       "%zu of %zu slices are unsigned (%s)", nunsigned, n, list);
	part->signed_structure |= nsigned > 0;
	st_part_finish(part);
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	free(v);
	return rc;
}

static int macho_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	st_span head;
	int rc;

	/* A slice of a universal file is always thin: a universal header
	 * inside one is malformed, not a container to recurse into. */
	if (w->hint)
		return verify_thin(w, in, part, w->hint);
	if ((rc = st_input_view(in, 0, in->size < 8 ? in->size : 8, &head)) < 0)
		return rc;
	return macho_is_fat(head) ? verify_fat(w, in, part) : verify_thin(w, in, part, NULL);
}

const struct st_format st_format_macho = {
	.name = "macho",
	.description = "Mach-O files, thin and universal: Apple code signatures",
	.probe = macho_probe,
	.verify = macho_verify,
	.properties = macho_properties,
	.nproperties = MACHO_P_COUNT,
};

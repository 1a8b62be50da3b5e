/*
 * The Mach-O format module: thin files in either byte order and width, and
 * universal (fat, fat64) files whose every slice is verified on its own.
 * A file is only as good as its worst slice; slices that differ (one
 * signed, one not) are `partially_signed`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "macho/macho.h"

static enum st_probe macho_probe(st_span head, uint64_t size)
{
	(void)size;
	return macho_is_thin(head) || macho_is_fat(head) ? ST_PROBE_YES : ST_PROBE_NO;
}

/* Bytes a universal file holds outside its slices: alignment gaps must be
 * zero and nothing may follow the last slice. */
static int check_gaps(st_span file, const struct macho_slice *v, size_t n,
		      uint64_t hdr_end, st_reasons *rs)
{
	struct macho_slice sorted[ST_LIMIT_FAT_ARCHS];
	uint64_t pos = hdr_end, nonzero = 0;

	macho_sort_by_offset(v, n, sorted);
	for (size_t i = 0; i <= n; i++) {
		uint64_t end = i < n ? sorted[i].offset : file.len;

		if (i == n && pos < file.len) {
			if (st_reasons_add(rs, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT,
					   "%" PRIu64 " bytes follow the last slice of the universal file",
					   (uint64_t)(file.len - pos)))
				return ST_ENOMEM;
			break;
		}
		for (; pos < end; pos++)
			nonzero += file.data[pos] != 0;
		if (i < n)
			pos = sorted[i].offset + sorted[i].size;
	}
	if (nonzero &&
	    st_reasons_add(rs, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT,
			   "%" PRIu64 " non-zero bytes lie between the slices of the universal file", nonzero))
		return ST_ENOMEM;
	return ST_OK;
}

static int verify_slice(const st_context *ctx, struct st_input *in, st_result *res,
			struct macho_slice *ms, size_t i, bool *layout_bad)
{
	struct macho_check *m;
	st_span slice;
	char why[200];
	int rc;

	res->slices[i].offset = ms->offset;
	res->slices[i].size = ms->size;
	res->slices[i].sig = -1;
	(void)st_span_sub(in->file, ms->offset, ms->size, &slice);  /* checked by the fat parser */
	rc = macho_thin_parse(slice, ms, why, sizeof(why));
	res->slices[i].arch = ms->arch;
	if (rc) {
		*layout_bad = true;
		res->slices[i].verdict = ST_VERDICT_MALFORMED;
		return st_reasons_add(&res->reasons,
				      st_parse_reason(rc, ST_R_MALFORMED_MACHO),
				      ST_EFFECT_DEFAULT, "%s slice: %s", ms->arch ? ms->arch : "?", why);
	}
	if (!ms->has_sig) {
		res->slices[i].verdict = ST_VERDICT_UNSIGNED;
		return ST_OK;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return ST_ENOMEM;
	m->ctx = ctx;
	m->in = in;
	m->res = res;
	m->ms = ms;
	m->slice = slice;
	snprintf(m->what, sizeof(m->what), "%s slice", ms->arch);
	m->idx = st_result_add_signature(res);
	if (m->idx < 0) {
		free(m);
		return ST_ENOMEM;
	}
	MSIG(m)->slice = (int)i;
	MSIG(m)->verification_time = ctx->at;
	res->slices[i].sig = m->idx;
	rc = macho_verify_signature(m);
	free(m);
	return rc;
}

static int macho_verify(const st_context *ctx, struct st_input *in, st_result *res)
{
	struct macho_slice *v = NULL, thin;
	size_t n = 0, nsigned = 0, nunsigned = 0;
	bool fat = macho_is_fat(in->file), is64 = false, layout_bad = false, certified = false;
	char why[200];
	int rc = ST_OK;

	res->format = "macho";
	res->all_must_hold = true;
	if (fat) {
		rc = macho_fat_parse(in->file, &v, &n, &is64, why, sizeof(why));
		res->subformat = is64 ? "fat64" : "fat";
		res->arch = "universal";
		if (rc < 0)
			return rc;
		if (rc > 0) {
			rc = st_reasons_add(&res->reasons,
					    st_parse_reason(rc, ST_R_MALFORMED_MACHO),
					    ST_EFFECT_DEFAULT, "%s", why);
			st_result_finish(res, true);
			return rc;
		}
		if ((rc = check_gaps(in->file, v, n, 8 + (uint64_t)n * (is64 ? 32 : 20), &res->reasons)))
			goto done;
	} else {
		memset(&thin, 0, sizeof(thin));
		thin.size = in->file.len;
		v = &thin;
		n = 1;
	}
	res->slices = calloc(n, sizeof(*res->slices));
	if (!res->slices) {
		rc = ST_ENOMEM;
		goto done;
	}
	res->nslices = n;
	for (size_t i = 0; i < n && rc == ST_OK; i++)
		rc = verify_slice(ctx, in, res, &v[i], i, &layout_bad);
	if (rc)
		goto done;
	if (!fat) {
		res->subformat = thin.is64 ? "macho64" : "macho32";
		res->arch = thin.arch;
	}
	for (size_t i = 0; i < n; i++) {
		if (res->slices[i].sig >= 0) {
			nsigned++;
			certified |= res->sigs[res->slices[i].sig].has_signer;
		} else if (res->slices[i].verdict == ST_VERDICT_UNSIGNED) {
			nunsigned++;
		}
	}
	/* A signed slice lends its credibility to the whole file; an unsigned
	 * one beside it runs unverified on its architecture. With only
	 * ad-hoc slices there is no credibility to lend. */
	if (nsigned && nunsigned) {
		char list[160] = "";
		for (size_t i = 0; i < n; i++) {
			if (res->slices[i].sig < 0 && res->slices[i].verdict == ST_VERDICT_UNSIGNED &&
			    strlen(list) + strlen(res->slices[i].arch) + 3 < sizeof(list)) {
				if (list[0])
					strcat(list, ", ");
				strcat(list, res->slices[i].arch);
			}
		}
		rc = st_reasons_add(&res->reasons, ST_R_PARTIALLY_SIGNED,
				    certified ? ST_VERDICT_INVALID : ST_VERDICT_UNTRUSTED,
				    "%zu of %zu slices are unsigned (%s)", nunsigned, n, list);
		if (rc)
			goto done;
	}
	st_result_finish(res, nsigned > 0 || layout_bad);
	for (size_t i = 0; i < n; i++)
		if (res->slices[i].sig >= 0)
			res->slices[i].verdict = res->sigs[res->slices[i].sig].verdict;
done:
	if (fat)
		free(v);
	return rc;
}

const struct st_format st_format_macho = {
	.name = "macho",
	.probe = macho_probe,
	.verify = macho_verify,
};

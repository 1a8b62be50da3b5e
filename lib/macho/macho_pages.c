/*
 * Code page hashes: slot k of a CodeDirectory is the hash of bytes
 * [k * pageSize, min((k+1) * pageSize, codeLimit)) of the slice; pageSize 0
 * means one page up to codeLimit. Every page is checked and the first that
 * differs is named.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "macho/macho.h"

#define CHUNK (1u << 18)

int macho_check_pages(struct macho_check *m, const struct cs_codedir *cd)
{
	st_signature *sig = MSIG(m);
	uint64_t ps = cs_codedir_page_size(cd), limit = cd->code_limit, need, n;
	uint64_t bad = 0, first = 0, chunk_start = 0;
	uint8_t h[EVP_MAX_MD_SIZE];

	if (limit > m->slice.len)
		return st_reasons_add(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
				      "%s: codeLimit %" PRIu64 " lies beyond the slice (%zu bytes)",
				      m->what, limit, m->slice.len);
	need = ps ? limit / ps + (limit % ps != 0) : (limit != 0);
	if (need != cd->n_code &&
	    st_reasons_add(&sig->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
			   "%s: %s CodeDirectory has %u code slots, codeLimit %" PRIu64
			   " needs %" PRIu64, m->what, cd->hash_name, cd->n_code, limit, need))
		return ST_ENOMEM;
	n = need < cd->n_code ? need : cd->n_code;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t off = ps ? k * ps : 0;
		uint64_t len = ps ? (limit - off < ps ? limit - off : ps) : limit;

		if (off >= chunk_start + CHUNK || k == 0) {
			if (k)
				st_input_release(m->in, m->ms->offset + chunk_start, off - chunk_start);
			chunk_start = off;
			st_input_prefetch(m->in, m->ms->offset + off, CHUNK);
		}
		if (!cs_hash(cd, m->slice.data + off, (size_t)len, h))
			return ST_ENOMEM;
		if (memcmp(h, cs_codedir_code(cd, (uint32_t)k), cd->hash_size) != 0) {
			if (!bad)
				first = k;
			bad++;
		}
	}
	if (n)
		st_input_release(m->in, m->ms->offset + chunk_start, limit - chunk_start);
	if (!bad)
		return ST_OK;
	{
		uint64_t off = ps ? first * ps : 0;
		uint64_t end = ps ? (off + ps < limit ? off + ps : limit) : limit;
		char more[48] = "";

		if (bad > 1)
			snprintf(more, sizeof(more), " (%" PRIu64 " pages differ)", bad);
		return st_reasons_add(&sig->reasons, ST_R_PAGE_HASH_MISMATCH, ST_EFFECT_DEFAULT,
				      "%s: code page %" PRIu64 " (slice bytes %" PRIu64 "..%" PRIu64
				      ") differs from its %s hash in the CodeDirectory%s",
				      m->what, first, off, end - 1, cd->hash_name, more);
	}
}

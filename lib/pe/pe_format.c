/*
 * The PE format module: headers, certificate table, Authenticode digest and
 * page hashes behind the st_format contract.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticode/authenticode.h"
#include "authenticode/spc.h"
#include "core/format.h"
#include "pe/pe_certtable.h"
#include "pe/pe_image.h"
#include "pe/pe_pagehash.h"
#include "pe/pe_version.h"

#define DIGEST_CACHE 6

struct pe_subject {
	const struct pe_image *img;
	struct st_input *in;
	struct st_range *ranges;
	size_t nranges;
	bool ranges_done, ranges_ok, reported;
	char err[200];
	struct {
		int nid;
		unsigned len;
		uint8_t md[EVP_MAX_MD_SIZE];
	} cache[DIGEST_CACHE];
	size_t ncache;
};

static int pe_digest(void *arg, int nid, uint8_t *out, unsigned *outlen,
		     st_reasons *rs)
{
	struct pe_subject *ps = arg;
	const EVP_MD *md = st_md_get(nid);
	EVP_MD_CTX *mctx;
	int rc;

	for (size_t i = 0; i < ps->ncache; i++) {
		if (ps->cache[i].nid == nid) {
			memcpy(out, ps->cache[i].md, ps->cache[i].len);
			*outlen = ps->cache[i].len;
			return ST_OK;
		}
	}
	if (!ps->ranges_done) {
		ps->ranges_done = true;
		ps->ranges_ok = pe_digest_ranges(ps->img, &ps->ranges, &ps->nranges,
						 ps->err, sizeof(ps->err));
	}
	if (!ps->ranges_ok) {
		if (st_reasons_add(rs, ST_R_MALFORMED_PE, ST_EFFECT_DEFAULT,
				   "the Authenticode digest cannot be computed: %s", ps->err))
			return ST_ENOMEM;
		return 1;
	}
	if (!md || !(mctx = EVP_MD_CTX_new()))
		return ST_ENOMEM;
	/* The first digest also yields the whole-file SHA-256: one pass. */
	if (!EVP_DigestInit_ex(mctx, md, NULL)) {
		EVP_MD_CTX_free(mctx);
		return ST_ENOMEM;
	}
	rc = st_hash_pass(ps->in, ps->ranges, ps->nranges, &mctx, 1);
	if (rc == ST_OK && !EVP_DigestFinal_ex(mctx, out, outlen))
		rc = ST_ENOMEM;
	EVP_MD_CTX_free(mctx);
	if (rc)
		return rc;
	if (ps->ncache < DIGEST_CACHE) {
		ps->cache[ps->ncache].nid = nid;
		ps->cache[ps->ncache].len = *outlen;
		memcpy(ps->cache[ps->ncache].md, out, *outlen);
		ps->ncache++;
	}
	return ST_OK;
}

static int pe_pages(void *arg, int nid, const uint8_t *table, size_t len,
		    st_reasons *rs)
{
	struct pe_subject *ps = arg;

	if (!ps->ranges_ok)
		return ST_OK; /* already reported as malformed_pe */
	return pe_page_hashes_check(ps->img, nid, table, len, rs);
}

static enum st_probe pe_probe_fn(st_span head, uint64_t file_size)
{
	uint16_t mz;
	uint32_t lfanew;

	if (pe_probe(head))
		return ST_PROBE_YES;
	/* An e_lfanew beyond the first bytes is legal and used to hide the
	 * PE header from tools that only look at the start. */
	if (st_read_u16le(head, 0, &mz) && mz == 0x5a4d &&
	    st_read_u32le(head, 0x3c, &lfanew) && (uint64_t)lfanew + 4 > head.len &&
	    (uint64_t)lfanew + 4 <= file_size)
		return ST_PROBE_MAYBE;
	return ST_PROBE_NO;
}

static int pe_verify(const st_context *ctx, struct st_input *in, st_result *res)
{
	st_span file = in->file;
	struct pe_image img;
	struct pe_cert_table table;
	struct pe_subject ps = { 0 };
	struct ac_subject subj = {
		.indirect_type = OID_SPC_PE_IMAGE_DATA,
		.type_name = "PE image",
		.digest = pe_digest,
		.page_hashes = pe_pages,
		.arg = &ps,
	};
	enum pe_parse_status st;
	int rc = ST_OK;

	res->format = "pe";
	st = pe_parse(file, &img, &res->reasons);
	if (st == PE_ENOMEM) {
		pe_image_clear(&img);
		return ST_ENOMEM;
	}
	if (st == PE_NOT_PE) {
		res->format = NULL;
		res->verdict = ST_VERDICT_NOT_EXECUTABLE;
		return ST_OK;
	}
	if (st == PE_MALFORMED) {
		st_result_finish(res, true);
		pe_image_clear(&img);
		return ST_OK;
	}
	res->arch = pe_machine_name(img.machine);
	res->subformat = img.pe32plus ? "PE32+" : "PE32";
	ps.img = &img;
	ps.in = in;
	rc = pe_version_read(&img, res);
	if (rc == ST_OK)
		rc = pe_cert_table_parse(&img, &table, &res->reasons);
	for (size_t i = 0; rc == ST_OK && i < table.n; i++)
		if (table.entries[i].usable)
			rc = ac_verify(ctx, &subj, table.entries[i].der, res, (int)i);
	if (rc == ST_OK)
		st_result_finish(res, table.present);
	free(ps.ranges);
	pe_image_clear(&img);
	return rc;
}

const struct st_format st_format_pe = {
	.name = "pe",
	.probe = pe_probe_fn,
	.verify = pe_verify,
};

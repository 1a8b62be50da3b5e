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
#include "catalog/catalog.h"
#include "core/format.h"
#include "pe/pe_certtable.h"
#include "pe/pe_image.h"
#include "pe/pe_pagehash.h"
#include "pe/pe_version.h"
#include "x509/publishers.h"
#include "x509/dbx.h"
#include "x509/trust.h"

/* ---- properties ------------------------------------------------------------ */

enum {
	P_COMPANY, P_PRODUCT, P_ORIGINAL_NAME, P_DESCRIPTION, P_FILE_VERSION,
	P_SUBSYSTEM, P_TABLE_ENTRY, P_KERNEL_CROSS, P_DRIVER_SIGNING, P_COUNT
};

static const st_property_decl pe_properties[P_COUNT] = {
	[P_COMPANY] = { "pe.company", ST_PROPERTY_STRING, ST_SCOPE_PART, "CompanyName",
			"file.pe.company", 0, NULL,
			"CompanyName of the version resource (StringFileInfo)" },
	[P_PRODUCT] = { "pe.product", ST_PROPERTY_STRING, ST_SCOPE_PART, "ProductName",
			"file.pe.product", 0, NULL, "ProductName of the version resource" },
	[P_ORIGINAL_NAME] = { "pe.original_file_name", ST_PROPERTY_STRING, ST_SCOPE_PART,
			      "OriginalFilename", "file.pe.original_file_name", 0, NULL,
			      "OriginalFilename of the version resource" },
	[P_DESCRIPTION] = { "pe.description", ST_PROPERTY_STRING, ST_SCOPE_PART,
			    "FileDescription", "file.pe.description", 0, NULL,
			    "FileDescription of the version resource" },
	[P_FILE_VERSION] = { "pe.file_version", ST_PROPERTY_STRING, ST_SCOPE_PART,
			     "FileVersion", "file.pe.file_version", 0, NULL,
			     "FileVersion of the version resource (the string, as written)" },
	[P_SUBSYSTEM] = { "pe.subsystem", ST_PROPERTY_INT, ST_SCOPE_PART, "subsystem",
			  NULL, 0, NULL,
			  "optional-header Subsystem (2 GUI, 3 console, 10-13 EFI images)" },
	[P_TABLE_ENTRY] = { "pe.table_entry", ST_PROPERTY_INT, ST_SCOPE_SIGNATURE,
			    "certificate-table entry", NULL, 0, NULL,
			    "the WIN_CERTIFICATE entry (0-based) the signature came from" },
	[P_KERNEL_CROSS] = { "pe.kernel_cross_certificate", ST_PROPERTY_BOOL, ST_SCOPE_SIGNATURE,
			     "kernel cross-certificate", NULL, 0, NULL,
			     "the signature carries a cross-certificate issued by Microsoft Code "
			     "Verification Root (kernel-mode cross-signing; by name, not verified)" },
	[P_DRIVER_SIGNING] = { "pe.driver_signing", ST_PROPERTY_STRING, ST_SCOPE_PART,
			       "driver signing", NULL, 0, NULL,
			       "kernel drivers (subsystem 1): what Windows' driver signing policy "
			       "sees: microsoft, cross_signed_before_2015, cross_signed, other, "
			       "unsigned (docs/trust.md)" },
};

/* In the order of pe_version_keys. */
const st_property_decl *const pe_version_decls[PE_VERSION_KEYS] = {
	&pe_properties[P_COMPANY], &pe_properties[P_PRODUCT],
	&pe_properties[P_ORIGINAL_NAME], &pe_properties[P_DESCRIPTION],
	&pe_properties[P_FILE_VERSION],
};

/* ---- the Authenticode subject ------------------------------------------------ */

#define DIGEST_CACHE 6

struct pe_subject {
	const struct pe_image *img;
	struct st_input *in;
	struct st_range *ranges;
	size_t nranges;
	bool ranges_done, ranges_ok;
	char err[200];
	struct {
		int nid;
		unsigned len;
		uint8_t md[EVP_MAX_MD_SIZE];
	} cache[DIGEST_CACHE];
	size_t ncache;
	uint8_t cat_sha1[20], cat_sha256[32];   /* as catalogs list the file */
};

/* The Authenticode ranges of the image, worked out once for every digest
 * of the file (embedded signatures and catalogs). */
static void pe_ranges(struct pe_subject *ps)
{
	if (!ps->ranges_done) {
		ps->ranges_done = true;
		ps->ranges_ok = pe_digest_ranges(ps->img, &ps->ranges, &ps->nranges,
						 ps->err, sizeof(ps->err));
	}
}

static int pe_digest(void *arg, int nid, uint8_t *out, unsigned *outlen,
		     st_reasons *rs)
{
	struct pe_subject *ps = arg;
	const EVP_MD *md = st_md_get(nid);
	int rc;

	for (size_t i = 0; i < ps->ncache; i++) {
		if (ps->cache[i].nid == nid) {
			memcpy(out, ps->cache[i].md, ps->cache[i].len);
			*outlen = ps->cache[i].len;
			return ST_OK;
		}
	}
	pe_ranges(ps);
	if (!ps->ranges_ok) {
		if (st_reasons_add(rs, ST_R_MALFORMED_PE, ST_EFFECT_DEFAULT,
				   "the Authenticode digest cannot be computed: %s", ps->err))
			return ST_ENOMEM;
		return 1;
	}
	if (!md)
		return ST_ENOMEM;
	/* The first digest also yields the whole-file SHA-256: one pass. */
	{
		struct st_hash_out h = { .nid = nid };
		rc = st_hash_pass(ps->in, ps->ranges, ps->nranges, &h, 1);
		if (rc)
			return rc;
		memcpy(out, h.md, h.len);
		*outlen = h.len;
	}
	if (ps->ncache < DIGEST_CACHE) {
		ps->cache[ps->ncache].nid = nid;
		ps->cache[ps->ncache].len = *outlen;
		memcpy(ps->cache[ps->ncache].md, out, *outlen);
		ps->ncache++;
	}
	return ST_OK;
}

/*
 * The Authenticode digests the catalogs are indexed by (SHA-256, and SHA-1
 * when a catalog lists SHA-1 members), computed together in one pass and
 * kept for the embedded signatures. *sha1 / *sha256 point into the cache,
 * or stay NULL when the layout has no digest.
 */
static int pe_catalog_digests(const st_context *ctx, struct pe_subject *ps,
			      const uint8_t **sha1, const uint8_t **sha256)
{
	struct st_hash_out h[2] = { { .nid = NID_sha256 }, { .nid = NID_sha1 } };
	size_t n = cat_index_lists_sha1(ctx->catalogs) ? 2 : 1;
	int rc;

	*sha1 = *sha256 = NULL;
	pe_ranges(ps);
	if (!ps->ranges_ok)
		return ST_OK;
	/* Windows hashes a file for its catalogs with the data after the last
	 * section zero-padded to 8 bytes (CryptCATAdminCalcHashFromFileHandle;
	 * signed files end 8-aligned, so embedded signatures never differ). */
	{
		uint64_t sect_end = 0, end = 0;
		for (uint16_t i = 0; i < ps->img->nsections; i++) {
			const struct pe_section *sec = &ps->img->sections[i];
			if (sec->raw_size && (uint64_t)sec->raw_ptr + sec->raw_size > sect_end)
				sect_end = (uint64_t)sec->raw_ptr + sec->raw_size;
		}
		if (ps->nranges)
			end = ps->ranges[ps->nranges - 1].off + ps->ranges[ps->nranges - 1].len;
		if (end > sect_end && end % 8)
			h[0].zero_pad = h[1].zero_pad = (unsigned)(8 - end % 8);
	}
	rc = st_hash_pass(ps->in, ps->ranges, ps->nranges, h, n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		uint8_t *keep = h[i].nid == NID_sha256 ? ps->cat_sha256 : ps->cat_sha1;
		memcpy(keep, h[i].md, h[i].len);
		if (h[i].nid == NID_sha256)
			*sha256 = keep;
		else
			*sha1 = keep;
		/* Unpadded, they are the embedded signatures' digests too. */
		if (!h[i].zero_pad && ps->ncache < DIGEST_CACHE) {
			ps->cache[ps->ncache].nid = h[i].nid;
			ps->cache[ps->ncache].len = h[i].len;
			memcpy(ps->cache[ps->ncache].md, h[i].md, h[i].len);
			ps->ncache++;
		}
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

/* ---- what the platforms refuse, and what the file claims ------------------- */

/* EFI images (subsystems 10-13: application, boot and runtime drivers,
 * ROM) are judged as UEFI firmware judges them. */
static bool is_efi(const struct pe_image *img)
{
	return img->subsystem >= 10 && img->subsystem <= 13;
}

/*
 * Firmware with Microsoft's current dbx refuses an image whose Authenticode
 * SHA-256 is listed (BootHole's GRUB and shim builds, BlackLotus's boot
 * managers) or whose signature chains through a listed certificate
 * (Windows Production PCA 2011, CVE-2023-24932): a genuine, intact
 * signature that no longer boots.
 */
static int check_dbx(const st_context *ctx, struct pe_subject *ps, struct st_part *part)
{
	const struct st_trust *t = ctx->trust;
	const struct st_dbx_entry *d;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	st_reasons scratch = { 0 };
	int rc;

	if (!t->ndbx)
		return ST_OK;
	rc = pe_digest(ps, NID_sha256, md, &len, &scratch);
	st_reasons_clear(&scratch);
	if (rc < 0)
		return rc;
	if (rc == ST_OK && (d = st_trust_dbx(t, md, false)) != NULL)
		ST_ADD(&part->reasons, ST_R_UEFI_REVOKED, ST_EFFECT_DEFAULT,
		       "the image's Authenticode SHA-256 is in the UEFI dbx: %s", d->text);
	for (size_t i = 0; i < part->nsigs; i++) {
		st_signature *s = &part->sigs[i];
		for (size_t k = 0; k < s->chain_len; k++) {
			uint8_t sha1[20];
			bool ok = true;
			for (size_t b = 0; b < 20 && ok; b++)
				ok = sscanf(s->chain[k]->sha1 + 2 * b, "%2hhx", &sha1[b]) == 1;
			if (ok && (d = st_trust_dbx(t, sha1, true)) != NULL)
				ST_ADD(&s->reasons, ST_R_UEFI_REVOKED, ST_EFFECT_DEFAULT,
				       "signature %zu: certificate '%s' of its chain is in the UEFI dbx: %s",
				       i, s->chain[k]->subject_cn, d->text);
		}
	}
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

/*
 * What Windows' kernel-mode signing policy would say of a driver (native
 * subsystem). Since Windows 10 1607 with Secure Boot, new kernel drivers
 * must be signed by Microsoft (hardware dev center: WHQL or attestation
 * EKU, or a Windows component), except drivers whose signer certificate
 * chains through a kernel cross-certificate and was issued before
 * 2015-07-29: the exception stolen and leaked certificates ride (NVIDIA's,
 * 2022). The property says which of these the signatures are; the verdict
 * stays the signature's own.
 */
#define KERNEL_EXCEPTION_END 1438128000  /* 2015-07-29T00:00:00Z */

static bool has_eku(const st_cert *c, const char *oid)
{
	const char *e = c && c->ekus ? c->ekus : "";
	size_t n = strlen(oid);

	for (const char *p = strstr(e, oid); p; p = strstr(p + 1, oid))
		if ((p == e || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static int driver_signing(struct st_part *part)
{
	int rank = 0; /* 0 unsigned, 1 other, 2 cross, 3 cross before 2015, 4 microsoft */
	static const char *const names[] = { "unsigned", "other", "cross_signed",
					     "cross_signed_before_2015", "microsoft" };

	for (size_t i = 0; i < part->nsigs; i++) {
		const st_signature *s = &part->sigs[i];
		const st_cert *top = s->chain_len ? s->chain[s->chain_len - 1] : NULL;
		const struct st_property *x = st_props_find(&s->props, pe_properties[P_KERNEL_CROSS].key);
		int r = 1;

		if (s->trusted && s->verdict == ST_VERDICT_VALID && top && top->trust_anchor &&
		    top->subject && strstr(top->subject, "O=Microsoft Corporation") &&
		    (has_eku(s->signer, "1.3.6.1.4.1.311.10.3.5") ||
		     has_eku(s->signer, "1.3.6.1.4.1.311.10.3.5.1") ||
		     has_eku(s->signer, "1.3.6.1.4.1.311.10.3.6")))
			r = 4;
		else if (x && x->i && s->signer)
			r = s->signer->not_before < KERNEL_EXCEPTION_END ? 3 : 2;
		if (r > rank)
			rank = r;
	}
	return st_props_set_str(&part->props, &pe_properties[P_DRIVER_SIGNING], names[rank]);
}

/* ---- the format ---------------------------------------------------------- */

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

/* The "PE\0\0" signature at e_lfanew, for inputs the probe could not
 * decide from their head: 1 yes, 0 no, <0 an error. */
static int has_pe_signature(struct st_input *in)
{
	st_span s;
	uint32_t lfanew, sig;
	int rc = st_input_view(in, 0x3c, 4, &s);

	if (rc)
		return rc < 0 ? rc : 0;
	(void)st_read_u32le(s, 0, &lfanew);
	rc = st_input_view(in, lfanew, 4, &s);
	if (rc)
		return rc < 0 ? rc : 0;
	(void)st_read_u32le(s, 0, &sig);
	return sig == 0x00004550;
}

static int pe_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct pe_image img;
	struct pe_cert_table table = { 0 };
	struct pe_subject ps = { 0 };
	struct ac_subject subj = {
		.indirect_type = OID_SPC_PE_IMAGE_DATA,
		/* Old pesign wrote SPC_INDIVIDUAL_SP_KEY_PURPOSE_OBJID as the
		 * data type of PE signatures (Debian's fwupd-amd64-signed
		 * 1:1.4+1 and grub-efi-amd64-signed 1+2.06+13+deb12u1 carry
		 * it); Windows and the Linux kernel (mscode_parser.c) accept
		 * it as the PE image type. */
		.indirect_type_alt = OID_SPC_PE_IMAGE_DATA_PESIGN,
		.type_name = "PE image",
		.digest = pe_digest,
		.page_hashes = pe_pages,
		.arg = &ps,
		.policy = &st_policy_windows,
		.entry_property = &pe_properties[P_TABLE_ENTRY],
		.cross_property = &pe_properties[P_KERNEL_CROSS],
	};
	const uint8_t *cat_sha1 = NULL, *cat_sha256 = NULL;
	char why[200];
	int rc = has_pe_signature(in);

	if (rc <= 0) {
		/* MZ without a PE header: not this format after all. */
		part->fmt = NULL;
		part->format = NULL;
		part->verdict = ST_VERDICT_NOT_EXECUTABLE;
		return rc;
	}
	part->format = "pe";
	part->policy = ST_POLICY_ANY_VALID;
	rc = pe_parse(in, &img, why, sizeof(why));
	if (rc < 0)
		goto out;
	if (rc > 0) {
		rc = st_reasons_add(&part->reasons, st_parse_reason(rc, ST_R_MALFORMED_PE),
				    ST_EFFECT_DEFAULT, "%s", why);
		part->signed_structure = true;
		st_part_finish(part);
		goto out;
	}
	part->arch = pe_machine_name(img.machine);
	part->subformat = img.pe32plus ? "PE32+" : "PE32";
	ps.img = &img;
	ps.in = in;
	if ((rc = st_props_set_int(&part->props, &pe_properties[P_SUBSYSTEM], img.subsystem)) ||
	    (rc = pe_version_read(&img, part, pe_version_decls)) ||
	    (rc = pe_cert_table_parse(&img, &table, &part->reasons)))
		goto out;
	part->signed_structure = table.present;
	if (is_efi(&img))
		subj.policy = &st_policy_uefi;
	if (cat_index_catalogs(w->ctx->catalogs) && !is_efi(&img))
		rc = pe_catalog_digests(w->ctx, &ps, &cat_sha1, &cat_sha256);
	for (size_t i = 0; rc == ST_OK && i < table.n; i++)
		if (table.entries[i].usable)
			rc = ac_verify(w->ctx, &subj, table.entries[i].der, part, (int)i);
	/* Then the catalogs: a file with both an embedded and a catalog
	 * signature reports both. */
	if (rc == ST_OK && (cat_sha1 || cat_sha256))
		rc = cat_index_vouch(w->ctx, cat_sha1, cat_sha256, part);
	if (rc == ST_OK && is_efi(&img) && part->nsigs)
		rc = check_dbx(w->ctx, &ps, part);
	if (rc == ST_OK) {
		st_part_finish(part);
		{
			const struct st_property *company =
				st_props_find(&part->props, pe_properties[P_COMPANY].key);
			rc = company ? ac_check_claim(w->ctx, part, "the version resource", company->s)
				     : ST_OK;
		}
	}
	if (rc == ST_OK && img.subsystem == 1)
		rc = driver_signing(part);
out:
	free(ps.ranges);
	pe_image_clear(&img);
	return rc;
}

const struct st_format st_format_pe = {
	.name = "pe",
	.description = "Windows PE/COFF images (EXE, DLL, SYS, EFI): Authenticode",
	.probe = pe_probe_fn,
	.verify = pe_verify,
	.properties = pe_properties,
	.nproperties = P_COUNT,
};

/*
 * The msi format: compound files signed with Authenticode in the root
 * stream "\x05DigitalSignature" (Windows Installer packages, merge
 * modules, patches, transforms). msi.h says which file holds what.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "authenticode/authenticode.h"
#include "core/format.h"
#include "core/limits.h"
#include "msi/msi.h"
#include "x509/chain.h"

/* SpcSipInfo, the indirect-data type of subjects a SIP hashes. */
#define OID_SPC_SIPINFO "1.3.6.1.4.1.311.2.1.30"

enum {
	MP_PRODUCT, MP_MANUFACTURER, MP_TITLE, MP_TEMPLATE, MP_PACKAGE_CODE, MP_APPNAME,
	MP_SIGNATURE_EX, MP_STREAMS, MP_COUNT
};

static const st_property_decl msi_properties[MP_COUNT] = {
	[MP_PRODUCT] = { "msi.product", ST_PROPERTY_STRING, ST_SCOPE_PART, "product", NULL, 0,
			 NULL, "the summary information's Subject: the product name" },
	[MP_MANUFACTURER] = { "msi.manufacturer", ST_PROPERTY_STRING, ST_SCOPE_PART,
			      "manufacturer", NULL, 0, NULL,
			      "the summary information's Author: the manufacturer" },
	[MP_TITLE] = { "msi.title", ST_PROPERTY_STRING, ST_SCOPE_PART, "title", NULL, 0, NULL,
		       "the summary information's Title (\"Installation Database\", "
		       "\"Patch\", \"Transform\", \"Merge Module\")" },
	[MP_TEMPLATE] = { "msi.template", ST_PROPERTY_STRING, ST_SCOPE_PART, "template", NULL, 0,
			  NULL, "the summary information's Template: platform;languages" },
	[MP_PACKAGE_CODE] = { "msi.package_code", ST_PROPERTY_STRING, ST_SCOPE_PART,
			      "package code", NULL, 0, NULL,
			      "the summary information's Revision Number: the package code "
			      "GUID (of a patch: its patch code and the product codes)" },
	[MP_APPNAME] = { "msi.creating_application", ST_PROPERTY_STRING, ST_SCOPE_PART,
			 "created with", NULL, 0, NULL,
			 "the summary information's Creating Application" },
	[MP_SIGNATURE_EX] = { "msi.signature_ex", ST_PROPERTY_BOOL, ST_SCOPE_PART,
			      "MsiDigitalSignatureEx", NULL, 0, NULL,
			      "the root stream \\x05MsiDigitalSignatureEx is present: the digest "
			      "covers the streams' names, sizes, times and state too" },
	[MP_STREAMS] = { "msi.streams", ST_PROPERTY_INT, ST_SCOPE_PART, "streams", NULL, 0, NULL,
			 "streams in the compound file's tree" },
};

static const int suminfo_slot[MP_COUNT] = {
	[MP_PRODUCT] = MSI_SI_SUBJECT, [MP_MANUFACTURER] = MSI_SI_AUTHOR,
	[MP_TITLE] = MSI_SI_TITLE, [MP_TEMPLATE] = MSI_SI_TEMPLATE,
	[MP_PACKAGE_CODE] = MSI_SI_REVISION, [MP_APPNAME] = MSI_SI_APPNAME,
	[MP_SIGNATURE_EX] = -1, [MP_STREAMS] = -1,
};

static enum st_probe msi_probe(st_span head, uint64_t size)
{
	static const uint8_t magic[8] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };

	(void)size;
	return head.len >= 512 && memcmp(head.data, magic, 8) == 0 ? ST_PROBE_YES : ST_PROBE_NO;
}

/* The root CLSID of Windows Installer files: {000C10xx-0000-0000-C000-
 * 000000000046}, as stored (little-endian first fields). */
static const char *installer_kind(const uint8_t *clsid)
{
	static const uint8_t tail[14] = { 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00,
					  0x00, 0x00, 0x00, 0x00, 0x00, 0x46 };

	if (memcmp(clsid + 2, tail, sizeof(tail)) != 0 || clsid[1] != 0x10)
		return NULL;
	switch (clsid[0]) {
	case 0x84: return "msi";   /* packages and merge modules */
	case 0x86: return "msp";
	case 0x82: return "mst";
	default: return NULL;
	}
}

struct msi_subject {
	struct cfb *c;
	bool checked_ex;
	st_reasons *rs;
	const uint8_t *ex;
	size_t exlen;
};

static int msi_subject_digest(void *arg, int nid, uint8_t *out, unsigned *outlen,
			      st_reasons *rs)
{
	struct msi_subject *ms = arg;
	uint8_t pre[EVP_MAX_MD_SIZE];
	unsigned prelen = 0;
	int rc = msi_digest(ms->c, nid, ms->c->dse >= 0, out, outlen, pre, &prelen);

	(void)rs;
	if (rc || ms->c->dse < 0 || ms->checked_ex)
		return rc;
	/* The stream holds the pre-hash the signer computed; the digest takes
	 * the one computed here, so a changed name, size or time fails the
	 * digest, and a stream that disagrees with its file is named. */
	ms->checked_ex = true;
	if (ms->exlen != prelen || memcmp(ms->ex, pre, prelen) != 0)
		rc = st_reasons_add(ms->rs, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT,
				    "the MsiDigitalSignatureEx stream's pre-hash is not the one of "
				    "the streams' names, sizes and times: they changed after signing");
	return rc;
}

/* A stream as a source: its bytes read through its sector ranges, so a
 * member stream (an embedded cabinet of hundreds of MB) is never copied. */
struct stream_source {
	struct cfb *c;
	const struct cfb_entry *e;
	size_t r;            /* the range the last read ended in */
	uint64_t r_start;    /* its offset in the stream */
};

static int stream_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct stream_source *ss = arg;
	uint8_t *out = buf;

	if (off < ss->r_start) {
		ss->r = 0;
		ss->r_start = 0;
	}
	while (len) {
		const struct st_range *rg;
		uint64_t in_r, n;
		st_span sp;
		int rc;
		if (ss->r >= ss->e->nranges) {
			errno = ESTALE;
			return ST_EIO;
		}
		rg = &ss->c->ranges[ss->e->range0 + ss->r];
		if (off >= ss->r_start + rg->len) {
			ss->r_start += rg->len;
			ss->r++;
			continue;
		}
		in_r = off - ss->r_start;
		n = rg->len - in_r < len ? rg->len - in_r : len;
		if (n > ST_INPUT_WINDOW)
			n = ST_INPUT_WINDOW;
		rc = st_input_window(ss->c->in, rg->off + in_r, n, &sp);
		if (rc) {
			errno = rc == ST_ENOMEM ? ENOMEM : ESTALE;
			return rc == ST_ENOMEM ? ST_ENOMEM : ST_EIO;
		}
		memcpy(out, sp.data, n);
		out += n;
		off += n;
		len -= n;
	}
	return ST_OK;
}

/* Streams holding a cabinet or a PE image (the package's files, custom
 * actions in the Binary table) are verified as members. */
static int walk_streams(struct st_walk *w, struct st_input *in, struct st_part *part,
			struct cfb *c)
{
	int rc = ST_OK;

	for (uint32_t i = 0; i < c->ne && rc == ST_OK; i++) {
		const struct cfb_entry *e = &c->e[i];
		struct stream_source ss = { .c = c, .e = e };
		struct st_member m = { .kind = "stream" };
		struct st_part *child;
		char name[96];
		st_span head;

		if (!e->reached || e->type != CFB_STREAM || e->size < 64 || !e->nranges ||
		    (long)i == c->ds || (long)i == c->dse)
			continue;
		if (c->ranges[e->range0].len < 4)
			continue;
		if ((rc = st_input_window(in, c->ranges[e->range0].off, 4, &head)))
			return rc < 0 ? rc : ST_EIO;
		if (memcmp(head.data, "MZ", 2) != 0 && memcmp(head.data, "MSCF", 4) != 0)
			continue;
		cfb_name(e, name, sizeof(name));
		m.name = name;
		m.size = e->size;
		m.src = (struct st_source){ .read = stream_read, .arg = &ss };
		rc = st_walk_member(w, in, part, &m, &child);
	}
	return rc;
}

static int report_uncovered(struct cfb *c, struct st_part *part)
{
	struct msi_uncovered u;
	int rc = msi_find_uncovered(c, &u);

	if (rc)
		return rc;
	if (u.appended)
		ST_ADD(&part->reasons, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT,
		       "%llu bytes follow the compound file's last sector (at %llu)%s; no digest "
		       "covers them (CVE-2020-1464: a JAR appended to a signed MSI)",
		       (unsigned long long)u.appended, (unsigned long long)u.end,
		       u.appended_allocated ? ", though the FAT marks some of them in use" : "");
	if (u.free_sectors || u.orphan_sectors || u.slack_bytes) {
		char what[160] = "";
		size_t n = 0;
		if (u.free_sectors)
			n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%llu free sectors",
					      n ? ", " : "", (unsigned long long)u.free_sectors);
		if (u.orphan_sectors && n < sizeof(what))
			n += (size_t)snprintf(what + n, sizeof(what) - n,
					      "%s%llu sectors in no chain", n ? ", " : "",
					      (unsigned long long)u.orphan_sectors);
		if (u.slack_bytes && n < sizeof(what))
			snprintf(what + n, sizeof(what) - n, "%s%llu unused bytes in used sectors",
				 n ? ", " : "", (unsigned long long)u.slack_bytes);
		ST_ADD(&part->reasons, ST_R_UNCOVERED_DATA, ST_EFFECT_DEFAULT,
		       "data that no digest covers: %s (the first at %llu)", what,
		       (unsigned long long)u.first_off);
	}
	if (u.orphan_entries)
		ST_ADD(&part->reasons, ST_R_UNCOVERED_DATA, ST_EFFECT_DEFAULT,
		       "%u directory entries are in no storage's tree (the first '%s'): no digest "
		       "covers them", u.orphan_entries, u.orphan_name);
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

static int set_properties(struct cfb *c, struct st_part *part, struct msi_suminfo *si)
{
	long i = cfb_find(c, 0, "\005SummaryInformation");
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (i >= 0 && c->e[i].type == CFB_STREAM) {
		rc = cfb_read_stream(c, &c->e[i], ST_LIMIT_MSI_SUMINFO, &buf, &len);
		if (rc < 0)
			return rc;
		if (rc == ST_OK) {
			rc = msi_suminfo_parse(buf, len, si);
			free(buf);
			if (rc)
				return rc;
		}
	}
	for (int p = 0; p < MP_COUNT; p++)
		if (suminfo_slot[p] >= 0 && si->s[suminfo_slot[p]] &&
		    (rc = st_props_set_str(&part->props, &msi_properties[p],
					   si->s[suminfo_slot[p]])))
			return rc;
	if ((rc = st_props_set_int(&part->props, &msi_properties[MP_SIGNATURE_EX], c->dse >= 0)) ||
	    (rc = st_props_set_int(&part->props, &msi_properties[MP_STREAMS], c->streams)))
		return rc;
	return ST_OK;
}

static int msi_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct cfb c;
	struct msi_suminfo si = { 0 };
	struct msi_subject ms = { .c = &c, .rs = &part->reasons };
	struct ac_subject subj = {
		.indirect_type = OID_SPC_SIPINFO,
		.type_name = "Windows Installer file",
		.digest = msi_subject_digest,
		.arg = &ms,
		.policy = &st_policy_windows,
	};
	char why[256] = "";
	uint8_t *sig = NULL, *ex = NULL;
	size_t siglen = 0;
	const char *kind;
	int rc;

	rc = cfb_open(&c, in, why, sizeof(why));
	if (rc < 0)
		goto out;
	if (rc > 0) {
		/* A damaged compound file is an installer's only when named
		 * like one: Office documents are compound files too. */
		if (!(w->by_name && w->depth == 0)) {
			rc = st_part_not_executable(part);
			goto out;
		}
		part->format = "msi";
		part->policy = ST_POLICY_ANY_VALID;
		part->signed_structure = true;
		rc = st_reasons_add(&part->reasons, st_parse_reason(rc, ST_R_MALFORMED_MSI),
				    ST_EFFECT_DEFAULT, "the compound file cannot be read: %s", why);
		if (rc == ST_OK)
			st_part_finish(part);
		goto out;
	}
	kind = installer_kind(c.e[0].raw + 80);
	if (!kind && c.ds < 0 && !(w->by_name && w->depth == 0)) {
		rc = st_part_not_executable(part);
		goto out;
	}
	part->format = "msi";
	part->subformat = kind ? kind : "cfb";
	part->policy = ST_POLICY_ANY_VALID;
	if ((rc = set_properties(&c, part, &si)))
		goto out;
	if (c.ds >= 0) {
		part->signed_structure = true;
		rc = cfb_read_stream(&c, &c.e[c.ds], ST_LIMIT_MSI_SIGNATURE, &sig, &siglen);
		if (rc == ST_OK && c.dse >= 0)
			rc = cfb_read_stream(&c, &c.e[c.dse], EVP_MAX_MD_SIZE, &ex, &ms.exlen);
		if (rc < 0)
			goto out;
		if (rc > 0)
			rc = st_reasons_add(&part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
					    "the signature stream holds %llu bytes, more than %llu "
					    "(or MsiDigitalSignatureEx more than a digest)",
					    (unsigned long long)c.e[c.ds].size,
					    (unsigned long long)ST_LIMIT_MSI_SIGNATURE);
		else {
			ms.ex = ex;
			rc = ac_verify(w->ctx, &subj, st_span_make(sig, siglen), part, 0);
		}
		if (rc == ST_OK)
			rc = report_uncovered(&c, part);
	}
	if (rc == ST_OK)
		rc = walk_streams(w, in, part, &c);
	if (rc == ST_OK) {
		st_part_finish(part);
		rc = ac_check_claim(w->ctx, part, "the summary information's Author",
				    si.s[MSI_SI_AUTHOR]);
	}
out:
	free(sig);
	free(ex);
	msi_suminfo_clear(&si);
	cfb_close(&c);
	return rc;
}

static const char *const msi_extensions[] = { ".msi", ".msm", ".msp", ".mst", NULL };

const struct st_format st_format_msi = {
	.name = "msi",
	.description = "Windows Installer files (.msi, .msm, .msp, .mst): Authenticode in the "
		       "compound file's \\x05DigitalSignature stream",
	.probe = msi_probe,
	.verify = msi_verify,
	.properties = msi_properties,
	.nproperties = MP_COUNT,
	.extensions = msi_extensions,
};

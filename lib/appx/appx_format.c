/*
 * The appx format: Windows app packages and bundles (appx.h says which file
 * holds what).
 */
#include <stdlib.h>
#include <string.h>

#include "appx/appx.h"
#include "archive/archive.h"
#include "authenticode/authenticode.h"
#include "authenticode/spc.h"
#include "core/limits.h"
#include "x509/chain.h"

#define OID_SPC_SIPINFO "1.3.6.1.4.1.311.2.1.30"

enum { AP_PUBLISHER, AP_NAME, AP_VERSION, AP_FILES, AP_COUNT };

static const st_property_decl appx_properties[AP_COUNT] = {
	[AP_PUBLISHER] = { "appx.publisher", ST_PROPERTY_STRING, ST_SCOPE_PART, "publisher", NULL,
			   0, NULL,
			   "the manifest's Identity Publisher: the distinguished name the signer's "
			   "subject must be" },
	[AP_NAME] = { "appx.name", ST_PROPERTY_STRING, ST_SCOPE_PART, "package name", NULL, 0,
		      NULL, "the manifest's Identity Name" },
	[AP_VERSION] = { "appx.version", ST_PROPERTY_STRING, ST_SCOPE_PART, "package version",
			 NULL, 0, NULL, "the manifest's Identity Version" },
	[AP_FILES] = { "appx.files", ST_PROPERTY_INT, ST_SCOPE_PART, "files", NULL, 0, NULL,
		       "entries of the package's ZIP directory" },
};

static enum st_probe appx_probe(st_span head, uint64_t size)
{
	uint32_t sig;

	return size >= 30 && st_read_u32le(head, 0, &sig) && sig == 0x04034b50u ? ST_PROBE_YES
										 : ST_PROBE_NO;
}

struct appx_subject {
	struct zip *z;
	const struct zip_entry *sig;
	uint8_t computed[ST_SPC_DIGEST_MAX];
	unsigned computed_len;
};

static int appx_subject_digest(void *arg, int nid, uint8_t *out, unsigned *outlen,
			       st_reasons *rs)
{
	struct appx_subject *as = arg;
	int rc = appx_digest(as->z, as->sig, nid, out, outlen, rs);

	if (rc == ST_OK) {
		memcpy(as->computed, out, *outlen);
		as->computed_len = *outlen;
	}
	return rc;
}

/* Which records of the signed digest differ from the file's. */
static int explain_mismatch(struct st_part *part, const struct appx_subject *as)
{
	for (size_t i = 0; i < part->nsigs; i++) {
		const st_signature *s = &part->sigs[i];
		uint8_t signed_md[ST_SPC_DIGEST_MAX];
		size_t n = 0;
		char what[256];
		if (s->depth != 0 || !s->signed_digest || !st_reasons_has(&s->reasons,
									  ST_R_DIGEST_MISMATCH))
			continue;
		for (const char *h = s->signed_digest; h[0] && h[1] && n < sizeof(signed_md); h += 2) {
			unsigned v;
			if (sscanf(h, "%2x", &v) != 1)
				break;
			signed_md[n++] = (uint8_t)v;
		}
		appx_digest_diff(signed_md, n, as->computed, as->computed_len, what, sizeof(what));
		if (what[0])
			return st_reasons_add(&part->reasons, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT,
					      "signature %zu: the package differs from what was "
					      "signed in %s", i, what);
	}
	return ST_OK;
}

/* Bytes between the records no digest covers: before the first local
 * record, between records, between the last and the directory. */
static int report_gaps(struct zip *z, struct st_part *part)
{
	uint64_t gap = 0, first = 0, pos = 0;

	for (size_t k = 0; k < z->n; k++) {
		const struct zip_entry *e = z->by_offset[k];
		if (e->local > pos) {
			if (!gap)
				first = pos;
			gap += e->local - pos;
		}
		pos = e->end;
	}
	if (z->cd_off > pos) {
		if (!gap)
			first = pos;
		gap += z->cd_off - pos;
	}
	if (!gap)
		return ST_OK;
	return st_reasons_add(&part->reasons, ST_R_UNCOVERED_DATA, ST_EFFECT_DEFAULT,
			      "%llu bytes outside every ZIP record (the first at %llu): no digest "
			      "covers them", (unsigned long long)gap, (unsigned long long)first);
}

struct head {
	uint8_t b[ST_PROBE_LEN];
	size_t n;
};

#define HEAD_FULL 100   /* stops zip_stream() once the head is read */

static int take_head(void *arg, const uint8_t *p, size_t n)
{
	struct head *h = arg;
	size_t k = sizeof(h->b) - h->n < n ? sizeof(h->b) - h->n : n;

	memcpy(h->b + h->n, p, k);
	h->n += k;
	return h->n == sizeof(h->b) ? HEAD_FULL : ST_OK;
}

/* Whether some format claims the entry by its first bytes: only those are
 * decoded whole (a package's images and text cost the inflation of their
 * first 4 KiB). */
static int looks_verifiable(const st_context *ctx, struct zip *z, const struct zip_entry *e,
			    bool *yes)
{
	struct head h = { .n = 0 };
	char why[256];
	int rc = zip_stream(z, e, take_head, &h, why, sizeof(why));

	*yes = false;
	if (rc < 0)
		return rc;
	*yes = st_format_identify(ctx, st_span_make(h.b, h.n), e->usize) != NULL;
	return ST_OK;
}

/* The package's files as members: inner packages of a bundle and other
 * stored files as byte ranges, deflated ones decoded when a format claims
 * their first bytes. */
static int walk_members(struct st_walk *w, struct st_input *in, struct st_part *part,
			struct zip *z)
{
	int rc = ST_OK;

	for (size_t i = 0; i < z->n && rc == ST_OK; i++) {
		const struct zip_entry *e = &z->e[i];
		struct st_member m = { .kind = "member", .name = e->name };
		struct st_part *child;
		char why[256];
		uint8_t *buf = NULL;
		size_t len;
		size_t nl = strlen(e->name);
		bool verifiable;
		if (!nl || e->name[nl - 1] == '/' || strcmp(e->name, "AppxSignature.p7x") == 0 ||
		    strcmp(e->name, "AppxBlockMap.xml") == 0 ||
		    strcmp(e->name, "[Content_Types].xml") == 0)
			continue;
		if (e->method == 0 && e->csize == e->usize) {
			m.offset = e->data_off;
			m.size = e->csize;
		} else {
			if ((rc = looks_verifiable(w->ctx, z, e, &verifiable)))
				return rc;
			if (!verifiable)
				continue;
			if (e->usize > ST_LIMIT_DECODED_BYTES - w->decoded)
				return st_reasons_add(&part->reasons, ST_R_LIMIT_EXCEEDED,
						      ST_EFFECT_DEFAULT,
						      "'%s' (%llu bytes) would pass the %llu bytes of "
						      "decoded members one file may hold; it and the "
						      "rest are not verified", e->name,
						      (unsigned long long)e->usize,
						      (unsigned long long)ST_LIMIT_DECODED_BYTES);
			rc = zip_read(z, e, ST_LIMIT_DECODED_BYTES, &buf, &len, why, sizeof(why));
			if (rc > 0) {
				rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER,
						    ST_EFFECT_DEFAULT, "%s", why);
				continue;
			}
			if (rc)
				return rc;
			m.data = buf;
			m.size = len;
		}
		rc = st_walk_member(w, in, part, &m, &child);
		free(buf);
	}
	return rc;
}

/* A package whose ZIP layout cannot be read (rc: ST_PARSE_MALFORMED or
 * ST_PARSE_LIMIT, why: what). */
static int unreadable(struct st_part *part, int rc, const char *why)
{
	part->format = "appx";
	part->policy = ST_POLICY_ANY_VALID;
	part->signed_structure = true;
	rc = st_reasons_add(&part->reasons, st_parse_reason(rc, ST_R_MALFORMED_APPX),
			    ST_EFFECT_DEFAULT, "the package cannot be read: %s", why);
	if (rc == ST_OK)
		st_part_finish(part);
	return rc;
}

static int verify_signature(struct st_walk *w, struct zip *z, const struct zip_entry *sig,
			    bool bundle, const char *publisher, struct st_part *part)
{
	struct appx_subject as = { .z = z, .sig = sig };
	struct ac_subject subj = {
		.indirect_type = OID_SPC_SIPINFO,
		.type_name = bundle ? "app bundle" : "app package",
		.digest = appx_subject_digest,
		.arg = &as,
		.policy = &st_policy_windows,
	};
	char why[256] = "";
	uint8_t *p7x = NULL;
	size_t len = 0;
	int bm_nid, rc;

	rc = zip_read(z, sig, ST_LIMIT_MSI_SIGNATURE, &p7x, &len, why, sizeof(why));
	if (rc < 0)
		return rc;
	if (rc > 0 || len < 4 || memcmp(p7x, "PKCX", 4) != 0) {
		free(p7x);
		return st_reasons_add(&part->reasons, rc > 0 ? st_parse_reason(rc, ST_R_MALFORMED_SIGNATURE)
							     : ST_R_MALFORMED_SIGNATURE,
				      ST_EFFECT_DEFAULT, "AppxSignature.p7x %s",
				      rc > 0 ? why : "does not start with PKCX");
	}
	rc = ac_verify(w->ctx, &subj, st_span_make(p7x + 4, len - 4), part, 0);
	free(p7x);
	/* The block map first: it names the file that changed, where the
	 * records only say which part of the package did. */
	if (rc == ST_OK)
		rc = appx_check_blockmap(z, bundle, &part->reasons, &bm_nid);
	if (rc == ST_OK)
		rc = explain_mismatch(part, &as);
	if (rc == ST_OK)
		rc = report_gaps(z, part);
	/* The manifest's publisher against the signer of the first
	 * signature, as Windows compares them before it installs. */
	if (rc == ST_OK && part->nsigs && part->sigs[0].chain_len && part->sigs[0].chain[0]) {
		const char *subject = part->sigs[0].chain[0]->subject;
		if (!publisher)
			rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_APPX, ST_EFFECT_DEFAULT,
					    "the manifest names no publisher to compare with the "
					    "signer '%s'", subject);
		else if (!appx_publisher_matches(publisher, subject))
			rc = st_reasons_add(&part->reasons, ST_R_PUBLISHER_MISMATCH,
					    ST_EFFECT_DEFAULT,
					    "the manifest's publisher '%s' is not the signer '%s'",
					    publisher, subject);
	}
	return rc;
}

static int appx_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct zip z;
	char why[256] = "", *id[3] = { NULL, NULL, NULL };
	const struct zip_entry *sig;
	bool bundle, named = w->by_name && w->depth == 0;
	int rc;

	rc = zip_open(&z, in, why, sizeof(why));
	if (rc < 0)
		goto out;
	if (rc > 0) {
		rc = named ? unreadable(part, rc, why) : st_part_not_executable(part);
		goto out;
	}
	bundle = zip_find(&z, "AppxMetadata/AppxBundleManifest.xml") != NULL;
	sig = zip_find(&z, "AppxSignature.p7x");
	if (!bundle && !sig && !zip_find(&z, "AppxManifest.xml") && !named) {
		/* Another ZIP file: an archive, its files members. */
		zip_close(&z);
		return archive_walk(w, in, part);
	}
	rc = zip_read_locals(&z, why, sizeof(why));
	if (rc) {
		if (rc > 0)
			rc = unreadable(part, rc, why);
		goto out;
	}
	part->format = "appx";
	part->subformat = bundle ? "bundle" : "package";
	part->policy = ST_POLICY_ANY_VALID;
	if ((rc = appx_manifest_identity(&z, bundle, id)))
		goto out;
	for (int k = 0; k < 3 && rc == ST_OK; k++)
		if (id[k])
			rc = st_props_set_str(&part->props, &appx_properties[AP_PUBLISHER + k], id[k]);
	if (rc == ST_OK)
		rc = st_props_set_int(&part->props, &appx_properties[AP_FILES], (int64_t)z.n);
	if (rc == ST_OK && sig) {
		part->signed_structure = true;
		rc = verify_signature(w, &z, sig, bundle, id[0], part);
	}
	if (rc == ST_OK)
		rc = walk_members(w, in, part, &z);
	if (rc == ST_OK)
		st_part_finish(part);
out:
	for (int k = 0; k < 3; k++)
		free(id[k]);
	zip_close(&z);
	return rc;
}

static const char *const appx_extensions[] = { ".appx", ".msix", ".appxbundle", ".msixbundle",
					       NULL };

const struct st_format st_format_appx = {
	.name = "appx",
	.description = "Windows app packages and bundles (.appx, .msix, .appxbundle, "
		       ".msixbundle): Authenticode in AppxSignature.p7x over the ZIP records",
	.probe = appx_probe,
	.verify = appx_verify,
	.properties = appx_properties,
	.nproperties = AP_COUNT,
	.extensions = appx_extensions,
};

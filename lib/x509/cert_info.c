/* Copies what reports need from an X509 into an st_cert. */
#include "core/result.h"
#include "x509/x509_util.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <stdlib.h>
#include <string.h>

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

char *st_name_cn(const X509_NAME *name)
{
	int nids[] = { NID_commonName, NID_organizationName,
		       NID_organizationalUnitName };

	for (size_t k = 0; k < sizeof(nids) / sizeof(nids[0]); k++) {
		int i = X509_NAME_get_index_by_NID(name, nids[k], -1);
		unsigned char *utf8 = NULL;
		char *out;
		int n;

		if (i < 0)
			continue;
		n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
						 X509_NAME_get_entry(name, i)));
		if (n < 0)
			continue;
		out = malloc((size_t)n + 1);
		if (out) {
			memcpy(out, utf8, (size_t)n);
			out[n] = '\0';
		}
		OPENSSL_free(utf8);
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

int st_cert_fill(st_cert *c, X509 *x, int is_anchor)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
	EVP_PKEY *pk = X509_get0_pubkey(x);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	int sig_nid = X509_get_signature_nid(x);

	memset(c, 0, sizeof(*c));
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
	c->key_alg = st_strdup(pk ? st_pkey_type_name(pk) : "unknown");
	c->key_bits = pk ? EVP_PKEY_get_bits(pk) : 0;
	c->sig_alg = st_strdup(sig_nid != NID_undef ? OBJ_nid2ln(sig_nid)
						    : "unknown");
	c->trust_anchor = is_anchor;
	if (!c->subject || !c->issuer || !c->subject_cn || !c->issuer_cn ||
	    !c->serial || !c->key_alg || !c->sig_alg) {
		st_cert_clear(c);
		return ST_ENOMEM;
	}
	return ST_OK;
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

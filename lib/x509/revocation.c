#include "x509/revocation.h"

#include <dirent.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "x509/x509_util.h"

extern const char st_denylist_tsv[];

static int load_file(STACK_OF(X509_CRL) *into, const char *path)
{
	BIO *b = BIO_new_file(path, "rb");
	X509_CRL *crl;
	int n = 0;

	if (!b)
		return -1;
	while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_CRL_push(into, crl))
			n++;
		else
			X509_CRL_free(crl);
	}
	if (n == 0) {
		(void)BIO_reset(b);
		crl = d2i_X509_CRL_bio(b, NULL);
		if (crl && sk_X509_CRL_push(into, crl))
			n++;
		else
			X509_CRL_free(crl);
	}
	ERR_clear_error();
	BIO_free(b);
	return n;
}

int st_crl_load(STACK_OF(X509_CRL) *into, const char *path)
{
	struct stat st;
	int total = 0;

	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return load_file(into, path);
	{
		DIR *d = opendir(path);
		struct dirent *e;
		if (!d)
			return -1;
		while ((e = readdir(d)) != NULL) {
			char full[4096];
			int n;
			if (e->d_name[0] == '.')
				continue;
			snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
			n = load_file(into, full);
			if (n > 0)
				total += n;
		}
		closedir(d);
	}
	return total;
}

/* The deny-list, parsed once. */
struct deny_entry {
	char issuer[128], serial[80], source[256];
};

static struct deny_entry deny[64];
static size_t ndeny;
static pthread_once_t deny_once = PTHREAD_ONCE_INIT;

static void load_denylist(void)
{
	const char *p = st_denylist_tsv;

	while (*p && ndeny < sizeof(deny) / sizeof(deny[0])) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[768], *f[4] = { 0 }, *save = NULL;

		if (*p != '#' && n > 0 && n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			f[0] = strtok_r(line, "\t", &save);
			for (int i = 1; i < 4 && f[i - 1]; i++)
				f[i] = strtok_r(NULL, "\t", &save);
			if (f[3]) {
				snprintf(deny[ndeny].issuer, sizeof(deny[ndeny].issuer), "%s", f[0]);
				snprintf(deny[ndeny].serial, sizeof(deny[ndeny].serial), "%s", f[1]);
				snprintf(deny[ndeny].source, sizeof(deny[ndeny].source), "%s", f[3]);
				ndeny++;
			}
		}
		p += n + (eol ? 1 : 0);
	}
}

/* The deny-list entry for x (serial, then issuer CN), as its source text. */
static bool denied(X509 *x, char *source, size_t len)
{
	BIGNUM *bn;
	char *serial, *issuer_cn = NULL;
	bool hit = false;

	pthread_once(&deny_once, load_denylist);
	if (!ndeny)
		return false;
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	serial = bn ? BN_bn2hex(bn) : NULL;
	for (size_t i = 0; serial && i < ndeny && !hit; i++) {
		if (strcasecmp(deny[i].serial, serial) != 0)
			continue;
		if (!issuer_cn)
			issuer_cn = st_name_cn(X509_get_issuer_name(x));
		if (issuer_cn && strcmp(deny[i].issuer, issuer_cn) == 0) {
			snprintf(source, len, "%s", deny[i].source);
			hit = true;
		}
	}
	free(issuer_cn);
	OPENSSL_free(serial);
	BN_free(bn);
	return hit;
}

int st_revocation_check(const st_context *ctx, STACK_OF(X509) *chain, bool ts,
			st_reasons *rs, const char *what)
{
	st_reason code = ts ? ST_R_TIMESTAMP_INVALID : ST_R_REVOKED;
	char name[160], src[256];

	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		X509 *issuer = i + 1 < sk_X509_num(chain) ? sk_X509_value(chain, i + 1) : x;
		char *cn = st_name_cn(X509_get_subject_name(x));

		snprintf(name, sizeof(name), "%s", cn ? cn : "?");
		free(cn);
		if (denied(x, src, sizeof(src)) &&
		    st_reasons_add(rs, code, ST_VERDICT_INVALID,
				   "%s: certificate '%s' is on the deny-list of abused certificates: %s",
				   what, name, src))
			return ST_ENOMEM;
		for (int k = 0; k < sk_X509_CRL_num(ctx->crls); k++) {
			X509_CRL *crl = sk_X509_CRL_value(ctx->crls, k);
			X509_REVOKED *rev = NULL;
			EVP_PKEY *pk = X509_get0_pubkey(issuer);
			char when[32];

			if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(x)) != 0 ||
			    X509_NAME_cmp(X509_get_subject_name(issuer), X509_get_issuer_name(x)) != 0)
				continue;
			/* Only a CRL signed by the certificate's own issuer
			 * counts: anyone can write a CRL naming an issuer. */
			if (!pk || X509_CRL_verify(crl, pk) != 1) {
				ERR_clear_error();
				continue;
			}
			if (X509_CRL_get0_by_cert(crl, &rev, x) != 1 || !rev)
				continue;
			st_format_time(st_asn1_time(X509_REVOKED_get0_revocationDate(rev)),
				       when, sizeof(when));
			if (st_reasons_add(rs, code, ST_VERDICT_INVALID,
					   "%s: certificate '%s' was revoked on %s (CRL of its issuer)",
					   what, name, when))
				return ST_ENOMEM;
		}
	}
	ERR_clear_error();
	return ST_OK;
}

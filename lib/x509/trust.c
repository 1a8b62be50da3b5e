/* Trust anchors, CRLs and the deny-list of a context (trust.h). */
#include "x509/trust.h"

#include <dirent.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/result.h"
#include "x509/x509_util.h"

extern const char st_denylist_tsv[];

/* The shipped deny-list (data/denylist.tsv): issuer CN, serial, subject,
 * source; '#' comments. */
static int load_denylist(struct st_trust *t)
{
	const char *p = st_denylist_tsv;
	size_t cap = 0;

	while (*p) {
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
				struct st_deny_entry *e;
				if (t->ndeny == cap) {
					size_t nc = cap ? cap * 2 : 32;
					struct st_deny_entry *nv = realloc(t->deny, nc * sizeof(*nv));
					if (!nv)
						return ST_ENOMEM;
					t->deny = nv;
					cap = nc;
				}
				e = &t->deny[t->ndeny++];
				snprintf(e->issuer, sizeof(e->issuer), "%s", f[0]);
				snprintf(e->serial, sizeof(e->serial), "%s", f[1]);
				snprintf(e->source, sizeof(e->source), "%s", f[3]);
			}
		}
		p += n + (eol ? 1 : 0);
	}
	return ST_OK;
}

struct st_trust *st_trust_new(void)
{
	struct st_trust *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->store = X509_STORE_new();
	t->anchors = sk_X509_new_null();
	t->crls = sk_X509_CRL_new_null();
	if (!t->store || !t->anchors || !t->crls || load_denylist(t) != ST_OK) {
		st_trust_free(t);
		return NULL;
	}
	return t;
}

void st_trust_free(struct st_trust *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->anchors, X509_free);
	sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
	free(t->deny);
	free(t);
}

bool st_trust_is_anchor(const struct st_trust *t, const X509 *x)
{
	for (int i = 0; i < sk_X509_num(t->anchors); i++)
		if (X509_cmp(sk_X509_value(t->anchors, i), x) == 0)
			return true;
	return false;
}

bool st_context_is_anchor(const st_context *ctx, const X509 *x)
{
	return st_trust_is_anchor(ctx->trust, x);
}

/* Takes ownership of x. Returns 1 added, 0 already present, -1 on error. */
static int add_anchor(struct st_trust *t, X509 *x)
{
	if (st_trust_is_anchor(t, x)) {
		X509_free(x);
		return 0;
	}
	if (!X509_STORE_add_cert(t->store, x) || !sk_X509_push(t->anchors, x)) {
		X509_free(x);
		ERR_clear_error();
		return -1;
	}
	return 1;
}

/* Every certificate in one file: PEM (any number), DER, or a PKCS#7
 * certificate bundle. Returns how many it held, -1 if unreadable. */
static int load_file(struct st_trust *t, const char *path)
{
	BIO *b = BIO_new_file(path, "rb");
	int found = 0;
	X509 *x;

	if (!b)
		return -1;
	while ((x = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL)) != NULL)
		if (add_anchor(t, x) >= 0)
			found++;
	ERR_clear_error();
	if (found == 0) {
		const unsigned char *p;
		char *data = NULL;
		long n;
		BIO *mem = BIO_new(BIO_s_mem());

		(void)BIO_reset(b);
		if (mem) {
			char buf[4096];
			int r;
			while ((r = BIO_read(b, buf, sizeof(buf))) > 0)
				BIO_write(mem, buf, r);
			n = BIO_get_mem_data(mem, &data);
			p = (const unsigned char *)data;
			x = d2i_X509(NULL, &p, n);
			if (x) {
				if (add_anchor(t, x) >= 0)
					found++;
			} else {
				PKCS7 *p7;
				p = (const unsigned char *)data;
				p7 = d2i_PKCS7(NULL, &p, n);
				if (p7 && PKCS7_type_is_signed(p7) &&
				    p7->d.sign && p7->d.sign->cert) {
					STACK_OF(X509) *certs = p7->d.sign->cert;
					for (int i = 0; i < sk_X509_num(certs); i++) {
						X509 *c = sk_X509_value(certs, i);
						X509_up_ref(c);
						if (add_anchor(t, c) >= 0)
							found++;
					}
				}
				PKCS7_free(p7);
			}
			BIO_free(mem);
		}
		ERR_clear_error();
	}
	BIO_free(b);
	return found;
}

/* Calls fn on path, or on every regular file of the directory path (not
 * recursive, hidden files skipped). Returns the sum of fn's non-negative
 * returns, or -1 when path cannot be read. */
static int each_file(struct st_trust *t, const char *path,
		     int (*fn)(struct st_trust *, const char *))
{
	struct stat st;
	int total = 0;
	DIR *d;
	struct dirent *e;

	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return fn(t, path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char full[4096];
		struct stat est;
		int n;

		if (e->d_name[0] == '.')
			continue;
		n = snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(full))
			continue;
		if (stat(full, &est) != 0 || !S_ISREG(est.st_mode))
			continue;
		n = fn(t, full);
		if (n > 0)
			total += n;
	}
	closedir(d);
	return total;
}

int st_trust_add_path(struct st_trust *t, const char *path)
{
	return each_file(t, path, load_file);
}

static int load_crl_file(struct st_trust *t, const char *path)
{
	BIO *b = BIO_new_file(path, "rb");
	X509_CRL *crl;
	int n = 0;

	if (!b)
		return -1;
	while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_CRL_push(t->crls, crl))
			n++;
		else
			X509_CRL_free(crl);
	}
	if (n == 0) {
		(void)BIO_reset(b);
		crl = d2i_X509_CRL_bio(b, NULL);
		if (crl && sk_X509_CRL_push(t->crls, crl))
			n++;
		else
			X509_CRL_free(crl);
	}
	ERR_clear_error();
	BIO_free(b);
	return n;
}

int st_trust_add_crls(struct st_trust *t, const char *path)
{
	return each_file(t, path, load_crl_file);
}

bool st_trust_denied(const struct st_trust *t, X509 *x, char *source, size_t len)
{
	BIGNUM *bn;
	char *serial, *issuer_cn = NULL;
	bool hit = false;

	if (!t->ndeny)
		return false;
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	serial = bn ? BN_bn2hex(bn) : NULL;
	for (size_t i = 0; serial && i < t->ndeny && !hit; i++) {
		if (strcasecmp(t->deny[i].serial, serial) != 0)
			continue;
		if (!issuer_cn)
			issuer_cn = st_name_cn(X509_get_issuer_name(x));
		if (issuer_cn && strcmp(t->deny[i].issuer, issuer_cn) == 0) {
			snprintf(source, len, "%s", t->deny[i].source);
			hit = true;
		}
	}
	free(issuer_cn);
	OPENSSL_free(serial);
	BN_free(bn);
	return hit;
}

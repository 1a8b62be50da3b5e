/* The verification context: trust anchors and options. */
#include "core/context.h"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/limits.h"
#include "x509/chain.h"
#include "x509/revocation.h"
#include "x509/signed_data.h"

int st_context_new(st_context **out)
{
	st_context *ctx = calloc(1, sizeof(*ctx));

	*out = NULL;
	if (!ctx)
		return ST_ENOMEM;
	ctx->store = X509_STORE_new();
	ctx->anchors = sk_X509_new_null();
	ctx->chain_cache = st_chain_cache_new();
	ctx->cert_cache = st_cert_cache_new();
	ctx->crls = sk_X509_CRL_new_null();
	if (!ctx->store || !ctx->anchors || !ctx->chain_cache || !ctx->cert_cache || !ctx->crls) {
		st_context_free(ctx);
		return ST_ENOMEM;
	}
	ctx->at = (int64_t)time(NULL);
	ctx->max_file_size = ST_LIMIT_FILE_SIZE_DEFAULT;
	ctx->file_hash = true;
	*out = ctx;
	return ST_OK;
}

void st_context_free(st_context *ctx)
{
	if (!ctx)
		return;
	X509_STORE_free(ctx->store);
	sk_X509_pop_free(ctx->anchors, X509_free);
	st_chain_cache_free(ctx->chain_cache);
	st_cert_cache_free(ctx->cert_cache);
	sk_X509_CRL_pop_free(ctx->crls, X509_CRL_free);
	free(ctx);
}

void st_context_set_time(st_context *ctx, int64_t when) { ctx->at = when; }
int64_t st_context_time(const st_context *ctx) { return ctx->at; }

void st_context_set_max_file_size(st_context *ctx, uint64_t bytes)
{
	ctx->max_file_size = bytes;
}

void st_context_set_file_hash(st_context *ctx, int enabled)
{
	ctx->file_hash = enabled != 0;
}

size_t st_context_trust_count(const st_context *ctx)
{
	return (size_t)sk_X509_num(ctx->anchors);
}

bool st_context_is_anchor(const st_context *ctx, const X509 *x)
{
	for (int i = 0; i < sk_X509_num(ctx->anchors); i++)
		if (X509_cmp(sk_X509_value(ctx->anchors, i), x) == 0)
			return true;
	return false;
}

/* Takes ownership of x. Duplicates are dropped. */
static int add_anchor(st_context *ctx, X509 *x)
{
	if (st_context_is_anchor(ctx, x)) {
		X509_free(x);
		return 0;
	}
	if (!X509_STORE_add_cert(ctx->store, x) || !sk_X509_push(ctx->anchors, x)) {
		X509_free(x);
		return -1;
	}
	/* Cached chain results were computed with the old anchors. */
	st_chain_cache_clear(ctx->chain_cache);
	return 1;
}

/* Loads every certificate in one file: PEM (any number), DER, or a PKCS#7
 * certificate bundle. Returns the number added, -1 on error. */
static int load_file(st_context *ctx, const char *path)
{
	BIO *b = BIO_new_file(path, "rb");
	int added = 0;
	X509 *x;

	if (!b)
		return -1;
	while ((x = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL)) != NULL)
		if (add_anchor(ctx, x) > 0)
			added++;
	ERR_clear_error();
	if (added == 0) {
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
				if (add_anchor(ctx, x) > 0)
					added++;
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
						if (add_anchor(ctx, c) > 0)
							added++;
					}
				}
				PKCS7_free(p7);
			}
			BIO_free(mem);
		}
		ERR_clear_error();
	}
	BIO_free(b);
	return added;
}

int st_context_add_trust(st_context *ctx, const char *path)
{
	struct stat st;
	int total = 0;

	if (!ctx || !path)
		return ST_EINVAL;
	if (stat(path, &st) != 0)
		return ST_ETRUST;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;

		if (!d)
			return ST_ETRUST;
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
			n = load_file(ctx, full);
			if (n > 0)
				total += n;
		}
		closedir(d);
	} else {
		int n = load_file(ctx, path);
		if (n > 0)
			total = n;
	}
	return total > 0 ? ST_OK : ST_ETRUST;
}

int st_context_add_crl(st_context *ctx, const char *path)
{
	if (!ctx || !path)
		return ST_EINVAL;
	return st_crl_load(ctx->crls, path) > 0 ? ST_OK : ST_ETRUST;
}

int st_context_add_system_trust(st_context *ctx)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	int n;

	if (!file || !*file)
		file = X509_get_default_cert_file();
	n = load_file(ctx, file);
	if (n < 0)
		return ST_ETRUST;
	return ST_OK;
}

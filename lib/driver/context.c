/*
 * The verification context (public API): options, the trust store and the
 * caches, created here for the layers that use them (x509/ keeps the trust
 * store and the certificate and chain caches; core/ only sees pointers).
 */
#include <libxml/parser.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "core/cache.h"
#include "host/host.h"
#include "core/context.h"
#include "core/limits.h"
#include "x509/cert_cache.h"
#include "x509/chain.h"
#include "x509/trust.h"

int st_context_new(st_context **out)
{
	st_context *ctx = calloc(1, sizeof(*ctx));

	*out = NULL;
	if (!ctx)
		return ST_ENOMEM;
	/* libxml2 (app package manifests and block maps, event records) sets
	 * itself up on first use, which is not safe from several scanning
	 * threads at once: here, before any of them. */
	xmlInitParser();
	ctx->trust = st_trust_new();
	ctx->der_certs = st_cache_new(ST_LIMIT_CERT_CACHE, &st_x509_cache_ops);
	ctx->rendered = st_cache_new(ST_LIMIT_RENDERED_CACHE, &st_cert_cache_ops);
	ctx->chains = st_cache_new(ST_LIMIT_CHAIN_CACHE, &st_chain_cache_ops);
	if (!ctx->trust || !ctx->der_certs || !ctx->rendered || !ctx->chains) {
		st_context_free(ctx);
		return ST_ENOMEM;
	}
	ctx->at = (int64_t)time(NULL);
	ctx->max_file_size = ST_LIMIT_FILE_SIZE_DEFAULT;
	ctx->in_memory_limit = ST_IN_MEMORY_DEFAULT;
	ctx->member_threads = 1;
	ctx->file_hash = true;
	if (st_vuln_drivers_init(ctx) != ST_OK) {
		st_context_free(ctx);
		return ST_ENOMEM;
	}
	*out = ctx;
	return ST_OK;
}

void st_context_free(st_context *ctx)
{
	if (!ctx)
		return;
	st_cache_free(ctx->chains);
	st_cache_free(ctx->rendered);
	st_cache_free(ctx->der_certs);
	st_trust_free(ctx->trust);
	cat_index_free(ctx->catalogs);
	for (size_t i = 0; i < ctx->narchive_passwords; i++)
		free(ctx->archive_passwords[i]);
	free(ctx->archive_passwords);
	(void)st_context_set_found_files(ctx, NULL, NULL, NULL);
	free(ctx->vuln);
	free(ctx);
}

int st_context_add_archive_password(st_context *ctx, const char *password)
{
	char **nv, *copy;

	if (!ctx || !password)
		return ST_EINVAL;
	if (ctx->narchive_passwords == ST_LIMIT_ARCHIVE_PASSWORDS)
		return ST_EINVAL;
	copy = strdup(password);
	nv = copy ? realloc(ctx->archive_passwords, (ctx->narchive_passwords + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(copy);
		return ST_ENOMEM;
	}
	ctx->archive_passwords = nv;
	ctx->archive_passwords[ctx->narchive_passwords++] = copy;
	return ST_OK;
}

int st_context_set_found_files(st_context *ctx, const char *const *suffixes, st_found_fn fn, void *arg)
{
	size_t n = 0;

	if (!ctx)
		return ST_EINVAL;
	for (size_t i = 0; i < ctx->nfound_suffixes; i++)
		free(ctx->found_suffixes[i]);
	ctx->nfound_suffixes = 0;
	ctx->found_fn = NULL;
	ctx->found_arg = NULL;
	if (!fn)
		return ST_OK;
	while (suffixes && suffixes[n])
		n++;
	if (n == 0 || n > sizeof(ctx->found_suffixes) / sizeof(ctx->found_suffixes[0]))
		return ST_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!(ctx->found_suffixes[i] = strdup(suffixes[i]))) {
			ctx->nfound_suffixes = i;
			(void)st_context_set_found_files(ctx, NULL, NULL, NULL);
	free(ctx->vuln);
			return ST_ENOMEM;
		}
	}
	ctx->nfound_suffixes = n;
	ctx->found_fn = fn;
	ctx->found_arg = arg;
	return ST_OK;
}

int st_context_add_catalogs(st_context *ctx, const char *path, size_t *added)
{
	size_t n = 0;
	int rc;

	if (!ctx || !path)
		return ST_EINVAL;
	rc = cat_index_add(ctx, path, &n);
	if (added)
		*added = n;
	return rc;
}

int st_context_add_host_trust(st_context *ctx, const char *path, size_t *found)
{
	size_t n = 0;
	int rc;

	if (!ctx || !path)
		return ST_EINVAL;
	ctx->trust->error[0] = '\0';
	rc = st_host_add_hive(ctx, path, &n, ctx->trust->error, sizeof(ctx->trust->error));
	if (found)
		*found = n;
	return rc;
}

size_t st_context_host_cert_count(const st_context *ctx) { return ctx->trust->nhost; }

const st_host_cert *st_context_host_cert(const st_context *ctx, size_t i)
{
	return i < ctx->trust->nhost ? &ctx->trust->host[i] : NULL;
}

const char *st_host_cert_store(const st_host_cert *h) { return h->store; }
const char *st_host_cert_hive(const st_host_cert *h) { return h->origin; }
const st_cert *st_host_cert_certificate(const st_host_cert *h) { return h->rendered; }
int st_host_cert_in_program(const st_host_cert *h) { return h->in_program; }

size_t st_context_catalog_count(const st_context *ctx)
{
	return cat_index_catalogs(ctx->catalogs);
}

size_t st_context_catalog_member_count(const st_context *ctx)
{
	return cat_index_members(ctx->catalogs);
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

void st_context_set_legacy_hashes(st_context *ctx, int enabled)
{
	ctx->legacy_hashes = enabled != 0;
}

void st_context_set_deleted_files(st_context *ctx, int enabled)
{
	ctx->deleted_files = enabled != 0;
}

void st_context_set_image_hash(st_context *ctx, int enabled)
{
	ctx->image_hash = enabled != 0;
}

void st_context_set_member_threads(st_context *ctx, int threads)
{
	ctx->member_threads = threads < 1 ? 1 : threads > ST_LIMIT_MEMBER_THREADS ? ST_LIMIT_MEMBER_THREADS : threads;
}

size_t st_context_dbx_count(const st_context *ctx)
{
	return ctx->trust->ndbx;
}

size_t st_context_trust_count(const st_context *ctx)
{
	return ctx->trust->nanchors;
}

const char *st_context_trust_snapshot(const st_context *ctx)
{
	return ctx->trust->snapshot ? ctx->trust->snapshot : "";
}

const char *st_context_trust_error(const st_context *ctx)
{
	return ctx->trust->error;
}

/* Chain results and rendered certificates (their trust-anchor flag) depend
 * on the anchors. */
static void trust_changed(st_context *ctx)
{
	st_cache_clear(ctx->chains);
	st_cache_clear(ctx->rendered);
}

int st_context_add_default_trust(st_context *ctx)
{
	int rc;

	if (!ctx)
		return ST_EINVAL;
	rc = st_trust_add_default(ctx->trust);
	trust_changed(ctx);
	return rc;
}

/* Runs one loader of a trust file (a count, 0 with why filled, -1 when
 * unreadable, < -1 an error) and keeps why for st_context_trust_error(). */
static int add_file(st_context *ctx, const char *path,
		    int (*load)(struct st_trust *, const char *, char *, size_t), const char *none)
{
	struct st_trust *t;
	char why[400] = "";
	int n;

	if (!ctx || !path)
		return ST_EINVAL;
	t = ctx->trust;
	t->error[0] = '\0';
	n = load(t, path, why, sizeof(why));
	trust_changed(ctx);
	if (n < -1)
		return n;
	if (n <= 0)
		snprintf(t->error, sizeof(t->error), "%s",
			 n < 0 ? "cannot be read" : why[0] ? why : none);
	return n > 0 ? ST_OK : ST_ETRUST;
}

int st_context_add_trust(st_context *ctx, const char *path)
{
	return add_file(ctx, path, st_trust_add_path, "no certificate or root list in it");
}

int st_context_add_dbx(st_context *ctx, const char *path)
{
	return add_file(ctx, path, st_trust_add_dbx_file, "no dbx entry in it");
}

int st_context_add_crl(st_context *ctx, const char *path)
{
	if (!ctx || !path)
		return ST_EINVAL;
	return st_trust_add_crls(ctx->trust, path) > 0 ? ST_OK : ST_ETRUST;
}

int st_context_add_system_trust(st_context *ctx)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	char why[400];

	if (!file || !*file)
		file = X509_get_default_cert_file();
	if (st_trust_add_path(ctx->trust, file, why, sizeof(why)) < 0)
		return ST_ETRUST;
	/* Mark them as what they are: TLS roots given for every platform. */
	for (size_t i = 0; i < ctx->trust->nanchors; i++)
		if (strcmp(ctx->trust->anchors[i].origin, file) == 0)
			ctx->trust->anchors[i].source = "system";
	trust_changed(ctx);
	return ST_OK;
}

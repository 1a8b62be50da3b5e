/*
 * Vulnerable signed kernel drivers by whole-file SHA-256
 * (data/vulnerable-drivers.tsv, embedded, plus the lists a caller adds):
 * a sorted array looked up by binary search once a file's hash is known
 * (verify.c). Written by hand: a hash list is all it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/limits.h"
#include "x509/trust.h"

extern const char st_vulnerable_drivers_tsv[];

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(((const struct st_vuln_driver *)a)->sha256, ((const struct st_vuln_driver *)b)->sha256, 32);
}

/* One line: sha256, file, product, why, source (the last three may be
 * absent in a caller's list). Lines that are not entries are skipped. */
static int vuln_line(char *line, void *arg)
{
	st_context *ctx = arg;
	char *f[5] = { 0 };
	size_t n = st_trust_fields(line, f, 5);
	struct st_vuln_driver *nv, *e;

	if (n < 1 || !f[0])
		return ST_OK;
	if (ctx->nvuln >= ST_LIMIT_VULNERABLE_DRIVERS)
		return ST_EINVAL;
	if (!(nv = realloc(ctx->vuln, (ctx->nvuln + 1) * sizeof(*nv))))
		return ST_ENOMEM;
	ctx->vuln = nv;
	e = &ctx->vuln[ctx->nvuln];
	memset(e, 0, sizeof(*e));
	if (!st_trust_unhex(f[0], e->sha256, 32))
		return ST_OK;
	snprintf(e->name, sizeof(e->name), "%s", n > 1 && f[1] ? f[1] : "");
	snprintf(e->why, sizeof(e->why), "%s%s%s", n > 2 && f[2] ? f[2] : "", n > 3 && f[3] ? ": " : "",
		 n > 3 && f[3] ? f[3] : "");
	snprintf(e->source, sizeof(e->source), "%s", n > 4 && f[4] ? f[4] : "");
	ctx->nvuln++;
	return ST_OK;
}

static int add_text(st_context *ctx, const char *text)
{
	int rc = st_trust_each_line(text, vuln_line, ctx);

	if (ctx->nvuln)
		qsort(ctx->vuln, ctx->nvuln, sizeof(*ctx->vuln), cmp_entry);
	return rc;
}

int st_vuln_drivers_init(st_context *ctx)
{
	return add_text(ctx, st_vulnerable_drivers_tsv);
}

int st_context_add_vulnerable_drivers(st_context *ctx, const char *path, size_t *added)
{
	FILE *f;
	char *text;
	long len;
	size_t before;
	int rc;

	if (added)
		*added = 0;
	if (!ctx || !path || !(f = fopen(path, "rb")))
		return ST_EIO;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || len > ST_LIMIT_VULNERABLE_LIST_BYTES ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return ST_EINVAL;
	}
	if (!(text = malloc((size_t)len + 1))) {
		fclose(f);
		return ST_ENOMEM;
	}
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		fclose(f);
		return ST_EIO;
	}
	fclose(f);
	text[len] = '\0';
	before = ctx->nvuln;
	rc = add_text(ctx, text);
	free(text);
	if (added)
		*added = ctx->nvuln - before;
	return rc;
}

const struct st_vuln_driver *st_vuln_driver_find(const st_context *ctx, const uint8_t sha256[32])
{
	struct st_vuln_driver key;

	if (!ctx->nvuln)
		return NULL;
	memcpy(key.sha256, sha256, 32);
	return bsearch(&key, ctx->vuln, ctx->nvuln, sizeof(*ctx->vuln), cmp_entry);
}

int st_context_vulnerable_driver(const st_context *ctx, const char *sha256_hex, const char **name,
				 const char **why, const char **source)
{
	uint8_t h[32];
	const struct st_vuln_driver *e;

	if (!ctx || !sha256_hex || !st_trust_unhex(sha256_hex, h, 32) || !(e = st_vuln_driver_find(ctx, h)))
		return 0;
	if (name)
		*name = e->name;
	if (why)
		*why = e->why;
	if (source)
		*source = e->source;
	return 1;
}

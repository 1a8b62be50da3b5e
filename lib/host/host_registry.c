/*
 * The certificate stores of a registry hive (host.h).
 *
 * Windows keeps each store as a key whose subkey Certificates holds one key
 * per certificate, named by its SHA-1 thumbprint, with a REG_BINARY value
 * Blob: the certificate's serialized properties ({u32 property ID, u32 1,
 * u32 length, bytes}; property 32 is the DER certificate: the element
 * layout of a serialized store, wine's crypt32/regstore.c). Machine stores
 * are under SOFTWARE\Microsoft\SystemCertificates and, set by Group Policy,
 * SOFTWARE\Policies\Microsoft\SystemCertificates; a user's under the same
 * paths in NTUSER.DAT, below Software\. The hive itself is read by
 * libregf, which bounds-checks its cells.
 */
#include "host/host.h"

#include <libregf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/reader.h"
#include "x509/trust.h"

static const struct {
	const char *path;    /* key of the stores, from the hive's root */
	const char *prefix;  /* store name prefix in reports */
} bases[] = {
	{ "Microsoft\\SystemCertificates", "" },
	{ "Policies\\Microsoft\\SystemCertificates", "Policy/" },
	{ "Software\\Microsoft\\SystemCertificates", "" },
	{ "Software\\Policies\\Microsoft\\SystemCertificates", "Policy/" },
};

static const char *const stores[] = { "Root", "AuthRoot", "CA", "Disallowed", "TrustedPublisher" };

struct reader {
	libregf_file_t *file;
	st_context *ctx;
	const char *origin;
	size_t found;
	int rc;
};

/* The data of value `name` of key (malloc'd, at most ST_LIMIT_HOST_VALUE
 * bytes), or NULL. */
static uint8_t *value_data(libregf_key_t *key, const char *name, size_t *len)
{
	libregf_value_t *v = NULL;
	uint8_t *buf = NULL;
	size_t size = 0;

	if (libregf_key_get_value_by_utf8_name(key, (const uint8_t *)name, strlen(name), &v,
					       NULL) != 1)
		return NULL;
	if (libregf_value_get_value_data_size(v, &size, NULL) == 1 && size > 0 &&
	    size <= ST_LIMIT_HOST_VALUE && (buf = malloc(size))) {
		if (libregf_value_get_value_data(v, buf, size, NULL) != 1) {
			free(buf);
			buf = NULL;
		}
	}
	libregf_value_free(&v, NULL);
	*len = size;
	return buf;
}

static libregf_key_t *key_at(libregf_file_t *f, const char *path)
{
	libregf_key_t *k = NULL;

	if (libregf_file_get_key_by_utf8_path(f, (const uint8_t *)path, strlen(path), &k, NULL) != 1)
		return NULL;
	return k;
}

/* The certificate in a Blob value: property 32 of the serialized
 * properties. */
static int take_blob(struct reader *r, const char *store, const uint8_t *d, size_t len)
{
	st_span s = st_span_make(d, len);
	uint64_t pos = 0;

	for (int n = 0; n < 64; n++) {
		uint32_t id, one, cb;
		st_span v;

		if (!st_read_u32le(s, pos, &id) || !st_read_u32le(s, pos + 4, &one) ||
		    !st_read_u32le(s, pos + 8, &cb) || !st_span_sub(s, pos + 12, cb, &v))
			return ST_OK;
		if (id == 32) {
			int rc = st_trust_add_host_cert(r->ctx->trust, store, v.data, v.len, r->origin);
			if (rc < 0)
				return rc;
			r->found += (size_t)rc;
			return ST_OK;
		}
		pos += 12 + (uint64_t)cb;
	}
	return ST_OK;
}

static int read_store(struct reader *r, const char *base, const char *prefix, const char *store)
{
	char path[256], name[48];
	libregf_key_t *certs;
	int n = 0, rc = ST_OK;

	snprintf(path, sizeof(path), "%s\\%s\\Certificates", base, store);
	snprintf(name, sizeof(name), "%s%s", prefix, store);
	if (!(certs = key_at(r->file, path)))
		return ST_OK;
	if (libregf_key_get_number_of_sub_keys(certs, &n, NULL) != 1)
		n = 0;
	for (int i = 0; i < n && i < ST_LIMIT_HOST_CERTS && rc == ST_OK; i++) {
		libregf_key_t *k = NULL;
		uint8_t *d;
		size_t len = 0;

		if (libregf_key_get_sub_key(certs, i, &k, NULL) != 1)
			continue;
		if ((d = value_data(k, "Blob", &len)) != NULL)
			rc = take_blob(r, name, d, len);
		free(d);
		libregf_key_free(&k, NULL);
	}
	libregf_key_free(&certs, NULL);
	return rc;
}

/* The root list Windows last downloaded: a Microsoft root list like
 * authroot.stl, taken (its signature checked) when newer than the one in
 * force. */
static int read_autoupdate(struct reader *r, const char *base)
{
	char path[256], why[256];
	libregf_key_t *k;
	uint8_t *d;
	size_t len = 0;
	int rc;

	snprintf(path, sizeof(path), "%s\\AuthRoot\\AutoUpdate", base);
	if (!(k = key_at(r->file, path)))
		return ST_OK;
	d = value_data(k, "EncodedCtl", &len);
	libregf_key_free(&k, NULL);
	if (!d)
		return ST_OK;
	/* A root list only: nothing the hive holds becomes an anchor. */
	rc = st_trust_add_root_list(r->ctx->trust, d, len, r->origin, why, sizeof(why));
	free(d);
	if (rc < 0)
		return rc;
	if (rc > 0)
		r->found++;
	return ST_OK;
}

int st_host_add_hive(st_context *ctx, const char *path, size_t *found, char *why, size_t whylen)
{
	struct reader r = { .ctx = ctx, .origin = path };
	int rc = ST_OK;

	*found = 0;
	if (libregf_file_initialize(&r.file, NULL) != 1)
		return ST_ENOMEM;
	if (libregf_file_open(r.file, path, LIBREGF_OPEN_READ, NULL) != 1) {
		snprintf(why, whylen, "not a readable registry hive");
		libregf_file_free(&r.file, NULL);
		return ST_EIO;
	}
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]) && rc == ST_OK; b++) {
		for (size_t s = 0; s < sizeof(stores) / sizeof(stores[0]) && rc == ST_OK; s++)
			rc = read_store(&r, bases[b].path, bases[b].prefix, stores[s]);
		if (rc == ST_OK && !bases[b].prefix[0])
			rc = read_autoupdate(&r, bases[b].path);
	}
	libregf_file_close(r.file, NULL);
	libregf_file_free(&r.file, NULL);
	*found = r.found;
	return rc;
}

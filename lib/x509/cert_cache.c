#include "x509/cert_cache.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "core/digest.h"
#include "x509/trust.h"
#include "x509/x509_util.h"

static void x509_ref(void *v) { X509_up_ref(v); }
static void x509_unref(void *v) { X509_free(v); }
static void cert_ref(void *v) { st_cert_ref(v); }
static void cert_unref(void *v) { st_cert_unref(v); }

const struct st_cache_ops st_x509_cache_ops = { x509_ref, x509_unref };
const struct st_cache_ops st_cert_cache_ops = { cert_ref, cert_unref };

X509 *st_x509_cached(const st_context *ctx, const uint8_t *der, size_t len)
{
	uint8_t key[ST_CACHE_KEY];
	unsigned klen;
	const unsigned char *p = der;
	X509 *x, *stored;

	if (len > (size_t)LONG_MAX || !EVP_Digest(der, len, key, &klen, st_md_sha256(), NULL))
		return NULL;
	if (ctx && (x = st_cache_get(ctx->der_certs, key)) != NULL)
		return x;
	x = d2i_X509(NULL, &p, (long)len);
	ERR_clear_error();
	if (!x || p != der + len) {
		X509_free(x);
		return NULL;
	}
	(void)X509_check_purpose(x, -1, 0);
	ERR_clear_error();
	if (!ctx)
		return x;
	stored = st_cache_put(ctx->der_certs, key, x);
	if (stored) {
		X509_free(x);
		return stored;
	}
	return x;
}

st_cert *st_cert_rendered(const st_context *ctx, X509 *x)
{
	uint8_t key[ST_CACHE_KEY] = { 0 };
	unsigned klen = 0;
	st_cert *c, *stored;

	/* Keyed by the SHA-1 thumbprint OpenSSL keeps in each certificate
	 * (computed once by X509_check_purpose). */
	if (!X509_digest(x, EVP_sha1(), key, &klen) || klen != 20)
		return st_cert_new_from(x, st_context_is_anchor(ctx, x));
	if ((c = st_cache_get(ctx->rendered, key)) != NULL)
		return c;
	c = st_cert_new_from(x, st_context_is_anchor(ctx, x));
	if (!c)
		return NULL;
	stored = st_cache_put(ctx->rendered, key, c);
	if (stored) {
		st_cert_unref(c);
		return stored;
	}
	return c;
}

/*
 * The context's certificate caches: DER to decoded X509 (decoding one
 * certificate costs about 100 us in OpenSSL 3, and the same few
 * certificates sign thousands of files) and X509 to the rendered st_cert
 * results share (names, thumbprints: a few percent of a scan otherwise).
 */
#ifndef ST_CERT_CACHE_H
#define ST_CERT_CACHE_H

#include <openssl/x509.h>

#include "core/cache.h"
#include "core/context.h"
#include "core/result.h"

/* Cache operations for the two caches (driver/context.c creates them). */
extern const struct st_cache_ops st_x509_cache_ops;
extern const struct st_cache_ops st_cert_cache_ops;

/* Decodes DER through the cache (no cache when ctx is NULL: loading trust
 * before a context exists); a new reference, or NULL when the bytes are not
 * exactly one certificate. Extension flags are computed before the
 * certificate is shared between threads. */
X509 *st_x509_cached(const st_context *ctx, const uint8_t *der, size_t len);

/* The rendered form of x (new reference), NULL on ENOMEM. */
st_cert *st_cert_rendered(const st_context *ctx, X509 *x);

#endif

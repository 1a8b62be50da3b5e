/* Internal layout of the verification context. */
#ifndef ST_CONTEXT_H
#define ST_CONTEXT_H

#include "sigtrace.h"

#include <openssl/x509.h>
#include <stdbool.h>

struct st_context {
	X509_STORE *store;         /* trust anchors only */
	STACK_OF(X509) *anchors;   /* the same certificates, for lookups */
	int64_t at;                /* verification time without timestamp */
	uint64_t max_file_size;
	bool file_hash;            /* compute the whole-file SHA-256 */
	/* Mutable through a const context: verification caches chain
	 * results; the cache has its own lock. */
	struct st_chain_cache *chain_cache;
	struct st_cert_cache *cert_cache;   /* decoded certificates by DER */
	STACK_OF(X509_CRL) *crls;           /* --crl */
};

/* Whether x is one of the context's trust anchors (by DER equality). */
bool st_context_is_anchor(const st_context *ctx, const X509 *x);

#endif

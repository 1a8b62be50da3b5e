/* Certificate chain validation against the context's trust anchors. */
#ifndef ST_CHAIN_H
#define ST_CHAIN_H

#include <stdbool.h>
#include <openssl/x509.h>

#include "core/context.h"
#include "core/result.h"

enum st_usage {
	ST_USAGE_CODE_SIGNING,
	ST_USAGE_TIMESTAMPING
};

struct st_chain_result {
	bool trusted;            /* ends at a trust anchor */
	bool problems;           /* any validity, usage or chain problem */
	STACK_OF(X509) *chain;   /* as built, leaf first (owned) */
};

/*
 * Builds and checks the chain of leaf with pool as untrusted intermediates,
 * at time `at`, for `usage`. Every problem is added to rs: for code signing
 * with its own reason code; for timestamping as timestamp_invalid (chain
 * problems) or, when the chain merely ends at no anchor, timestamp_invalid
 * with effect untrusted. `what` names the signature in details.
 */
int st_chain_verify(const st_context *ctx, X509 *leaf, STACK_OF(X509) *pool,
		    int64_t at, enum st_usage usage, st_reasons *rs,
		    const char *what, struct st_chain_result *out);
void st_chain_result_clear(struct st_chain_result *r);

/* The context's cache of chain results (thread-safe). */
struct st_chain_cache;
struct st_chain_cache *st_chain_cache_new(void);
void st_chain_cache_free(struct st_chain_cache *c);
/* Drops every entry (trust anchors changed). */
void st_chain_cache_clear(struct st_chain_cache *c);

/* Adds weak_key for chain certificates (trust anchors excepted) with RSA
 * or DSA keys under 2048 bits (a warning down to 1024, invalid below) or EC
 * keys under 256 bits (invalid under 224). */
int st_chain_check_keys(const st_context *ctx, STACK_OF(X509) *chain,
			st_reasons *rs, const char *what);

/* Whether x carries the extended key usage `oid` (dotted). */
bool st_cert_has_eku(X509 *x, const char *oid);

/* Fills st_cert copies of the chain into *out (malloc'd array). */
int st_chain_export(const st_context *ctx, STACK_OF(X509) *chain,
		    st_cert **out, size_t *n);

#endif

/* Certificate chain validation against the context's trust anchors. */
#ifndef ST_CHAIN_H
#define ST_CHAIN_H

#include <stdbool.h>
#include <openssl/x509.h>

#include "core/cache.h"
#include "core/context.h"
#include "core/result.h"

enum st_usage {
	ST_USAGE_CODE_SIGNING,
	ST_USAGE_TIMESTAMPING
};

/*
 * What a format asks of a chain beyond the generic rules. The chain code
 * knows no platform: a format that needs an exception passes it in.
 */
struct st_chain_policy {
	enum st_usage usage;
	/* Names the policy in the chain cache: policies that accept different
	 * things must have different names. */
	const char *name;
	/* Accepts a critical extension OpenSSL cannot process (dotted OID);
	 * NULL accepts none. Apple marks its certificate-class extensions
	 * critical (macho_signer.c). */
	bool (*accept_critical)(const char *oid);
};

/* The generic policies: no exception. */
extern const struct st_chain_policy st_policy_code_signing;
extern const struct st_chain_policy st_policy_timestamping;

struct st_chain_result {
	bool trusted;            /* ends at a trust anchor */
	bool problems;           /* any validity, usage or chain problem */
	STACK_OF(X509) *chain;   /* as built, leaf first (owned) */
};

/*
 * Builds and checks the chain of leaf with pool as untrusted intermediates,
 * at time `at`, under policy `pol`. Every problem is added to rs: for code signing
 * with its own reason code; for timestamping as timestamp_invalid (chain
 * problems) or, when the chain merely ends at no anchor, timestamp_invalid
 * with effect untrusted. `what` names the signature in details.
 */
int st_chain_verify(const st_context *ctx, X509 *leaf, STACK_OF(X509) *pool,
		    int64_t at, const struct st_chain_policy *pol, st_reasons *rs,
		    const char *what, struct st_chain_result *out);
void st_chain_result_clear(struct st_chain_result *r);

/* Operations of the context's chain-result cache (core/cache.h). */
extern const struct st_cache_ops st_chain_cache_ops;

/* Adds weak_key for chain certificates (trust anchors excepted) with RSA
 * or DSA keys under 2048 bits (a warning down to 1024, invalid below) or EC
 * keys under 256 bits (invalid under 224). */
int st_chain_check_keys(const st_context *ctx, STACK_OF(X509) *chain,
			st_reasons *rs, const char *what);

/* Whether x carries the extended key usage `oid` (dotted). */
bool st_cert_has_eku(X509 *x, const char *oid);

/* The rendered chain for a result: *out (malloc'd) holds n references. */
int st_chain_export(const st_context *ctx, STACK_OF(X509) *chain,
		    st_cert ***out, size_t *n);

#endif

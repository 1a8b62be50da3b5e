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
 * What a format asks of a chain: which platform's trust judges it (the
 * profile), for which use, and how that platform treats what sigtrace
 * checks. The chain code knows no platform: a format passes its policy in.
 */
struct st_chain_policy {
	enum st_usage usage;
	int profile;                 /* enum st_profile (x509/trust.h) */
	/* Names the policy in the chain cache: policies that build or judge
	 * chains differently must have different names. */
	const char *name;
	/* Accepts a critical extension OpenSSL cannot process (dotted OID);
	 * NULL accepts none. Apple marks its certificate-class extensions
	 * critical (macho_signer.c). */
	bool (*accept_critical)(const char *oid);
	/* The effect of a certificate outside its validity period in an
	 * anchored chain, when no valid timestamp proves the signing time and
	 * when one does: invalid for Windows; a warning (valid) for macOS
	 * without a timestamp and for UEFI firmware, which checks no time. In
	 * a chain that ends at no anchor the effect is always untrusted. */
	st_verdict expired, expired_proven;
	/* The effect of a signer without the usage's EKU (UEFI firmware
	 * requires none: a warning). */
	st_verdict eku;
	/* An extended key usage (dotted OID) that serves the signer instead
	 * of codeSigning, or NULL: Apple's Developer ID Installer
	 * certificates carry only 1.2.840.113635.100.4.13 (package signing). */
	const char *signer_eku;
	/* Whether a trusted certificate below the root ends the chain (UEFI db
	 * entries are intermediates). */
	bool partial_chain;
	/* The policy of this signature's timestamps. */
	const struct st_chain_policy *timestamps;
	/* For a timestamp policy: a timestamp that cannot be verified is only
	 * a warning, as for UEFI firmware, which ignores timestamps (the
	 * signature is then judged at the verification time, where UEFI's
	 * policy ignores validity periods too). */
	bool advisory;
};

/* The generic policies: Windows (Authenticode and its timestamps) and UEFI
 * firmware (EFI images: db anchors, no time, no EKU; timestamps judged as
 * Windows does). Apple's are the Mach-O format's (macho_signer.c). */
extern const struct st_chain_policy st_policy_windows;
extern const struct st_chain_policy st_policy_windows_timestamps;
extern const struct st_chain_policy st_policy_uefi_timestamps;
extern const struct st_chain_policy st_policy_uefi;

/* The profile's name: "windows", "apple", "uefi". */
const char *st_profile_name(int profile);

struct st_chain_result {
	bool trusted;            /* ends at a trust anchor that may anchor it now */
	bool problems;           /* any validity, usage or chain problem */
	STACK_OF(X509) *chain;   /* as built, leaf first (owned) */
};

/*
 * Builds and checks the chain of leaf with pool as untrusted intermediates,
 * at time `at` (proven by a valid timestamp or not), under policy `pol`:
 * the profile's anchors, Microsoft's per-root attributes (uses, disallowed
 * and not-before dates: root_distrusted), validity periods, usages,
 * revocation. Every problem is added to rs: for code signing
 * with its own reason code; for timestamping as timestamp_invalid (chain
 * problems) or, when the chain merely ends at no anchor, timestamp_invalid
 * with effect untrusted. `what` names the signature in details.
 */
int st_chain_verify(const st_context *ctx, X509 *leaf, STACK_OF(X509) *pool,
		    int64_t at, bool proven, const struct st_chain_policy *pol, st_reasons *rs,
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

/*
 * The trust half of verifying one CMS/PKCS#7 signer, the same for every
 * format (Authenticode and Apple code signatures): the timestamps, the
 * chain at the time they prove, and the keys of that chain.
 */
#ifndef ST_SIGNER_TRUST_H
#define ST_SIGNER_TRUST_H

#include <openssl/x509.h>

#include "core/context.h"
#include "core/result.h"
#include "x509/chain.h"
#include "x509/signed_data.h"

/*
 * Verifies the timestamps of si (filling sig's timestamp fields), then the
 * chain of `signer` with `certs` as intermediates under `pol` at the time a
 * valid timestamp proves (the context's time without one, and always for
 * certificates with Microsoft's lifetime-signing EKU), then the chain's
 * keys, then whether the signer impersonates a well-known publisher. Fills
 * sig->verification_time, profile, trusted and chain; reasons go to
 * sig->reasons with `what` naming the signature.
 */
int st_signer_trust(const st_context *ctx, ST_SIGNER_INFO *si, STACK_OF(X509) *certs,
		    X509 *signer, st_signature *sig, const struct st_chain_policy *pol,
		    const char *what);

#endif

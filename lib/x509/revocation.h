/* Revocation without the network: CRLs the user supplies (--crl) and the
 * shipped deny-list of publicly known abused certificates
 * (data/denylist.tsv). */
#ifndef ST_REVOCATION_H
#define ST_REVOCATION_H

#include <openssl/x509.h>

#include "core/context.h"
#include "core/result.h"

/* Adds `revoked` (or, for timestamp chains, timestamp_invalid) to rs for
 * each certificate of chain (leaf first) that a CRL of the context lists
 * (CRL signature verified with the issuer in the chain) or that is on the
 * deny-list. */
int st_revocation_check(const st_context *ctx, STACK_OF(X509) *chain, bool ts,
			st_reasons *rs, const char *what);

#endif

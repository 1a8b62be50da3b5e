/* Authenticode timestamps: RFC 3161 tokens and legacy PKCS#9
 * countersignatures, both over the signer's encryptedDigest. */
#ifndef ST_TIMESTAMP_H
#define ST_TIMESTAMP_H

#include <stdbool.h>

#include "core/context.h"
#include "core/result.h"
#include "x509/chain.h"
#include "x509/signed_data.h"

struct ts_outcome {
	bool present;   /* some timestamp attribute exists */
	bool valid;     /* one timestamp verified completely */
	int64_t time;   /* its time, when valid */
};

/* Verifies the timestamps in si's unsigned attributes, their chains under
 * pol (a timestamping policy). Fills the timestamp fields of sig and adds
 * timestamp_invalid reasons to sig->reasons; a timestamp whose authority's
 * chain fails says which certificate. */
int st_timestamp_verify(const st_context *ctx, const struct st_chain_policy *pol,
			ST_SIGNER_INFO *si, STACK_OF(X509) *outer_certs, st_signature *sig,
			struct ts_outcome *out);

#endif

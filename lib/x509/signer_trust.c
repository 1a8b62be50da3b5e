#include "x509/signer_trust.h"

#include "x509/publishers.h"
#include "x509/timestamp.h"

/* Microsoft's lifetime-signing EKU: the signature is valid only while the
 * certificate is, whatever a timestamp says. */
#define OID_MS_LIFETIME_SIGNING "1.3.6.1.4.1.311.10.3.13"

int st_signer_trust(const st_context *ctx, ST_SIGNER_INFO *si, STACK_OF(X509) *certs,
		    X509 *signer, st_signature *sig, const struct st_chain_policy *pol,
		    const char *what)
{
	struct ts_outcome ts;
	struct st_chain_result cr = { 0 };
	bool lifetime, proven;
	int rc;

	rc = st_timestamp_verify(ctx, pol->timestamps, si, certs, sig, &ts);
	if (rc)
		return rc;
	lifetime = st_cert_has_eku(signer, OID_MS_LIFETIME_SIGNING);
	proven = ts.valid && !lifetime;
	sig->verification_time = proven ? ts.time : ctx->at;
	sig->profile = st_profile_name(pol->profile);
	rc = st_chain_verify(ctx, signer, certs, sig->verification_time, proven, pol,
			     &sig->reasons, what, &cr);
	if (rc == ST_OK) {
		sig->trusted = cr.trusted;
		rc = st_chain_export(ctx, cr.chain, &sig->chain, &sig->chain_len);
	}
	if (rc == ST_OK)
		rc = st_chain_check_keys(ctx, cr.chain, &sig->reasons, what);
	if (rc == ST_OK)
		rc = st_publisher_check(ctx, cr.chain, cr.trusted, &sig->reasons, what);
	st_chain_result_clear(&cr);
	return rc;
}

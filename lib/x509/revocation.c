/* Revocation without the network: CRLs the user supplies and the shipped
 * deny-list (revocation.h). */
#include <string.h>
#include "x509/revocation.h"

#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>

#include "x509/trust.h"
#include "x509/x509_util.h"

int st_revocation_check(const st_context *ctx, STACK_OF(X509) *chain, bool ts,
			st_reasons *rs, const char *what)
{
	st_reason code = ts ? ST_R_TIMESTAMP_INVALID : ST_R_REVOKED;
	char name[160], src[256];

	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		X509 *issuer = i + 1 < sk_X509_num(chain) ? sk_X509_value(chain, i + 1) : x;
		char *cn = st_name_cn(X509_get_subject_name(x));

		snprintf(name, sizeof(name), "%s", cn ? cn : "?");
		free(cn);
		if (st_trust_denied(ctx->trust, x, src, sizeof(src)) &&
		    st_reasons_add(rs, code, ST_VERDICT_INVALID,
				   strncmp(src, "the host's", 10) == 0
					   ? "%s: certificate '%s' is in %s: that host refuses it"
					   : "%s: certificate '%s' is on the deny-list of abused certificates: %s",
				   what, name, src))
			return ST_ENOMEM;
		for (int k = 0; k < sk_X509_CRL_num(ctx->trust->crls); k++) {
			X509_CRL *crl = sk_X509_CRL_value(ctx->trust->crls, k);
			X509_REVOKED *rev = NULL;
			EVP_PKEY *pk = X509_get0_pubkey(issuer);
			char when[32];

			if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(x)) != 0 ||
			    X509_NAME_cmp(X509_get_subject_name(issuer), X509_get_issuer_name(x)) != 0)
				continue;
			/* Only a CRL signed by the certificate's own issuer
			 * counts: anyone can write a CRL naming an issuer. */
			if (!pk || X509_CRL_verify(crl, pk) != 1) {
				ERR_clear_error();
				continue;
			}
			if (X509_CRL_get0_by_cert(crl, &rev, x) != 1 || !rev)
				continue;
			st_format_time(st_asn1_time(X509_REVOKED_get0_revocationDate(rev)),
				       when, sizeof(when));
			if (st_reasons_add(rs, code, ST_VERDICT_INVALID,
					   "%s: certificate '%s' was revoked on %s (CRL of its issuer)",
					   what, name, when))
				return ST_ENOMEM;
		}
	}
	ERR_clear_error();
	return ST_OK;
}

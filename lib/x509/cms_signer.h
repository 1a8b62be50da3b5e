/* Verification of one CMS SignerInfo (RFC 5652): used where signatures are
 * CMS rather than PKCS#7 v1.5, such as RFC 3161 timestamp tokens (version 3,
 * signer identified by subjectKeyIdentifier). */
#ifndef ST_CMS_SIGNER_H
#define ST_CMS_SIGNER_H

#include <openssl/cms.h>

#include "authenticode/p7_signer.h"

/* As p7_check_signer, for a CMS SignerInfo; pool holds the candidate
 * signer certificates. */
int cms_check_signer(CMS_SignerInfo *si, STACK_OF(X509) *pool,
		     const char *content_type, const uint8_t *content,
		     size_t content_len, struct p7_signer_check *out,
		     st_reasons *rs, st_reason fail, const char *what);

#endif

/* Fuzz target: one timestamp, as the unsigned attribute of a SignerInfo.
 * Input: a kind byte (even: RFC 3161 token 1.3.6.1.4.1.311.3.3.1, a CMS
 * SignedData over a TSTInfo; odd: legacy PKCS#9 countersignature, a
 * SignerInfo), a 16-bit big-endian length L, L bytes of the stamped
 * signature value, then the attribute value. Seeds carry the real
 * signature value so the imprint matches and the signer and chain checks
 * are reached. */
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x509/timestamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static st_context *ctx;
	ST_SIGNER_INFO *si;
	ASN1_STRING *seq;
	ASN1_OBJECT *oid;
	X509_ATTRIBUTE *attr;
	STACK_OF(X509) *outer;
	st_signature sig;
	struct ts_outcome out;

	size_t siglen;

	if (size < 3 || size > (1u << 20))
		return 0;
	siglen = (size_t)data[1] << 8 | data[2];
	if (siglen > size - 3)
		return 0;
	if (!ctx && st_context_new(&ctx) != ST_OK)
		return 0;
	si = ST_SIGNER_INFO_new();
	seq = ASN1_STRING_new();
	oid = OBJ_txt2obj(data[0] & 1 ? "1.2.840.113549.1.9.6" : "1.3.6.1.4.1.311.3.3.1", 1);
	outer = sk_X509_new_null();
	if (!si || !seq || !oid || !outer ||
	    !ASN1_STRING_set(si->signature, data + 3, (int)siglen) ||
	    !ASN1_STRING_set(seq, data + 3 + siglen, (int)(size - 3 - siglen)))
		goto out;
	attr = X509_ATTRIBUTE_create_by_OBJ(NULL, oid, V_ASN1_SEQUENCE, seq, -1);
	if (!attr)
		goto out;
	si->unsigned_attrs = sk_X509_ATTRIBUTE_new_null();
	if (!si->unsigned_attrs || !sk_X509_ATTRIBUTE_push(si->unsigned_attrs, attr)) {
		X509_ATTRIBUTE_free(attr);
		goto out;
	}
	memset(&sig, 0, sizeof(sig));
	sig.ts_time = ST_TIME_NONE;
	(void)st_timestamp_verify(ctx, &st_policy_windows_timestamps, si, outer, &sig, &out);
	st_reasons_clear(&sig.reasons);
	st_cert_unref(sig.ts_signer);
out:
	sk_X509_free(outer);
	ASN1_OBJECT_free(oid);
	ASN1_STRING_free(seq);
	ST_SIGNER_INFO_free(si);
	return 0;
}

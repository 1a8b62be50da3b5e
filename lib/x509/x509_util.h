/* Small helpers over OpenSSL X.509 and ASN.1 types. */
#ifndef ST_X509_UTIL_H
#define ST_X509_UTIL_H

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>

/* RFC 2253 string of a name (malloc'd, NULL on ENOMEM). */
char *st_name_string(const X509_NAME *name);
/* The first entry of type nid of a name as UTF-8 (malloc'd). *found says
 * whether there is one; NULL with *found set means ENOMEM. */
char *st_name_entry(const X509_NAME *name, int nid, bool *found);
/* CN, else O, else OU of a name as UTF-8 (malloc'd, "" if none). */
char *st_name_cn(const X509_NAME *name);
/* Seconds since the epoch, ST_TIME_NONE if t is absent or invalid. */
int64_t st_asn1_time(const ASN1_TIME *t);
/* ISO 8601 UTC ("2025-06-01T00:00:00Z") into buf; "?" for ST_TIME_NONE. */
void st_format_time(int64_t t, char *buf, size_t len);
const char *st_pkey_type_name(const EVP_PKEY *pk);
/* Dotted text of an OID into buf (always terminated); comparison. */
void st_oid_text(const ASN1_OBJECT *obj, char *buf, size_t len);
bool st_oid_is(const ASN1_OBJECT *obj, const char *dotted);

/* A new st_cert (one reference) rendered from x; NULL on ENOMEM. */
#include "core/result.h"
st_cert *st_cert_new_from(X509 *x, int is_anchor);

#endif

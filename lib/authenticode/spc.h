/* Authenticode's SpcIndirectDataContent and related Microsoft structures. */
#ifndef ST_SPC_H
#define ST_SPC_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "x509/x509_util.h"

#define OID_SPC_INDIRECT_DATA "1.3.6.1.4.1.311.2.1.4"
#define OID_SPC_PE_IMAGE_DATA "1.3.6.1.4.1.311.2.1.15"
#define OID_SPC_PE_IMAGE_DATA_PESIGN "1.3.6.1.4.1.311.2.1.21"
#define OID_SPC_SP_OPUS_INFO "1.3.6.1.4.1.311.2.1.12"
#define OID_SPC_NESTED_SIGNATURE "1.3.6.1.4.1.311.2.4.1"
#define OID_SPC_PAGE_HASH_V1 "1.3.6.1.4.1.311.2.3.1"
#define OID_SPC_PAGE_HASH_V2 "1.3.6.1.4.1.311.2.3.2"

/* The longest file digest a subject may sign: a hash, or the APPX digest
 * ("APPX" and five tagged SHA-512 records: 344 bytes). */
#define ST_SPC_DIGEST_MAX 512

struct spc_info {
	char type_oid[80];                 /* SpcAttributeTypeAndOptionalValue.type */
	int md_nid;                        /* digest algorithm of the file digest */
	uint8_t digest[ST_SPC_DIGEST_MAX];
	size_t digest_len;
	int page_hash_nid;                 /* NID_sha1 / NID_sha256, NID_undef if none */
	uint8_t *page_hashes;              /* concatenated table, malloc'd */
	size_t page_hashes_len;
};

/* Parses a DER SpcIndirectDataContent. Returns 0, ST_PARSE_MALFORMED with
 * `why` filled, or ST_ENOMEM. */
int spc_parse(const uint8_t *der, size_t len, struct spc_info *out,
	      char *why, size_t whylen);
void spc_info_clear(struct spc_info *info);

/* Program name from an SpcSpOpusInfo attribute value (malloc'd UTF-8), or
 * NULL when absent or unreadable. */
char *spc_opus_program_name(const ASN1_TYPE *value);

#endif

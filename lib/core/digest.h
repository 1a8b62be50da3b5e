/* Digest algorithms: MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512. */
#ifndef ST_DIGEST_H
#define ST_DIGEST_H

#include <openssl/evp.h>

/* NID to short name ("sha256"), NULL for any other algorithm. */
const char *st_md_name(int nid);
/* NID to the process-wide EVP_MD (fetched once), NULL if unsupported. */
const EVP_MD *st_md_get(int nid);
const EVP_MD *st_md_sha256(void);

#endif

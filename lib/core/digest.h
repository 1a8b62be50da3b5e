/* Digest algorithms: MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512. */
#ifndef ST_DIGEST_H
#define ST_DIGEST_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NID to short name ("sha256"), NULL for any other algorithm. */
const char *st_md_name(int nid);
/* NID to the process-wide EVP_MD (fetched once), NULL if unsupported. */
const EVP_MD *st_md_get(int nid);
const EVP_MD *st_md_sha256(void);
/* One-shot digest of data with nid into out (EVP_MAX_MD_SIZE); false if
 * the algorithm is unsupported or OpenSSL fails. */
bool st_digest(int nid, const uint8_t *data, size_t len, uint8_t *out,
	       unsigned *outlen);
/* EVP_DigestUpdate() of the EVP_MD_CTX md_ctx as a byte callback (for
 * st_input_each() and the like): ST_OK, or ST_ENOMEM when OpenSSL fails. */
int st_digest_update(void *md_ctx, const uint8_t *p, size_t n);

#endif

/*
 * One sequential pass over an input: the whole-input SHA-256 (for reports)
 * and any number of digests over selected byte ranges (the Authenticode
 * digest) are computed together, so every byte is read once.
 */
#ifndef ST_HASH_PASS_H
#define ST_HASH_PASS_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/input.h"

struct st_range {
	uint64_t off, len;
};

/*
 * Feeds `ranges` to every context in mds (already initialised) and, unless
 * in->sha256_done, the whole input to SHA-256, in one pass of 256 KiB chunks
 * (each chunk is read once and hashed while it is in the CPU cache). Ranges
 * must lie inside the input. When they are not in increasing,
 * non-overlapping order the range digests are computed in their own order
 * (a second pass). Returns ST_OK, ST_EIO (the input changed while read) or
 * ST_ENOMEM.
 */
int st_hash_pass(struct st_input *in, const struct st_range *ranges,
		 size_t nranges, EVP_MD_CTX *const *mds, size_t nmds);

#endif

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

/* One digest over the ranges: its algorithm in, the digest out. */
struct st_hash_out {
	int nid;
	/* Zero bytes (at most 8) hashed after the ranges: Windows pads an
	 * image's trailing data to 8 bytes when it hashes a file for its
	 * catalogs. */
	unsigned zero_pad;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len;
};

/*
 * Computes each digest of outs over `ranges` and, unless in->sha256_done,
 * the whole input's SHA-256 into in->sha256, in one pass of 256 KiB chunks
 * (each chunk is read once and hashed while it is in the CPU cache). When
 * the CPU has the SHA extensions, the whole-input SHA-256 and a SHA-256
 * over the ranges run as two interleaved streams (core/sha256_lanes.h);
 * other digests go through OpenSSL. Ranges must lie inside the input; when
 * they are not in increasing, non-overlapping order the range digests are
 * computed in their own order (a second pass). Returns ST_OK, ST_EIO (the
 * input changed while read), ST_EINVAL (an unsupported algorithm) or
 * ST_ENOMEM.
 */
int st_hash_pass(struct st_input *in, const struct st_range *ranges, size_t nranges,
		 struct st_hash_out *outs, size_t nouts);

#endif

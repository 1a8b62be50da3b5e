/*
 * One sequential pass over a file: the whole-file SHA-256 (for reports)
 * and any number of digests over selected byte ranges (the Authenticode
 * digest) are computed together, so every byte is read once.
 */
#ifndef ST_HASH_PASS_H
#define ST_HASH_PASS_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/reader.h"

struct st_range {
	uint64_t off, len;
};

/* The file being verified, as the driver hands it to a format module. */
struct st_input {
	st_span file;
	bool mapped;          /* file.data is a file mapping */
	bool sha256_done;
	uint8_t sha256[32];   /* whole-file SHA-256 once sha256_done */
};

/*
 * Feeds `ranges` to every context in mds (already initialised) and, unless
 * in->sha256_done, the whole file to SHA-256, in one pass of 256 KiB chunks (both digests read a chunk while it is in
 * the CPU cache).
 * Ranges must lie inside the file. When they are not in increasing,
 * non-overlapping order the range digests are computed in their own order
 * (a second pass). Returns ST_OK or ST_ENOMEM.
 */
int st_hash_pass(struct st_input *in, const struct st_range *ranges,
		  size_t nranges, EVP_MD_CTX *const *mds, size_t nmds);

/* For formats that walk a mapped file themselves: map [off, off+len) in one
 * call before reading it, and drop it from the resident set after (no-ops
 * for files read into memory). */
void st_input_prefetch(const struct st_input *in, uint64_t off, uint64_t len);
void st_input_release(const struct st_input *in, uint64_t off, uint64_t len);

#endif

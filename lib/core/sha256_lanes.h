/*
 * SHA-256 with the x86 SHA extensions, one or two streams at a time.
 *
 * Why by hand: sigtrace computes two SHA-256 digests over nearly every byte
 * of a signed file (the whole-file hash and the Authenticode digest, which
 * skip different bytes). One SHA-256 stream is latency-bound: each block is
 * a chain of dependent sha256rnds2 instructions and the unit idles between
 * them. Two independent streams interleaved in one loop fill those gaps, so
 * both digests cost about two thirds of computing them one after the
 * other. No library on Debian offers a multi-stream SHA-256; OpenSSL stays
 * the implementation everywhere else (and on CPUs without the extensions).
 *
 * Verified against OpenSSL by tests/unit/test_sha256_lanes.c (every length
 * pair, random splits) and the differential fuzz target fuzz_sha256.
 */
#ifndef ST_SHA256_LANES_H
#define ST_SHA256_LANES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct st_sha256 {
	uint32_t h[8];
	uint64_t total;      /* bytes fed */
	uint8_t buf[64];
	size_t nbuf;
};

/* Whether this CPU has the SHA extensions (and SSSE3, SSE4.1). */
bool st_sha256_lanes_available(void);

/* Only when st_sha256_lanes_available(). */
void st_sha256_init(struct st_sha256 *c);
void st_sha256_update(struct st_sha256 *c, const uint8_t *p, size_t len);
/* Feeds pa to a and pb to b, two blocks at a time where both have one. */
void st_sha256_update2(struct st_sha256 *a, const uint8_t *pa, size_t la, struct st_sha256 *b,
		       const uint8_t *pb, size_t lb);
void st_sha256_final(struct st_sha256 *c, uint8_t out[32]);

#endif

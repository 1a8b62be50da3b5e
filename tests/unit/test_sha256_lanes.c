/* The hand-written SHA-256 (lib/core/sha256_lanes.c) against OpenSSL: one
 * stream and two interleaved streams, every pair of lengths up to 300
 * bytes, each fed in random splits, and long inputs. */
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256_lanes.h"
#include "harness.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Feeds both messages through update2 in random pieces. */
static void two(const uint8_t *a, size_t la, const uint8_t *b, size_t lb, uint8_t oa[32], uint8_t ob[32])
{
	struct st_sha256 ca, cb;
	size_t ia = 0, ib = 0;

	st_sha256_init(&ca);
	st_sha256_init(&cb);
	while (ia < la || ib < lb) {
		size_t na = la - ia ? next() % (la - ia + 1) : 0, nb = lb - ib ? next() % (lb - ib + 1) : 0;
		if (next() % 4 == 0) {
			st_sha256_update(&ca, a + ia, na);
		} else {
			st_sha256_update2(&ca, a + ia, na, &cb, b + ib, nb);
			ib += nb;
		}
		ia += na;
		if (ia == la && ib < lb && next() % 2) {
			st_sha256_update(&cb, b + ib, lb - ib);
			ib = lb;
		}
	}
	st_sha256_final(&ca, oa);
	st_sha256_final(&cb, ob);
}

int main(void)
{
	enum { MAX = 300, BIG = 1 << 20 };
	uint8_t *a = malloc(BIG + 64), *b = malloc(BIG + 64);
	bool ok1 = true, ok2 = true, okbig = true;

	if (!st_sha256_lanes_available()) {
		printf("PASS %s: the CPU lacks the SHA extensions: sigtrace uses OpenSSL (not exercised here)\n",
		       __FILE__);
		return harness_done();
	}
	for (size_t i = 0; i < BIG + 64; i++) {
		a[i] = (uint8_t)next();
		b[i] = (uint8_t)next();
	}
	for (size_t la = 0; la <= MAX; la++) {
		uint8_t want[32], got[32];
		struct st_sha256 c;
		SHA256(a, la, want);
		st_sha256_init(&c);
		for (size_t i = 0; i < la;) {
			size_t n = next() % (la - i + 1);
			st_sha256_update(&c, a + i, n);
			i += n;
		}
		st_sha256_final(&c, got);
		ok1 &= memcmp(want, got, 32) == 0;
		for (size_t lb = 0; lb <= MAX; lb++) {
			uint8_t wa[32], wb[32], ga[32], gb[32];
			SHA256(a + la % 7, la, wa);   /* unaligned starts too */
			SHA256(b, lb, wb);
			two(a + la % 7, la, b, lb, ga, gb);
			ok2 &= memcmp(wa, ga, 32) == 0 && memcmp(wb, gb, 32) == 0;
		}
	}
	CHECK(ok1, "one stream: every length 0-300, random splits, equals OpenSSL");
	CHECK(ok2, "two streams: every length pair 0-300, random splits, equal OpenSSL");
	for (int k = 0; k < 8; k++) {
		size_t la = BIG - next() % 5000, lb = BIG - next() % 5000;
		uint8_t wa[32], wb[32], ga[32], gb[32];
		SHA256(a + k, la, wa);
		SHA256(b, lb, wb);
		two(a + k, la, b, lb, ga, gb);
		okbig &= memcmp(wa, ga, 32) == 0 && memcmp(wb, gb, 32) == 0;
	}
	CHECK(okbig, "two streams of about 1 MiB, different lengths, equal OpenSSL");
	free(a);
	free(b);
	return harness_done();
}

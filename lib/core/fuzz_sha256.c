/* Fuzz target, differential: the hand-written SHA-256 (sha256_lanes.c)
 * against OpenSSL. The input is split into two messages at a point its
 * first two bytes choose; the next bytes choose how each is fed (one
 * stream, or both interleaved through update2, in pieces). Any difference
 * aborts. */
#include <openssl/sha.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256_lanes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct st_sha256 a, b;
	uint8_t wa[32], wb[32], ga[32], gb[32];
	const uint8_t *pa, *pb, *ctl;
	size_t split, la, lb, ia = 0, ib = 0, nctl, ic = 0;

	if (size < 4 || !st_sha256_lanes_available())
		return 0;
	nctl = 2;
	ctl = data + 2;
	data += 4;
	size -= 4;
	split = ((size_t)ctl[-2] << 8 | ctl[-1]) % (size + 1);
	pa = data;
	la = split;
	pb = data + split;
	lb = size - split;
	SHA256(pa, la, wa);
	SHA256(pb, lb, wb);
	st_sha256_init(&a);
	st_sha256_init(&b);
	while (ia < la || ib < lb) {
		uint8_t c = ctl[ic++ % nctl];
		size_t na = la - ia ? (size_t)c * 37 % (la - ia + 1) : 0;
		size_t nb = lb - ib ? (size_t)c * 61 % (lb - ib + 1) : 0;
		if (!na && !nb) {
			na = la - ia;
			nb = lb - ib;
		}
		if (c & 1) {
			st_sha256_update2(&a, pa + ia, na, &b, pb + ib, nb);
		} else {
			st_sha256_update(&a, pa + ia, na);
			st_sha256_update(&b, pb + ib, nb);
		}
		ia += na;
		ib += nb;
	}
	st_sha256_final(&a, ga);
	st_sha256_final(&b, gb);
	if (memcmp(wa, ga, 32) != 0 || memcmp(wb, gb, 32) != 0)
		abort();
	return 0;
}

/* The SHA-256 bound of this machine for bench/run.sh: MB/s of one stream
 * through OpenSSL, one stream and two interleaved streams through sigtrace's
 * SHA-extension code (lib/core/sha256_lanes.c), on one core, 1 MiB buffers
 * hashed for about a second each. Prints "openssl MBS\none MBS\ntwo MBS"
 * (two: bytes of both streams per second). */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/sha256_lanes.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	enum { LEN = 1 << 20 };
	uint8_t *a = malloc(LEN), *b = malloc(LEN), out[64];
	double t0, t;
	size_t n;

	if (!a || !b)
		return 1;
	for (size_t i = 0; i < LEN; i++)
		a[i] = (uint8_t)(i * 7), b[i] = (uint8_t)(i * 13);
	{
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		const EVP_MD *sha = EVP_sha256();
		for (n = 0, t0 = now(); (t = now()) - t0 < 1.0; n++) {
			EVP_DigestInit_ex(m, sha, NULL);
			EVP_DigestUpdate(m, a, LEN);
			EVP_DigestFinal_ex(m, out, NULL);
		}
		printf("openssl %.0f\n", n * (double)LEN / 1e6 / (t - t0));
		EVP_MD_CTX_free(m);
	}
	if (!st_sha256_lanes_available()) {
		printf("one 0\ntwo 0\n");
		return 0;
	}
	for (n = 0, t0 = now(); (t = now()) - t0 < 1.0; n++) {
		struct st_sha256 c;
		st_sha256_init(&c);
		st_sha256_update(&c, a, LEN);
		st_sha256_final(&c, out);
	}
	printf("one %.0f\n", n * (double)LEN / 1e6 / (t - t0));
	for (n = 0, t0 = now(); (t = now()) - t0 < 1.0; n++) {
		struct st_sha256 c1, c2;
		st_sha256_init(&c1);
		st_sha256_init(&c2);
		st_sha256_update2(&c1, a, LEN, &c2, b, LEN);
		st_sha256_final(&c1, out);
		st_sha256_final(&c2, out + 32);
	}
	printf("two %.0f\n", 2 * n * (double)LEN / 1e6 / (t - t0));
	free(a);
	free(b);
	return 0;
}

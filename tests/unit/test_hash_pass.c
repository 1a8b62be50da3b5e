/* Unit tests for the one-pass hashing of ranges and the whole file. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash_pass.h"
#include "harness.h"

static void digest_ranges(const uint8_t *d, const struct st_range *r, size_t n,
			  uint8_t *out)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned len;

	EVP_DigestInit_ex(m, EVP_sha256(), NULL);
	for (size_t i = 0; i < n; i++)
		EVP_DigestUpdate(m, d + r[i].off, r[i].len);
	EVP_DigestFinal_ex(m, out, &len);
	EVP_MD_CTX_free(m);
}

static bool pass_matches(const uint8_t *d, size_t size, const struct st_range *r, size_t n)
{
	struct st_input in = { .file = st_span_make(d, size) };
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	uint8_t want[32], got[32], file[32];
	unsigned len;
	bool ok;

	EVP_DigestInit_ex(m, EVP_sha256(), NULL);
	ok = st_hash_pass(&in, r, n, &m, 1);
	EVP_DigestFinal_ex(m, got, &len);
	EVP_MD_CTX_free(m);
	digest_ranges(d, r, n, want);
	EVP_Digest(d, size, file, &len, EVP_sha256(), NULL);
	return ok && in.sha256_done && memcmp(want, got, 32) == 0 &&
	       memcmp(file, in.sha256, 32) == 0;
}

int main(void)
{
	size_t size = (5u << 20) + 12345;
	uint8_t *d = malloc(size);

	for (size_t i = 0; i < size; i++)
		d[i] = (uint8_t)(i * 2654435761u >> 13);
	{
		struct st_range r[] = { { 0, 100 }, { 104, 50 }, { 162, 1000 },
					{ 1u << 20, 3u << 20 }, { (4u << 20) + 7, 1u << 20 } };
		CHECK(pass_matches(d, size, r, 5), "increasing ranges across chunk boundaries");
	}
	{
		struct st_range r[] = { { 0, size } };
		CHECK(pass_matches(d, size, r, 1), "one range covering the file");
	}
	{
		struct st_range r[] = { { 4096, 8192 }, { 0, 4096 }, { 2048, 4096 } };
		CHECK(pass_matches(d, size, r, 3), "out-of-order, overlapping ranges (second pass)");
	}
	{
		struct st_input in = { .file = st_span_make(d, size) };
		uint8_t file[32];
		unsigned len;
		EVP_Digest(d, size, file, &len, EVP_sha256(), NULL);
		CHECK(st_hash_pass(&in, NULL, 0, NULL, 0) && memcmp(file, in.sha256, 32) == 0,
		      "whole-file hash alone");
	}
	{
		struct st_input in = { .file = st_span_make(d, 0) };
		uint8_t file[32];
		unsigned len;
		EVP_Digest(d, 0, file, &len, EVP_sha256(), NULL);
		CHECK(st_hash_pass(&in, NULL, 0, NULL, 0) && in.sha256_done &&
		      memcmp(file, in.sha256, 32) == 0, "empty file");
	}
	free(d);
	return harness_done();
}

/* Unit tests for the one-pass hashing of ranges and the whole file. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/hash_pass.h"
#include "core/result.h"
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
	ok = st_hash_pass(&in, r, n, &m, 1) == ST_OK;
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
		CHECK(st_hash_pass(&in, NULL, 0, NULL, 0) == ST_OK && memcmp(file, in.sha256, 32) == 0,
		      "whole-file hash alone");
	}
	{
		struct st_input in = { .file = st_span_make(d, 0) };
		uint8_t file[32];
		unsigned len;
		EVP_Digest(d, 0, file, &len, EVP_sha256(), NULL);
		CHECK(st_hash_pass(&in, NULL, 0, NULL, 0) == ST_OK && in.sha256_done &&
		      memcmp(file, in.sha256, 32) == 0, "empty file");
	}
	{
		/* A file mapping, as large files are read: pages populated
		 * and dropped chunk by chunk. */
		char path[] = "/tmp/st-hash-pass-XXXXXX";
		int fd = mkstemp(path);
		void *map;
		CHECK(fd >= 0 && write(fd, d, size) == (ssize_t)size, "temporary file written");
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		CHECK(map != MAP_FAILED, "mapped");
		if (map != MAP_FAILED) {
			struct st_range r[] = { { 10, 3u << 20 }, { (4u << 20), 1000 } };
			struct st_input in = { .file = st_span_make(map, size), .mapped = true };
			EVP_MD_CTX *m = EVP_MD_CTX_new();
			uint8_t want[32], got[32], file[32];
			unsigned len;
			EVP_DigestInit_ex(m, EVP_sha256(), NULL);
			CHECK(st_hash_pass(&in, r, 2, &m, 1) == ST_OK, "pass over a mapping");
			EVP_DigestFinal_ex(m, got, &len);
			digest_ranges(d, r, 2, want);
			EVP_Digest(d, size, file, &len, EVP_sha256(), NULL);
			CHECK(memcmp(want, got, 32) == 0 && memcmp(file, in.sha256, 32) == 0,
			      "mapping pass gives the same digests");
			CHECK(memcmp(map, d, 4096) == 0, "dropped pages read back intact");
			EVP_MD_CTX_free(m);
			munmap(map, size);
		}
		close(fd);
		unlink(path);
	}
	free(d);
	return harness_done();
}

/* Unit tests for the one-pass hashing of ranges and the whole file. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
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

/* A source reading a descriptor, as the driver reads large files. */
static int fd_read(void *arg, uint64_t off, void *buf, size_t len)
{
	int fd = *(int *)arg;
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n <= 0) {
			errno = n == 0 ? ESTALE : errno;
			return ST_EIO;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return ST_OK;
}

/* The pass against OpenSSL: the whole-file SHA-256 and the range digests
 * (SHA-256, which runs beside the file hash as a second lane when the CPU
 * has the SHA extensions, and SHA-1, through OpenSSL). */
static bool pass_matches(const uint8_t *d, size_t size, const struct st_range *r, size_t n)
{
	struct st_input in;
	struct st_hash_out h[2] = { { .nid = NID_sha256 }, { .nid = NID_sha1 } };
	uint8_t want[32], want1[20], file[32];
	unsigned len;
	bool ok;
	EVP_MD_CTX *m = EVP_MD_CTX_new();

	st_input_init_mem(&in, d, size);
	ok = st_hash_pass(&in, r, n, h, 2) == ST_OK;
	digest_ranges(d, r, n, want);
	EVP_DigestInit_ex(m, EVP_sha1(), NULL);
	for (size_t i = 0; i < n; i++)
		EVP_DigestUpdate(m, d + r[i].off, r[i].len);
	EVP_DigestFinal_ex(m, want1, &len);
	EVP_MD_CTX_free(m);
	EVP_Digest(d, size, file, &len, EVP_sha256(), NULL);
	return ok && in.sha256_done && h[0].len == 32 && memcmp(want, h[0].md, 32) == 0 &&
	       h[1].len == 20 && memcmp(want1, h[1].md, 20) == 0 && memcmp(file, in.sha256, 32) == 0;
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
		/* The Authenticode shape: skips of 4 and 8 bytes near the start,
		 * the certificate table at the end left out; small files too,
		 * every split of the lanes' blocks. */
		bool ok = true;
		for (size_t sz = 200; sz < 900 && ok; sz += 7) {
			struct st_range r[] = { { 0, 88 }, { 92, 60 }, { 160, sz - 160 - sz / 9 } };
			ok = pass_matches(d, sz, r, 3);
		}
		CHECK(ok, "Authenticode-shaped ranges over files of 200-900 bytes");
	}
	{
		struct st_range r[] = { { 4096, 8192 }, { 0, 4096 }, { 2048, 4096 } };
		CHECK(pass_matches(d, size, r, 3), "out-of-order, overlapping ranges (second pass)");
	}
	{
		/* Zero padding after the ranges (catalog hashes of unaligned
		 * files): SHA-256 (on the lane beside the file hash) and SHA-1. */
		struct st_range r[] = { { 0, 100 }, { 120, 1003 } };
		struct st_hash_out h[2] = { { .nid = NID_sha256, .zero_pad = 5 },
					    { .nid = NID_sha1, .zero_pad = 5 } };
		uint8_t buf[1108], w256[32], w1[20];
		struct st_input in;

		memcpy(buf, d, 100);
		memcpy(buf + 100, d + 120, 1003);
		memset(buf + 1103, 0, 5);
		SHA256(buf, sizeof(buf), w256);
		SHA1(buf, sizeof(buf), w1);
		st_input_init_mem(&in, d, size);
		CHECK(st_hash_pass(&in, r, 2, h, 2) == ST_OK && memcmp(h[0].md, w256, 32) == 0 &&
			      memcmp(h[1].md, w1, 20) == 0,
		      "zero padding after the ranges, SHA-256 and SHA-1");
		st_input_clear(&in);
	}
	{
		struct st_input in;
		uint8_t file[32];
		unsigned len;
		st_input_init_mem(&in, d, size);
		EVP_Digest(d, size, file, &len, EVP_sha256(), NULL);
		CHECK(st_hash_pass(&in, NULL, 0, NULL, 0) == ST_OK && memcmp(file, in.sha256, 32) == 0,
		      "whole-file hash alone");
	}
	{
		struct st_input in;
		uint8_t file[32];
		unsigned len;
		st_input_init_mem(&in, d, 0);
		EVP_Digest(d, 0, file, &len, EVP_sha256(), NULL);
		CHECK(st_hash_pass(&in, NULL, 0, NULL, 0) == ST_OK && in.sha256_done &&
		      memcmp(file, in.sha256, 32) == 0, "empty file");
	}
	{
		/* A file read through its descriptor, as files larger than the
		 * in-memory limit are: windows, ranges across them. */
		char path[] = "/tmp/st-hash-pass-XXXXXX";
		int fd = mkstemp(path);
		CHECK(fd >= 0 && write(fd, d, size) == (ssize_t)size, "temporary file written");
		if (fd >= 0) {
			struct st_range r[] = { { 10, 3u << 20 }, { (4u << 20), 1000 } };
			struct st_input in;
			struct st_hash_out h = { .nid = NID_sha256 };
			uint8_t want[32], file[32];
			unsigned len;
			st_input_init_source(&in, (struct st_source){ .read = fd_read, .arg = &fd }, 0, size);
			CHECK(st_hash_pass(&in, r, 2, &h, 1) == ST_OK, "pass over a descriptor");
			digest_ranges(d, r, 2, want);
			EVP_Digest(d, size, file, &len, EVP_sha256(), NULL);
			CHECK(memcmp(want, h.md, 32) == 0 && memcmp(file, in.sha256, 32) == 0,
			      "descriptor pass gives the same digests");
			st_input_clear(&in);

			/* The file shrinks while it is read: a short read is
			 * ST_EIO with ESTALE, not a crash. */
			st_input_init_source(&in, (struct st_source){ .read = fd_read, .arg = &fd }, 0, size);
			CHECK(ftruncate(fd, (off_t)(size / 2)) == 0, "file truncated");
			errno = 0;
			CHECK(st_hash_pass(&in, NULL, 0, NULL, 0) == ST_EIO && errno == ESTALE,
			      "a file that shrank is an I/O error (ESTALE)");
			st_input_clear(&in);
			close(fd);
		}
		unlink(path);
	}
	free(d);
	return harness_done();
}

/*
 * The library on its own, without any signal handler installed by its
 * caller: a file larger than the in-memory limit that shrinks while
 * st_verify_file() reads it gives ST_EIO with errno ESTALE, not a crash
 * (the library reads with pread; a mapped file would raise SIGBUS).
 *
 * The truncation is made deterministic by interposing pread: this
 * executable's definition is the one the statically linked library calls.
 * After `truncate_after` calls it truncates the file, then reads on.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sigtrace.h"
#include "harness.h"

static int truncate_after = -1;  /* -1: never */
static int calls;
static const char *victim;

ssize_t pread(int fd, void *buf, size_t count, off_t offset);

ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
	/* A truncation that fails leaves the file whole: the test's
	 * expectation of an I/O error then fails, as it should. */
	if (truncate_after >= 0 && calls++ == truncate_after && victim && truncate(victim, 4096) != 0)
		victim = NULL;
	return syscall(SYS_pread64, fd, buf, count, offset);
}

/* An unsigned PE32+ image with one section, padded to `size` bytes. */
static int write_pe(const char *path, size_t size)
{
	uint8_t *b = calloc(1, size);
	int fd, ok;

	if (!b)
		return -1;
	b[0] = 'M';
	b[1] = 'Z';
	memcpy(b + 0x3c, &(uint32_t){ 0x80 }, 4);
	memcpy(b + 0x80, "PE\0\0", 4);
	memcpy(b + 0x84, &(uint16_t){ 0x8664 }, 2);
	memcpy(b + 0x86, &(uint16_t){ 1 }, 2);
	memcpy(b + 0x94, &(uint16_t){ 240 }, 2);
	memcpy(b + 0x98, &(uint16_t){ 0x20b }, 2);
	memcpy(b + 0x98 + 60, &(uint32_t){ 0x400 }, 4);
	memcpy(b + 0x98 + 108, &(uint32_t){ 16 }, 4);
	memcpy(b + 0x98 + 240, ".text", 5);
	memcpy(b + 0x98 + 240 + 8, &(uint32_t){ 0x1000 }, 4);
	memcpy(b + 0x98 + 240 + 12, &(uint32_t){ 0x1000 }, 4);
	memcpy(b + 0x98 + 240 + 16, &(uint32_t){ (uint32_t)(size - 0x400) }, 4);
	memcpy(b + 0x98 + 240 + 20, &(uint32_t){ 0x400 }, 4);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok = fd >= 0 && write(fd, b, size) == (ssize_t)size;
	if (fd >= 0)
		close(fd);
	free(b);
	return ok ? 0 : -1;
}

int main(void)
{
	char path[] = "/tmp/st-truncation-XXXXXX";
	size_t size = 20u << 20;  /* over the in-memory limit */
	st_context *ctx = NULL;
	st_result *res = NULL;
	int fd = mkstemp(path), rc;

	CHECK(fd >= 0 && st_context_new(&ctx) == ST_OK, "setup");
	if (fd < 0 || !ctx)
		return harness_done();
	close(fd);
	victim = path;

	CHECK(write_pe(path, size) == 0, "a 20 MiB PE file written");
	rc = st_verify_file(ctx, path, &res);
	CHECK(rc == ST_OK && res && st_result_verdict(res) == ST_VERDICT_UNSIGNED &&
		      st_result_sha256(res) != NULL,
	      "read in windows when it stays put: unsigned, hashed");
	st_result_free(res);
	res = NULL;

	/* Shrinks after the probe and the header reads: during the hash pass. */
	for (int after = 1; after <= 4; after++) {
		char name[96];

		CHECK(write_pe(path, size) == 0, "file rewritten");
		calls = 0;
		truncate_after = after;
		errno = 0;
		rc = st_verify_file(ctx, path, &res);
		truncate_after = -1;
		snprintf(name, sizeof(name),
			 "shrunk after %d reads: ST_EIO with ESTALE, no result, no signal", after);
		CHECK(rc == ST_EIO && errno == ESTALE && res == NULL, name);
		st_result_free(res);
		res = NULL;
	}
	unlink(path);
	st_context_free(ctx);
	return harness_done();
}

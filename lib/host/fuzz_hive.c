/* Fuzz target: a registry hive as --host-trust reads it (libregf for the
 * hive, host_registry.c for the stores and certificate blobs, trust.c for
 * what they add). libregf reads files, so the input is written to one.
 * Seeded with hives made by tests/e2e/tools/make-hive.py. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "sigtrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	st_context *ctx = NULL;
	char path[] = "/tmp/fuzz_hive.XXXXXX";
	int fd;

	if (st_context_new(&ctx) != ST_OK)
		return 0;
	fd = mkstemp(path);
	if (fd >= 0) {
		if (write(fd, data, size) == (ssize_t)size) {
			size_t n = 0;
			(void)st_context_add_host_trust(ctx, path, &n);
			for (size_t i = 0; i < st_context_host_cert_count(ctx); i++) {
				const st_host_cert *h = st_context_host_cert(ctx, i);
				(void)st_cert_subject(st_host_cert_certificate(h));
				(void)st_host_cert_store(h);
			}
		}
		close(fd);
		unlink(path);
	}
	st_context_free(ctx);
	return 0;
}

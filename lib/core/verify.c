/* Verification driver: reads a file, identifies its format by content and
 * hands it to the format module. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context.h"
#include "core/format.h"
#include "core/result.h"

static const struct st_format *const formats[] = {
	&st_format_pe,
};

int st_verify_buffer(st_context *ctx, const uint8_t *data, size_t len,
		     st_result **out)
{
	st_result *res;
	st_span file = st_span_make(data, len);
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	*out = NULL;
	if (!ctx || (!data && len))
		return ST_EINVAL;
	if (len > ctx->max_file_size)
		return ST_ETOOBIG;
	res = calloc(1, sizeof(*res));
	if (!res)
		return ST_ENOMEM;
	res->size = len;
	res->verdict = ST_VERDICT_NOT_EXECUTABLE;
	if (!EVP_Digest(data ? data : (const uint8_t *)"", len, md, &mdlen, EVP_sha256(), NULL)) {
		free(res);
		return ST_ENOMEM;
	}
	st_hex_into(res->sha256, md, mdlen);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (!formats[i]->probe(file))
			continue;
		int rc = formats[i]->verify(ctx, file, res);
		if (rc) {
			st_result_free(res);
			return rc;
		}
		break;
	}
	*out = res;
	return ST_OK;
}

int st_verify_file(st_context *ctx, const char *path, st_result **out)
{
	struct stat st;
	void *map = NULL;
	int fd, rc, saved;

	*out = NULL;
	if (!ctx || !path)
		return ST_EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ST_EIO;
	if (fstat(fd, &st) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return ST_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return ST_EIO;
	}
	if ((uint64_t)st.st_size > ctx->max_file_size) {
		close(fd);
		return ST_ETOOBIG;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			saved = errno;
			close(fd);
			errno = saved;
			return ST_EIO;
		}
		(void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	}
	close(fd);
	rc = st_verify_buffer(ctx, map, (size_t)st.st_size, out);
	if (map)
		munmap(map, (size_t)st.st_size);
	return rc;
}

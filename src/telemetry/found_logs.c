/* Event logs found inside evidence containers (found_logs.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telemetry/found_logs.h"

struct found_log {
	char *copy, *origin;
};

struct found_logs {
	pthread_mutex_t lock;      /* the library calls from scanning threads */
	char dir[4096];
	struct found_log *v;
	size_t n, cap, skipped;
	uint64_t total;
};

static const char *const suffixes[] = { ".evtx", NULL };

/* Copies size bytes through read into a new file of the folder: 0, or -1. */
static int copy_out(const char *path, uint64_t size, st_read_fn read, void *handle)
{
	FILE *f = fopen(path, "wb");
	char *buf = malloc(1 << 20);
	uint64_t off = 0;
	int rc = f && buf ? 0 : -1;

	while (rc == 0 && off < size) {
		size_t n = size - off < (1u << 20) ? (size_t)(size - off) : (1u << 20);
		if (read(handle, off, buf, n) != ST_OK || fwrite(buf, 1, n, f) != n)
			rc = -1;
		off += n;
	}
	if (f && fclose(f) != 0)
		rc = -1;
	free(buf);
	if (rc)
		unlink(path);
	return rc;
}

static void on_found(void *arg, const char *origin, uint64_t size, st_read_fn read, void *handle)
{
	struct found_logs *fl = arg;
	char path[4200];
	struct found_log *nv;
	size_t idx;

	pthread_mutex_lock(&fl->lock);
	if (size > FOUND_LOG_MAX || size > FOUND_LOGS_TOTAL_MAX - fl->total) {
		fl->skipped++;
		pthread_mutex_unlock(&fl->lock);
		return;
	}
	if (fl->n == fl->cap) {
		size_t nc = fl->cap ? fl->cap * 2 : 16;
		if (!(nv = realloc(fl->v, nc * sizeof(*nv)))) {
			fl->skipped++;
			pthread_mutex_unlock(&fl->lock);
			return;
		}
		fl->v = nv;
		fl->cap = nc;
	}
	/* The slot and the bytes are reserved under the lock; the copy is
	 * made outside it, so that threads copy in parallel. */
	idx = fl->n++;
	fl->v[idx] = (struct found_log){ NULL, NULL };
	fl->total += size;
	pthread_mutex_unlock(&fl->lock);
	snprintf(path, sizeof(path), "%s/%zu.evtx", fl->dir, idx);
	if (copy_out(path, size, read, handle) == 0) {
		char *c = strdup(path), *o = strdup(origin);
		pthread_mutex_lock(&fl->lock);
		fl->v[idx] = (struct found_log){ c, o };
		pthread_mutex_unlock(&fl->lock);
		if (c && o)
			return;
		free(c);
		free(o);
		unlink(path);
		pthread_mutex_lock(&fl->lock);
		fl->v[idx] = (struct found_log){ NULL, NULL };
		pthread_mutex_unlock(&fl->lock);
	}
	pthread_mutex_lock(&fl->lock);
	fl->skipped++;
	pthread_mutex_unlock(&fl->lock);
}

int found_logs_attach(struct found_logs **out, st_context *ctx)
{
	struct found_logs *fl = calloc(1, sizeof(*fl));
	const char *tmp = getenv("TMPDIR");

	*out = NULL;
	if (!fl)
		return -1;
	pthread_mutex_init(&fl->lock, NULL);
	snprintf(fl->dir, sizeof(fl->dir), "%s/sigtrace-logs.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fl->dir) || st_context_set_found_files(ctx, suffixes, on_found, fl) != ST_OK) {
		pthread_mutex_destroy(&fl->lock);
		free(fl);
		return -1;
	}
	*out = fl;
	return 0;
}

/* Slots whose copy failed stay empty; the accessors skip them. */
static const struct found_log *nth(const struct found_logs *fl, size_t i)
{
	for (size_t k = 0; k < fl->n; k++)
		if (fl->v[k].copy && i-- == 0)
			return &fl->v[k];
	return NULL;
}

size_t found_logs_count(const struct found_logs *fl)
{
	size_t n = 0;

	for (size_t k = 0; fl && k < fl->n; k++)
		n += fl->v[k].copy != NULL;
	return n;
}

const char *found_logs_copy(const struct found_logs *fl, size_t i)
{
	const struct found_log *l = nth(fl, i);
	return l ? l->copy : NULL;
}

const char *found_logs_origin(const struct found_logs *fl, size_t i)
{
	const struct found_log *l = nth(fl, i);
	return l ? l->origin : NULL;
}

size_t found_logs_skipped(const struct found_logs *fl)
{
	return fl ? fl->skipped : 0;
}

void found_logs_free(struct found_logs *fl, st_context *ctx)
{
	if (!fl)
		return;
	if (ctx)
		(void)st_context_set_found_files(ctx, NULL, NULL, NULL);
	for (size_t k = 0; k < fl->n; k++) {
		if (fl->v[k].copy)
			unlink(fl->v[k].copy);
		free(fl->v[k].copy);
		free(fl->v[k].origin);
	}
	rmdir(fl->dir);
	free(fl->v);
	pthread_mutex_destroy(&fl->lock);
	free(fl);
}

/*
 * Threads over the files inside one disk image (st_member_pool in
 * core/format.h).
 *
 * The Sleuth Kit's handles are not shared between threads, so the image's
 * walk stays on one thread; what costs CPU (the digests, the chains) runs
 * here. A member comes either as a source the threads may read
 * concurrently (a file's runs in a raw image: the threads read it
 * themselves) or as a buffer the walk filled (other images). Each
 * member's part is made when it is handed over, so the parent's children
 * are in the order of the walk whatever thread finishes first, and a pool
 * thread writes only into the part of its own member. Memory is bounded
 * by the members waiting (ST_LIMIT_MEMBER_QUEUED) and the bytes of
 * buffers in flight (ST_LIMIT_MEMBER_BYTES_IN_FLIGHT): the walk waits past
 * either.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/limits.h"
#include "driver/driver.h"

struct job {
	struct st_part *part;
	uint8_t *data;             /* the member's bytes, or NULL: */
	struct st_source src;      /* read through src (concurrent) */
	void (*release)(void *arg);   /* called with src.arg once verified */
	uint64_t size;
	bool held;                 /* size counts in the pool's in_flight */
	const struct st_format *fmt;
	const void *hint;
	int depth;                 /* of the container */
	st_props props;
	int rc;
	struct job *next;   /* in the queue of jobs not started */
};

/* Members' buffers are kept for the next members: a fresh buffer of
 * megabytes costs a page fault per page, which measured more than the
 * copy into it. Each buffer carries its capacity just before its bytes. */
#define BUF_HEAD 16
#define BUF_FREE 16

static size_t *buf_cap(uint8_t *data)
{
	return (size_t *)(void *)(data - BUF_HEAD);
}

static void buf_free(uint8_t *data)
{
	if (data)
		free(data - BUF_HEAD);
}

struct st_member_pool {
	const st_context *ctx;
	const char *path;
	pthread_mutex_t lock;
	pthread_cond_t more, less;
	pthread_t threads[ST_LIMIT_MEMBER_THREADS];
	int nthreads, wanted;
	struct job *head, *tail;
	struct job **jobs;   /* every job, in the order handed over */
	size_t njobs, cap;
	uint64_t in_flight;   /* bytes of members handed over, not verified */
	size_t queued;        /* members handed over, not started */
	uint8_t *free_bufs[BUF_FREE];   /* kept for the next members */
	size_t nfree;
	uint64_t free_bytes;
	bool closing;
};

uint8_t *st_member_pool_buffer(struct st_member_pool *p, uint64_t size)
{
	size_t best = SIZE_MAX, cap;
	uint8_t *raw;

	if (size > ST_LIMIT_MEMBER_BYTES)
		return NULL;
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nfree; i++)
		if (*buf_cap(p->free_bufs[i]) >= size &&
		    (best == SIZE_MAX || *buf_cap(p->free_bufs[i]) < *buf_cap(p->free_bufs[best])))
			best = i;
	if (best != SIZE_MAX) {
		uint8_t *d = p->free_bufs[best];
		p->free_bufs[best] = p->free_bufs[--p->nfree];
		p->free_bytes -= *buf_cap(d);
		pthread_mutex_unlock(&p->lock);
		return d;
	}
	pthread_mutex_unlock(&p->lock);
	/* Whole MiBs, so that a buffer serves the next members of about its
	 * size. */
	cap = (size_t)((size + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1));
	if (cap == 0)
		cap = 1u << 20;
	raw = malloc(cap + BUF_HEAD);
	if (!raw)
		return NULL;
	*(size_t *)(void *)raw = cap;
	return raw + BUF_HEAD;
}

/* Keeps a member's buffer for the next member, or frees it. Under the
 * lock. */
static void buf_return(struct st_member_pool *p, uint8_t *data)
{
	if (!data)
		return;
	if (p->nfree < BUF_FREE && *buf_cap(data) <= ST_LIMIT_MEMBER_BYTES_IN_FLIGHT - p->free_bytes &&
	    !p->closing) {
		p->free_bytes += *buf_cap(data);
		p->free_bufs[p->nfree++] = data;
	} else {
		buf_free(data);
	}
}

void st_member_pool_release(struct st_member_pool *p, uint8_t *data)
{
	pthread_mutex_lock(&p->lock);
	buf_return(p, data);
	pthread_mutex_unlock(&p->lock);
}

int st_member_pool_new(struct st_walk *w, struct st_member_pool **pool)
{
	struct st_member_pool *p;

	*pool = NULL;
	if (w->pooled || w->ctx->member_threads < 2)
		return ST_OK;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ST_ENOMEM;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return ST_ENOMEM;
	}
	if (pthread_cond_init(&p->more, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		free(p);
		return ST_ENOMEM;
	}
	if (pthread_cond_init(&p->less, NULL) != 0) {
		pthread_cond_destroy(&p->more);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return ST_ENOMEM;
	}
	p->ctx = w->ctx;
	p->path = w->path;
	p->wanted = w->ctx->member_threads;
	*pool = p;
	return ST_OK;
}

bool st_member_pool_takes(const struct st_member_pool *pool, uint64_t size)
{
	return pool && size > 0 && size <= ST_LIMIT_MEMBER_BYTES;
}

/* Moves src's properties after dst's (a property dst has is replaced). */
static int props_take(st_props *dst, st_props *src)
{
	int rc = ST_OK;

	for (size_t i = 0; i < src->n && rc == ST_OK; i++) {
		const struct st_property *pr = &src->v[i];
		rc = pr->decl->type == ST_PROPERTY_STRING ? st_props_set_str(dst, pr->decl, pr->s)
							   : st_props_set_int(dst, pr->decl, pr->i);
	}
	st_props_clear(src);
	return rc;
}

static void run(struct st_member_pool *p, struct job *j)
{
	/* A walk of this thread's own, at the container's depth; the member
	 * is a file of its own (fresh budgets). */
	struct st_walk w = { .ctx = p->ctx, .depth = j->depth, .parts = 1, .path = p->path, .pooled = true };
	struct st_member m = { .format = j->fmt, .hint = j->hint, .own_file = true };
	struct st_input in;

	if (j->data)
		st_input_init_mem(&in, j->data, j->size);
	else
		st_input_init_source(&in, j->src, 0, j->size);
	j->rc = st_driver_verify_member(&w, &in, j->part, &m);
	st_input_clear(&in);
	if (j->rc == ST_OK)
		j->rc = props_take(&j->part->props, &j->props);
	if (j->release) {
		j->release(j->src.arg);
		j->release = NULL;
	}
	pthread_mutex_lock(&p->lock);
	buf_return(p, j->data);
	pthread_mutex_unlock(&p->lock);
	j->data = NULL;
}

static void *thread_main(void *arg)
{
	struct st_member_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct job *j;

		while (!p->head && !p->closing)
			pthread_cond_wait(&p->more, &p->lock);
		if (!p->head)
			break;
		j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		pthread_cond_broadcast(&p->less);
		pthread_mutex_unlock(&p->lock);
		run(p, j);
		pthread_mutex_lock(&p->lock);
		if (j->held)
			p->in_flight -= j->size;
		pthread_cond_broadcast(&p->less);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Hands over a member whose bytes are data (a pool buffer) or, with data
 * NULL, m->src (released with release). */
static int add(struct st_member_pool *p, struct st_walk *w, struct st_part *parent,
	       const struct st_member *m, uint8_t *data, void (*release)(void *), st_props *props)
{
	struct job *j = NULL;
	struct st_part *c;
	int rc;

	if (!st_driver_within_limits(w, parent, m->kind, m->name, &rc))
		goto fail;
	rc = ST_ENOMEM;
	if (p->njobs == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		struct job **nv = realloc(p->jobs, ncap * sizeof(*nv));
		if (!nv)
			goto fail;
		p->jobs = nv;
		p->cap = ncap;
	}
	if (!(j = calloc(1, sizeof(*j))) || !(c = st_part_add_child(parent, m->kind, m->name, m->constituent)))
		goto fail;
	w->parts++;
	j->part = c;
	j->data = data;
	if (!data) {
		j->src = m->src;
		j->release = release;
	}
	j->size = m->size;
	j->fmt = m->format;
	j->hint = m->hint;
	j->depth = w->depth;
	if (props) {
		j->props = *props;
		memset(props, 0, sizeof(*props));
	}
	/* Threads start with the first member: most images hold few files
	 * that are code, some none. */
	if (p->nthreads < p->wanted) {
		if (pthread_create(&p->threads[p->nthreads], NULL, thread_main, p) == 0)
			p->nthreads++;
		else if (p->nthreads == 0) {
			/* No thread at all: this one verifies it. */
			p->jobs[p->njobs++] = j;
			run(p, j);
			return ST_OK;
		}
	}
	p->jobs[p->njobs++] = j;
	pthread_mutex_lock(&p->lock);
	/* Bounded: bytes held for members (the walk waits for them), and
	 * members waiting for a thread. */
	while ((data && p->in_flight > 0 && j->size > ST_LIMIT_MEMBER_BYTES_IN_FLIGHT - p->in_flight) ||
	       p->queued >= ST_LIMIT_MEMBER_QUEUED)
		pthread_cond_wait(&p->less, &p->lock);
	if (data) {
		p->in_flight += j->size;
		j->held = true;
	}
	p->queued++;
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
	return ST_OK;
fail:
	free(j);
	if (data)
		st_member_pool_release(p, data);
	else if (release)
		release(m->src.arg);
	if (props)
		st_props_clear(props);
	return rc;
}

int st_member_pool_add(struct st_member_pool *p, struct st_walk *w, struct st_part *parent,
		       const struct st_member *m, uint8_t *data, st_props *props)
{
	return add(p, w, parent, m, data, NULL, props);
}

int st_member_pool_add_source(struct st_member_pool *p, struct st_walk *w, struct st_part *parent,
			      const struct st_member *m, void (*release)(void *arg), st_props *props)
{
	return add(p, w, parent, m, NULL, release, props);
}

/* Drops the part c from parent's children. */
static void drop(struct st_part *parent, struct st_part *c)
{
	for (size_t i = 0; i < parent->nchildren; i++) {
		if (parent->children[i] == c) {
			memmove(&parent->children[i], &parent->children[i + 1],
				(parent->nchildren - i - 1) * sizeof(parent->children[0]));
			parent->nchildren--;
			st_part_clear(c);
			free(c);
			return;
		}
	}
}

int st_member_pool_finish(struct st_member_pool *p)
{
	int rc = ST_OK;

	if (!p)
		return ST_OK;
	pthread_mutex_lock(&p->lock);
	p->closing = true;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	/* Every member verified: the accounts must balance (they did not
	 * when sources were taken off the bytes of buffers). */
	if (p->in_flight != 0 || p->queued != 0 || p->head)
		rc = ST_EINVAL;
	for (size_t i = 0; i < p->njobs; i++) {
		struct job *j = p->jobs[i];
		struct st_part *parent = j->part->parent;

		if (j->rc == ST_EIO) {
			/* Not expected from bytes in memory; handled as the
			 * inline walk does: the half-made part goes. */
			const char *name = j->part->name;
			int r = st_reasons_add(&parent->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
					       "'%s' could not be verified", name);
			drop(parent, j->part);
			if (r && rc == ST_OK)
				rc = r;
		} else if (j->rc && rc == ST_OK) {
			rc = j->rc;
		}
		buf_free(j->data);
		if (j->release)
			j->release(j->src.arg);
		st_props_clear(&j->props);
		free(j);
	}
	for (size_t i = 0; i < p->nfree; i++)
		buf_free(p->free_bufs[i]);
	free(p->jobs);
	pthread_cond_destroy(&p->less);
	pthread_cond_destroy(&p->more);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return rc;
}

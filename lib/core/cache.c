/* The bounded cache (cache.h): open addressing over twice as many slots as
 * entries, so a probe sequence is short and always ends at a free slot. */
#include "core/cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	uint8_t key[ST_CACHE_KEY];
	void *value;   /* NULL: free */
};

struct st_cache {
	pthread_mutex_t lock;
	const struct st_cache_ops *ops;
	size_t max, nslots, count;
	unsigned long hits, misses;
	struct slot *slots;
};

struct st_cache *st_cache_new(size_t max, const struct st_cache_ops *ops)
{
	struct st_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ops = ops;
	c->max = max ? max : 1;
	c->nslots = 2 * c->max;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	if (!c->slots || pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->slots);
		free(c);
		return NULL;
	}
	return c;
}

/* Called with the lock held. */
static void drop_all(struct st_cache *c)
{
	for (size_t i = 0; i < c->nslots; i++) {
		if (c->slots[i].value)
			c->ops->unref(c->slots[i].value);
		c->slots[i].value = NULL;
	}
	c->count = 0;
}

void st_cache_free(struct st_cache *c)
{
	if (!c)
		return;
	drop_all(c);
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c);
}

void st_cache_clear(struct st_cache *c)
{
	pthread_mutex_lock(&c->lock);
	drop_all(c);
	pthread_mutex_unlock(&c->lock);
}

static size_t home(const struct st_cache *c, const uint8_t *key)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	return (size_t)(h % c->nslots);
}

/* The slot holding key, or the free slot where it would go. Lock held. */
static struct slot *find(struct st_cache *c, const uint8_t *key)
{
	size_t h = home(c, key);

	for (size_t i = 0; i < c->nslots; i++) {
		struct slot *s = &c->slots[(h + i) % c->nslots];
		if (!s->value || memcmp(s->key, key, ST_CACHE_KEY) == 0)
			return s;
	}
	return NULL; /* unreachable: count < nslots */
}

void *st_cache_get(struct st_cache *c, const uint8_t key[ST_CACHE_KEY])
{
	struct slot *s;
	void *v = NULL;

	pthread_mutex_lock(&c->lock);
	s = find(c, key);
	if (s && s->value) {
		v = s->value;
		c->ops->ref(v);
		c->hits++;
	} else {
		c->misses++;
	}
	pthread_mutex_unlock(&c->lock);
	return v;
}

void *st_cache_put(struct st_cache *c, const uint8_t key[ST_CACHE_KEY], void *value)
{
	struct slot *s;
	void *v = NULL;

	pthread_mutex_lock(&c->lock);
	s = find(c, key);
	if (s && !s->value && c->count >= c->max) {
		/* Bounded memory: start over. */
		drop_all(c);
		s = find(c, key);
	}
	if (s) {
		if (!s->value) {
			memcpy(s->key, key, ST_CACHE_KEY);
			s->value = value;
			c->ops->ref(value);
			c->count++;
		}
		v = s->value;
		c->ops->ref(v);
	}
	pthread_mutex_unlock(&c->lock);
	return v;
}

void st_cache_stats(struct st_cache *c, unsigned long *hits, unsigned long *misses)
{
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	pthread_mutex_unlock(&c->lock);
}

/*
 * A bounded, thread-safe cache of reference-counted values keyed by a
 * 32-byte digest: the one cache implementation of the library (decoded
 * certificates, rendered certificates, chain results).
 *
 * Why: the same few certificates and chains occur in thousands of files;
 * decoding and rendering them again costs more than hashing a small file.
 * Memory stays bounded: when the cache holds `max` entries it starts over
 * rather than tracking recency (entries are cheap to rebuild, and a scan's
 * working set is small). Values are shared: get() returns a new reference,
 * taken under the lock, so clearing the cache never frees a value in use.
 */
#ifndef ST_CACHE_H
#define ST_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define ST_CACHE_KEY 32

struct st_cache_ops {
	void (*ref)(void *value);    /* take one more reference */
	void (*unref)(void *value);  /* drop one (frees the last) */
};

struct st_cache;

/* NULL on ENOMEM. */
struct st_cache *st_cache_new(size_t max, const struct st_cache_ops *ops);
void st_cache_free(struct st_cache *c);
/* Drops every entry (references held by callers stay valid). */
void st_cache_clear(struct st_cache *c);

/* A new reference to the value stored under key, or NULL. */
void *st_cache_get(struct st_cache *c, const uint8_t key[ST_CACHE_KEY]);

/* Stores value under key (the cache takes its own reference). When another
 * thread stored the key meanwhile, that value is kept; either way the
 * return is a new reference to the stored value (the caller still owns its
 * reference to `value`). NULL when nothing could be stored. */
void *st_cache_put(struct st_cache *c, const uint8_t key[ST_CACHE_KEY], void *value);

/* Hits and misses of get(), for benchmarks. */
void st_cache_stats(struct st_cache *c, unsigned long *hits, unsigned long *misses);

#endif

/*
 * Internal layout of the verification context. The context belongs to no
 * layer in particular: core/ sees the options and opaque pointers to what
 * the other layers keep there (the trust store and caches of x509/), which
 * lib/driver/context.c creates and frees.
 */
#ifndef ST_CONTEXT_H
#define ST_CONTEXT_H

#include <stdbool.h>

#include "sigtrace.h"

struct st_trust;      /* x509/trust.h */
struct st_cache;      /* core/cache.h */
struct st_catalogs;   /* catalog/catalog.h */
struct st_format;

/* A vulnerable signed kernel driver (driver/vulnerable_drivers.c). */
struct st_vuln_driver {
	uint8_t sha256[32];
	char name[64], why[192], source[160];
};

struct st_context {
	int64_t at;                 /* verification time without timestamp */
	uint64_t max_file_size;
	bool file_hash;             /* compute the whole-file SHA-256 */
	bool legacy_hashes;         /* and SHA-1 and MD5 beside it */
	bool image_hash;            /* and of formats that hash on request */
	bool deleted_files;         /* disk images: verify deleted files too */
	int member_threads;         /* disk images: threads over its files (1..) */
	/* Inputs up to this size are read whole into memory; larger ones
	 * through views and a window (core/input.h). */
	uint64_t in_memory_limit;
	/* Trust anchors and revocation (x509/trust.c); read-only once
	 * verification starts. */
	struct st_trust *trust;
	/* Shared by all threads; each has its own lock. Mutable through a
	 * const context. */
	struct st_cache *der_certs;     /* decoded X509 by DER digest */
	struct st_cache *rendered;      /* st_cert by DER digest */
	struct st_cache *chains;        /* chain results */
	/* The security catalogs added (catalog/catalog_index.c), or NULL;
	 * read-only once verification starts except for its own lock. */
	struct st_catalogs *catalogs;
	/* Formats tried after the registry's (tests add synthetic ones). */
	const struct st_format *const *extra_formats;
	size_t nextra_formats;
	/* Passwords tried on encrypted archive members (copies). */
	char **archive_passwords;
	size_t narchive_passwords;
	/* Files the caller wants from inside containers, by name suffix
	 * (st_context_set_found_files; copies, at most
	 * ST_LIMIT_FOUND_SUFFIXES). */
	char *found_suffixes[8];
	size_t nfound_suffixes;
	st_found_fn found_fn;
	void *found_arg;
	/* Vulnerable drivers by SHA-256, sorted (built-in and added). */
	struct st_vuln_driver *vuln;
	size_t nvuln;
};

/* Loads the built-in list into ctx (st_context_new). */
int st_vuln_drivers_init(st_context *ctx);
/* The entry of a whole-file SHA-256, or NULL. */
const struct st_vuln_driver *st_vuln_driver_find(const st_context *ctx, const uint8_t sha256[32]);

#endif

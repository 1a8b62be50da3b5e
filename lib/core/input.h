/*
 * The bytes being verified: a whole file, a byte range of a parent (a slice
 * of a universal binary, a member stored in an archive or a disk image) or
 * a decoded stream.
 *
 * Small inputs are in memory and every read is a span of them. Larger ones
 * are read through a source (pread on a file descriptor, or the parent's
 * source at an offset) in bounded pieces: views for the structures a
 * format parses (kept until the input is cleared, their total bounded by
 * ST_LIMIT_VIEW_BYTES) and one sliding window for sequential passes
 * (hashing). Nothing is memory-mapped: a file that shrinks while it is read
 * gives a short read (ST_EIO, errno ESTALE), never SIGBUS, so the library is
 * safe without any signal handler in its caller.
 */
#ifndef ST_INPUT_H
#define ST_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/reader.h"

/* Bytes one window read covers (the last one of an input may be shorter):
 * the hash pass's chunk, small enough to stay in the CPU's L2 cache between
 * the read and the hashing. */
#define ST_INPUT_WINDOW (1u << 18)

struct st_source {
	/* Reads exactly len bytes at off into buf. ST_OK, or ST_EIO with errno
	 * set (ESTALE when the source ended early: it changed). */
	int (*read)(void *arg, uint64_t off, void *buf, size_t len);
	void *arg;
	/* read may run on several threads at once (pread on a file): a
	 * container's members can then be read by other threads. */
	bool concurrent;
};

struct st_view_buf;

struct st_input {
	uint64_t size;
	const uint8_t *mem;      /* every byte, or NULL: read through src */
	struct st_source src;
	uint64_t base;           /* where this input starts in src */
	/* the window (source-backed inputs only) */
	uint8_t *win;
	uint64_t win_off;
	size_t win_len, win_cap;
	/* views (source-backed inputs only) */
	struct st_view_buf *views;
	uint64_t view_bytes;
	/* the whole-input SHA-256, once computed */
	bool sha256_done;
	uint8_t sha256[32];
	/* SHA-1 and MD5 of the whole input, computed in the same pass when
	 * wanted (st_context_set_legacy_hashes): logs name files by them */
	bool legacy_wanted, legacy_done;
	uint8_t sha1[20], md5[16];
};

/* An input over memory (not copied: it must outlive the input). */
void st_input_init_mem(struct st_input *in, const uint8_t *data, uint64_t size);
/* An input read through src. */
void st_input_init_source(struct st_input *in, struct st_source src, uint64_t base,
			  uint64_t size);
/* The byte range [off, off+len) of parent as an input of its own (shares
 * parent's memory or source; parent must outlive it). False when the range
 * is not inside parent. */
bool st_input_init_range(struct st_input *in, const struct st_input *parent,
			 uint64_t off, uint64_t len);
/* Frees views and the window. */
void st_input_clear(struct st_input *in);

/* Whether every byte is in memory (then in->mem spans the input). */
static inline bool st_input_in_memory(const struct st_input *in)
{
	return in->mem != NULL || in->size == 0;
}

/*
 * A span of [off, off+len), valid until st_input_clear(). Returns ST_OK;
 * ST_PARSE_MALFORMED when the range is not inside the input;
 * ST_PARSE_LIMIT when the views of a source-backed input would exceed
 * ST_LIMIT_VIEW_BYTES; ST_EIO; ST_ENOMEM.
 */
int st_input_view(struct st_input *in, uint64_t off, uint64_t len, st_span *out);

/* A span of [off, off+len) (len <= ST_INPUT_WINDOW) valid until the next
 * window call on this input: for sequential passes. Same returns as
 * st_input_view() except ST_PARSE_LIMIT. */
int st_input_window(struct st_input *in, uint64_t off, uint64_t len, st_span *out);
/* Copies [off, off+len) into buf, read from the source straight into it
 * (no window, no view): for large reads of bytes the caller keeps. */
int st_input_read(struct st_input *in, uint64_t off, void *buf, size_t len);

/* Passes the bytes of [off, off+len) to fn in window-sized pieces, in
 * order, through st_input_window(). Returns fn's first result other than
 * ST_OK, ST_EIO when the range cannot be read (or is not inside the
 * input), ST_ENOMEM, or ST_OK. */
int st_input_each(struct st_input *in, uint64_t off, uint64_t len,
		  int (*fn)(void *arg, const uint8_t *p, size_t n), void *arg);

#endif

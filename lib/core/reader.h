/*
 * The one bounds-checked reader for untrusted bytes.
 *
 * Every offset and length that comes from a file goes through these
 * functions: a read either lies entirely inside the span or fails. All
 * arithmetic on attacker-controlled values uses the overflow-checked
 * helpers below, never plain + or *.
 */
#ifndef ST_READER_H
#define ST_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Positive returns of internal parsers, apart from ST_OK and the negative
 * ST_E* errors of sigtrace.h: the input is malformed, or exceeds a
 * documented limit. A parser describes what is wrong in a `why` buffer;
 * the caller that owns the result turns it into a reason
 * (st_parse_reason()). */
#define ST_PARSE_MALFORMED 1
#define ST_PARSE_LIMIT 2

/* In a parser with `char *why, size_t whylen` parameters: describes what
 * is malformed and returns ST_PARSE_MALFORMED. */
#define ST_PARSE_FAIL(...)                                 \
	do {                                               \
		snprintf(why, whylen, __VA_ARGS__);        \
		return ST_PARSE_MALFORMED;                 \
	} while (0)

typedef struct {
	const uint8_t *data;
	size_t len;
} st_span;

static inline st_span st_span_make(const uint8_t *data, size_t len)
{
	st_span s = { data, len };
	return s;
}

/* a + b and a * b with overflow detection; false on overflow. */
static inline bool st_add_u64(uint64_t a, uint64_t b, uint64_t *r)
{
	return !__builtin_add_overflow(a, b, r);
}
static inline bool st_mul_u64(uint64_t a, uint64_t b, uint64_t *r)
{
	return !__builtin_mul_overflow(a, b, r);
}
/* Rounds v up to a multiple of the power of two `align`. */
bool st_align_up_u64(uint64_t v, uint64_t align, uint64_t *r);

/* True when [off, off+len) lies inside the span. */
bool st_span_contains(st_span s, uint64_t off, uint64_t len);

/* Sub-span [off, off+len); false (and *out untouched) if out of range. */
bool st_span_sub(st_span s, uint64_t off, uint64_t len, st_span *out);

/* Sub-span from off to the end. */
bool st_span_tail(st_span s, uint64_t off, st_span *out);

/* Fixed-size integer reads in both byte orders. */
bool st_read_u8(st_span s, uint64_t off, uint8_t *v);
bool st_read_u16le(st_span s, uint64_t off, uint16_t *v);
bool st_read_u32le(st_span s, uint64_t off, uint32_t *v);
bool st_read_u64le(st_span s, uint64_t off, uint64_t *v);
bool st_read_u16be(st_span s, uint64_t off, uint16_t *v);
bool st_read_u32be(st_span s, uint64_t off, uint32_t *v);
bool st_read_u64be(st_span s, uint64_t off, uint64_t *v);

/* Copies len bytes at off into dst. */
/* The total length (header included) of the DER SEQUENCE at the start of
 * s and, when header is not NULL, its header's length; 0 when s does not
 * start with one whose length field reads (the length is not checked
 * against s). */
size_t st_der_sequence_length(st_span s, size_t *header);
bool st_read_bytes(st_span s, uint64_t off, void *dst, size_t len);

#endif

#include "core/reader.h"

#include <string.h>

bool st_align_up_u64(uint64_t v, uint64_t align, uint64_t *r)
{
	uint64_t t;

	if (align == 0 || (align & (align - 1)) != 0)
		return false;
	if (!st_add_u64(v, align - 1, &t))
		return false;
	*r = t & ~(align - 1);
	return true;
}

bool st_span_contains(st_span s, uint64_t off, uint64_t len)
{
	uint64_t end;

	if (!st_add_u64(off, len, &end))
		return false;
	return end <= (uint64_t)s.len;
}

bool st_span_sub(st_span s, uint64_t off, uint64_t len, st_span *out)
{
	if (!st_span_contains(s, off, len))
		return false;
	out->data = s.data + off;
	out->len = (size_t)len;
	return true;
}

bool st_span_tail(st_span s, uint64_t off, st_span *out)
{
	if (off > (uint64_t)s.len)
		return false;
	return st_span_sub(s, off, (uint64_t)s.len - off, out);
}

bool st_read_bytes(st_span s, uint64_t off, void *dst, size_t len)
{
	if (!st_span_contains(s, off, len))
		return false;
	if (len)
		memcpy(dst, s.data + off, len);
	return true;
}

bool st_read_u8(st_span s, uint64_t off, uint8_t *v)
{
	return st_read_bytes(s, off, v, 1);
}

static uint64_t load_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t load_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

#define ST_READER_FN(name, type, n, load)                      \
	bool name(st_span s, uint64_t off, type *v)            \
	{                                                      \
		if (!st_span_contains(s, off, n))              \
			return false;                          \
		*v = (type)load(s.data + off, n);              \
		return true;                                   \
	}

ST_READER_FN(st_read_u16le, uint16_t, 2, load_le)
ST_READER_FN(st_read_u32le, uint32_t, 4, load_le)
ST_READER_FN(st_read_u64le, uint64_t, 8, load_le)
ST_READER_FN(st_read_u16be, uint16_t, 2, load_be)
ST_READER_FN(st_read_u32be, uint32_t, 4, load_be)
ST_READER_FN(st_read_u64be, uint64_t, 8, load_be)

size_t st_der_sequence_length(st_span s, size_t *header)
{
	size_t n, len = 0;

	if (s.len < 2 || s.data[0] != 0x30)
		return 0;
	if (s.data[1] < 0x80) {
		if (header)
			*header = 2;
		return (size_t)s.data[1] + 2;
	}
	n = s.data[1] & 0x7f;
	if (n == 0 || n > 4 || s.len < 2 + n)
		return 0;
	for (size_t i = 0; i < n; i++)
		len = len << 8 | s.data[2 + i];
	if (header)
		*header = 2 + n;
	return len + 2 + n;
}

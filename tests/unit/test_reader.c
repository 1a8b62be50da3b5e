/* Unit tests for the bounds-checked reader and overflow-checked arithmetic. */
#include <stdint.h>
#include <string.h>

#include "core/reader.h"
#include "harness.h"

int main(void)
{
	static const uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	st_span s = st_span_make(buf, sizeof(buf)), sub;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64, r;
	uint8_t tmp[8];

	CHECK(st_read_u16le(s, 0, &v16) && v16 == 0x0201, "u16le at 0");
	CHECK(st_read_u16be(s, 0, &v16) && v16 == 0x0102, "u16be at 0");
	CHECK(st_read_u32le(s, 4, &v32) && v32 == 0x08070605, "u32le at the last 4 bytes");
	CHECK(st_read_u32be(s, 4, &v32) && v32 == 0x05060708, "u32be at the last 4 bytes");
	CHECK(st_read_u64le(s, 0, &v64) && v64 == 0x0807060504030201ULL, "u64le whole span");
	CHECK(!st_read_u32le(s, 5, &v32), "u32 crossing the end fails");
	CHECK(!st_read_u16le(s, 8, &v16), "read at the end fails");
	CHECK(!st_read_u16le(s, UINT64_MAX, &v16), "offset near 2^64 fails");
	CHECK(!st_read_u32le(s, UINT64_MAX - 1, &v32), "offset+len overflow fails");
	CHECK(!st_read_u64be(st_span_make(buf, 7), 0, &v64), "u64 in 7 bytes fails");
	CHECK(st_span_contains(s, 8, 0), "empty range at the end is inside");
	CHECK(!st_span_contains(s, 9, 0), "empty range past the end is outside");
	CHECK(!st_span_contains(s, 1, UINT64_MAX), "huge length is outside");
	CHECK(st_span_sub(s, 2, 3, &sub) && sub.len == 3 && sub.data[0] == 3, "sub-span");
	CHECK(!st_span_sub(s, 6, 3, &sub), "sub-span past the end fails");
	CHECK(st_span_tail(s, 8, &sub) && sub.len == 0, "tail at the end is empty");
	CHECK(!st_span_tail(s, 9, &sub), "tail past the end fails");
	CHECK(st_read_bytes(s, 0, tmp, 8) && memcmp(tmp, buf, 8) == 0, "read_bytes whole span");
	CHECK(!st_read_bytes(s, 1, tmp, 8), "read_bytes past the end fails");
	CHECK(st_read_bytes(st_span_make(NULL, 0), 0, tmp, 0), "zero-length read of an empty span");
	CHECK(st_add_u64(1, 2, &r) && r == 3, "add");
	CHECK(!st_add_u64(UINT64_MAX, 1, &r), "add overflow detected");
	CHECK(st_mul_u64(1ULL << 31, 4, &r) && r == 1ULL << 33, "mul");
	CHECK(!st_mul_u64(1ULL << 32, 1ULL << 32, &r), "mul overflow detected");
	CHECK(st_align_up_u64(9, 8, &r) && r == 16, "align 9 to 8");
	CHECK(st_align_up_u64(16, 8, &r) && r == 16, "aligned value stays");
	CHECK(!st_align_up_u64(UINT64_MAX - 2, 8, &r), "align overflow detected");
	CHECK(!st_align_up_u64(5, 6, &r), "non-power-of-two alignment rejected");
	return harness_done();
}

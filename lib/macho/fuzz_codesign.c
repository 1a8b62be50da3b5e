/* Fuzz target: an Apple code signature (SuperBlob, CodeDirectories,
 * requirements/entitlements blobs, CMS wrapper) as the LC_CODE_SIGNATURE
 * data of a fixed, valid 64-bit Mach-O, so every input reaches the
 * signature parsers instead of dying on the header. The code page is 4 KiB
 * of the header and zeros: seeds whose CodeDirectory hashes it also reach
 * the CMS, timestamp and chain checks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CODE 4096u

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void segment(uint8_t *p, const char *name, uint64_t off, uint64_t size)
{
	put32(p, 0x19);        /* LC_SEGMENT_64 */
	put32(p + 4, 72);
	memcpy(p + 8, name, strlen(name));
	put64(p + 24, off);    /* vmaddr */
	put64(p + 32, size);   /* vmsize */
	put64(p + 40, off);    /* fileoff */
	put64(p + 48, size);   /* filesize */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static st_context *ctx;
	st_result *res = NULL;
	uint8_t *file;

	if (size > (1u << 20))
		return 0;
	if (!ctx) {
		if (st_context_new(&ctx) != ST_OK)
			return 0;
		st_context_set_time(ctx, 1748736000); /* 2025-06-01 */
	}
	file = calloc(1, CODE + size);
	if (!file)
		return 0;
	put32(file, 0xfeedfacf);          /* MH_MAGIC_64, little-endian */
	put32(file + 4, 0x0100000c);      /* arm64 */
	put32(file + 12, 2);              /* MH_EXECUTE */
	put32(file + 16, 3);              /* ncmds */
	put32(file + 20, 72 + 72 + 16);   /* sizeofcmds */
	segment(file + 32, "__TEXT", 0, CODE);
	segment(file + 104, "__LINKEDIT", CODE, size);
	put32(file + 176, 0x1d);          /* LC_CODE_SIGNATURE */
	put32(file + 180, 16);
	put32(file + 184, CODE);
	put32(file + 188, (uint32_t)size);
	memcpy(file + CODE, data, size);
	if (st_verify_buffer(ctx, file, CODE + size, &res) == ST_OK) {
		fuzz_touch_part(st_result_part(res));
		st_result_free(res);
	}
	free(file);
	return 0;
}

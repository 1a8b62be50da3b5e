/*
 * Mach-O file layout: universal (fat, fat64) headers, thin headers in either
 * byte order, load commands, and where the code signature lies.
 */
#ifndef ST_MACHO_LAYOUT_H
#define ST_MACHO_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/input.h"
#include "core/reader.h"

#define MH_MAGIC 0xfeedfaceu
#define MH_MAGIC_64 0xfeedfacfu
#define MH_CIGAM 0xcefaedfeu
#define MH_CIGAM_64 0xcffaedfeu
#define FAT_MAGIC 0xcafebabeu
#define FAT_MAGIC_64 0xcafebabfu

struct macho_slice {
	uint64_t offset, size;      /* within the file */
	uint32_t cputype, cpusubtype;
	const char *arch;           /* static string */
	bool be, is64;
	uint32_t filetype;
	bool has_sig;
	uint32_t sig_off, sig_size; /* LC_CODE_SIGNATURE, relative to the slice */
	bool has_linkedit;
	uint64_t linkedit_off, linkedit_size;
	bool has_text;
	uint64_t text_off, text_size;
};

/* Name of a CPU type/subtype pair ("arm64", "x86_64", ...). */
const char *macho_arch_name(uint32_t cputype, uint32_t cpusubtype);

/* Whether the first bytes are a thin Mach-O header or a universal header
 * (nfat_arch below 45: Java class files share 0xcafebabe and have their
 * major version, >= 45, in that field). */
bool macho_is_thin(st_span head);
bool macho_is_fat(st_span head);

/*
 * Reads a universal header: fills *out (malloc'd, *n entries, file order
 * of the header) with offset, size and CPU type of each slice, and checks
 * that slices lie inside the file and do not overlap each other or the
 * header. Returns ST_OK, ST_PARSE_MALFORMED / ST_PARSE_LIMIT with why
 * filled, ST_EIO or ST_ENOMEM.
 */
int macho_fat_parse(struct st_input *in, struct macho_slice **out, size_t *n,
		    bool *is64, char *why, size_t whylen);

/* Copies the n (<= ST_LIMIT_FAT_ARCHS) slices of v into out in file
 * order. */
void macho_sort_by_offset(const struct macho_slice *v, size_t n, struct macho_slice *out);

/*
 * Parses the thin Mach-O `in` (a slice: s->arch set means the universal
 * header names its CPU type, which must match): header, load commands,
 * __TEXT, __LINKEDIT and LC_CODE_SIGNATURE, and checks that the signature
 * lies inside the slice and inside __LINKEDIT. Returns ST_OK,
 * ST_PARSE_MALFORMED or ST_PARSE_LIMIT (why filled), ST_EIO, ST_ENOMEM.
 */
int macho_thin_parse(struct st_input *in, struct macho_slice *s, char *why,
		     size_t whylen);

#endif

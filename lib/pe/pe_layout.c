/* PE headers: DOS header, PE signature, COFF and optional headers, data
 * directories and the section table. */
#include "pe/pe_image.h"

#include <stdlib.h>
#include <string.h>

#define IMAGE_DOS_SIGNATURE 0x5a4d      /* "MZ" */
#define IMAGE_NT_SIGNATURE 0x00004550   /* "PE\0\0" */
#define OPT_MAGIC_PE32 0x10b
#define OPT_MAGIC_PE32PLUS 0x20b
#define COFF_HEADER_SIZE 20
#define SECTION_HEADER_SIZE 40
#define DIR_RESOURCE 2
#define DIR_SECURITY 4

bool pe_probe(st_span file)
{
	uint16_t mz;
	uint32_t lfanew, sig;

	return st_read_u16le(file, 0, &mz) && mz == IMAGE_DOS_SIGNATURE &&
	       st_read_u32le(file, 0x3c, &lfanew) &&
	       st_read_u32le(file, lfanew, &sig) && sig == IMAGE_NT_SIGNATURE;
}

const char *pe_machine_name(uint16_t machine)
{
	switch (machine) {
	case 0x014c: return "x86";
	case 0x8664: return "x64";
	case 0xaa64: return "arm64";
	case 0xa641: return "arm64ec";
	case 0x01c0: return "arm";
	case 0x01c4: return "armnt";
	case 0x0200: return "ia64";
	case 0x0ebc: return "ebc";
	case 0x5032: return "riscv32";
	case 0x5064: return "riscv64";
	case 0x6232: return "loongarch32";
	case 0x6264: return "loongarch64";
	default: return "unknown";
	}
}

static enum pe_parse_status bad(st_reasons *rs, const char *what)
{
	if (st_reasons_add(rs, ST_R_MALFORMED_PE, ST_EFFECT_DEFAULT, "%s", what))
		return PE_ENOMEM;
	return PE_MALFORMED;
}

enum pe_parse_status pe_parse(st_span f, struct pe_image *img, st_reasons *rs)
{
	uint16_t nsec, optsize, magic;
	uint32_t lfanew;
	uint64_t coff, opt, dirs, sectab, sectab_len, end;

	memset(img, 0, sizeof(*img));
	img->file = f;
	if (!pe_probe(f))
		return PE_NOT_PE;
	(void)st_read_u32le(f, 0x3c, &lfanew);
	img->pe_off = lfanew;
	coff = (uint64_t)lfanew + 4;
	if (!st_read_u16le(f, coff, &img->machine) ||
	    !st_read_u16le(f, coff + 2, &nsec) ||
	    !st_read_u16le(f, coff + 16, &optsize))
		return bad(rs, "COFF file header is truncated");
	opt = coff + COFF_HEADER_SIZE;
	img->opt_off = opt;
	if (!st_read_u16le(f, opt, &magic))
		return bad(rs, "optional header is truncated");
	if (magic == OPT_MAGIC_PE32)
		img->pe32plus = false;
	else if (magic == OPT_MAGIC_PE32PLUS)
		img->pe32plus = true;
	else
		return bad(rs, "optional header magic is neither PE32 nor PE32+");
	dirs = opt + (img->pe32plus ? 112 : 96);
	img->checksum_off = opt + 64;
	if (!st_read_u16le(f, opt + 68, &img->subsystem) ||
	    !st_read_u32le(f, opt + 60, &img->size_of_headers) ||
	    !st_read_u32le(f, dirs - 4, &img->ndirs))
		return bad(rs, "optional header is truncated");
	/* The data directories actually present are bounded both by
	 * NumberOfRvaAndSizes and by SizeOfOptionalHeader; an entry past
	 * either is not part of the image. */
	if (dirs > opt + optsize)
		return bad(rs, "SizeOfOptionalHeader is too small for the fixed fields");
	{
		uint64_t fit = (opt + optsize - dirs) / 8;
		uint32_t usable = img->ndirs < fit ? img->ndirs : (uint32_t)fit;

		if (usable > DIR_RESOURCE) {
			(void)st_read_u32le(f, dirs + 8 * DIR_RESOURCE, &img->rsrc_rva);
			(void)st_read_u32le(f, dirs + 8 * DIR_RESOURCE + 4, &img->rsrc_size);
		}
		if (usable > DIR_SECURITY) {
			img->has_secdir_entry = true;
			img->secdir_entry_off = dirs + 8 * DIR_SECURITY;
			if (!st_read_u32le(f, img->secdir_entry_off, &img->cert_off) ||
			    !st_read_u32le(f, img->secdir_entry_off + 4, &img->cert_size))
				return bad(rs, "data directories are truncated");
		}
	}
	sectab = opt + optsize;
	sectab_len = (uint64_t)nsec * SECTION_HEADER_SIZE;
	if (!st_add_u64(sectab, sectab_len, &end) || end > f.len)
		return bad(rs, "section table extends past the end of the file");
	img->nsections = nsec;
	if (nsec) {
		img->sections = calloc(nsec, sizeof(*img->sections));
		if (!img->sections)
			return PE_ENOMEM;
	}
	for (uint16_t i = 0; i < nsec; i++) {
		struct pe_section *s = &img->sections[i];
		uint64_t at = sectab + (uint64_t)i * SECTION_HEADER_SIZE;

		(void)st_read_bytes(f, at, s->name, 8);
		s->name[8] = '\0';
		(void)st_read_u32le(f, at + 8, &s->vsize);
		(void)st_read_u32le(f, at + 12, &s->vaddr);
		(void)st_read_u32le(f, at + 16, &s->raw_size);
		(void)st_read_u32le(f, at + 20, &s->raw_ptr);
	}
	return PE_OK;
}

void pe_image_clear(struct pe_image *img)
{
	free(img->sections);
	img->sections = NULL;
}

bool pe_rva_span(const struct pe_image *img, uint32_t rva, uint32_t len,
		 st_span *out)
{
	for (uint16_t i = 0; i < img->nsections; i++) {
		const struct pe_section *s = &img->sections[i];
		uint64_t in_sec, vend;
		uint32_t extent = s->vsize ? s->vsize : s->raw_size;

		vend = (uint64_t)s->vaddr + extent;
		if (rva < s->vaddr || (uint64_t)rva + len > vend)
			continue;
		in_sec = (uint64_t)rva - s->vaddr;
		/* Data must be backed by the section's raw bytes: bytes past
		 * SizeOfRawData are zero-filled in memory, not in the file. */
		if (in_sec + len > s->raw_size)
			return false;
		return st_span_sub(img->file, (uint64_t)s->raw_ptr + in_sec, len, out);
	}
	return false;
}

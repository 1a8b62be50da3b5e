/* PE headers: DOS header, PE signature, COFF and optional headers, data
 * directories and the section table. */
#include "pe/pe_image.h"

#include <stdio.h>
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

bool pe_probe(st_span head)
{
	uint16_t mz;
	uint32_t lfanew, sig;

	return st_read_u16le(head, 0, &mz) && mz == IMAGE_DOS_SIGNATURE &&
	       st_read_u32le(head, 0x3c, &lfanew) &&
	       st_read_u32le(head, lfanew, &sig) && sig == IMAGE_NT_SIGNATURE;
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

/* A view of [0, min(end, size)): the header bytes a parse step needs. */
static int header_view(struct pe_image *img, uint64_t end, st_span *out)
{
	return st_input_view(img->in, 0, end < img->size ? end : img->size, out);
}

int pe_parse(struct st_input *in, struct pe_image *img, char *why, size_t whylen)
{
	uint16_t nsec, optsize, magic;
	uint32_t lfanew = 0;
	uint64_t coff, opt, dirs, sectab, sectab_len, end;
	st_span f;
	int rc;

	memset(img, 0, sizeof(*img));
	img->in = in;
	img->size = in->size;
	if ((rc = header_view(img, 0x40, &f)) < 0)
		return rc;
	if (rc || !st_read_u32le(f, 0x3c, &lfanew))
		ST_PARSE_FAIL("DOS header is truncated");
	img->pe_off = lfanew;
	coff = (uint64_t)lfanew + 4;
	/* The COFF header, then everything up to the end of the section
	 * table it describes. */
	if ((rc = header_view(img, coff + COFF_HEADER_SIZE, &f)) < 0)
		return rc;
	if (rc == ST_PARSE_LIMIT) {
		snprintf(why, whylen, "the PE header at 0x%x lies beyond what is read of a file", lfanew);
		return ST_PARSE_LIMIT;
	}
	if (!st_read_u16le(f, coff, &img->machine) ||
	    !st_read_u16le(f, coff + 2, &nsec) ||
	    !st_read_u16le(f, coff + 16, &optsize))
		ST_PARSE_FAIL("COFF file header is truncated");
	opt = coff + COFF_HEADER_SIZE;
	img->opt_off = opt;
	sectab = opt + optsize;
	sectab_len = (uint64_t)nsec * SECTION_HEADER_SIZE;
	if ((rc = header_view(img, sectab + sectab_len, &f)) < 0)
		return rc;
	if (rc == ST_PARSE_LIMIT) {
		snprintf(why, whylen, "the PE headers end at 0x%llx, beyond what is read of a file",
			 (unsigned long long)(sectab + sectab_len));
		return ST_PARSE_LIMIT;
	}
	img->hdr = f;
	if (!st_read_u16le(f, opt, &magic))
		ST_PARSE_FAIL("optional header is truncated");
	if (magic == OPT_MAGIC_PE32)
		img->pe32plus = false;
	else if (magic == OPT_MAGIC_PE32PLUS)
		img->pe32plus = true;
	else
		ST_PARSE_FAIL("optional header magic is neither PE32 nor PE32+");
	dirs = opt + (img->pe32plus ? 112 : 96);
	img->checksum_off = opt + 64;
	if (!st_read_u16le(f, opt + 68, &img->subsystem) ||
	    !st_read_u32le(f, opt + 60, &img->size_of_headers) ||
	    !st_read_u32le(f, dirs - 4, &img->ndirs))
		ST_PARSE_FAIL("optional header is truncated");
	/* The data directories actually present are bounded both by
	 * NumberOfRvaAndSizes and by SizeOfOptionalHeader; an entry past
	 * either is not part of the image. */
	if (dirs > opt + optsize)
		ST_PARSE_FAIL("SizeOfOptionalHeader is too small for the fixed fields");
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
				ST_PARSE_FAIL("data directories are truncated");
		}
	}
	if (!st_add_u64(sectab, sectab_len, &end) || end > f.len)
		ST_PARSE_FAIL("section table extends past the end of the file");
	img->nsections = nsec;
	if (nsec) {
		img->sections = calloc(nsec, sizeof(*img->sections));
		if (!img->sections)
			return ST_ENOMEM;
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
	return ST_OK;
}

void pe_image_clear(struct pe_image *img)
{
	free(img->sections);
	img->sections = NULL;
}

int pe_rva_span(const struct pe_image *img, uint32_t rva, uint32_t len, st_span *out)
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
			return ST_PARSE_MALFORMED;
		return st_input_view(img->in, (uint64_t)s->raw_ptr + in_sec, len, out);
	}
	return ST_PARSE_MALFORMED;
}

#include "macho/macho_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/input.h"
#include "core/result.h"

#define CPU_ARCH_ABI64 0x01000000u
#define CPU_ARCH_ABI64_32 0x02000000u
#define CPU_TYPE_X86 7u
#define CPU_TYPE_ARM 12u
#define CPU_TYPE_POWERPC 18u

#define LC_SEGMENT 0x1u
#define LC_SEGMENT_64 0x19u
#define LC_CODE_SIGNATURE 0x1du

const char *macho_arch_name(uint32_t cputype, uint32_t cpusubtype)
{
	uint32_t sub = cpusubtype & 0x00ffffffu;

	switch (cputype) {
	case CPU_TYPE_X86: return "i386";
	case CPU_TYPE_X86 | CPU_ARCH_ABI64: return sub == 8 ? "x86_64h" : "x86_64";
	case CPU_TYPE_ARM:
		switch (sub) {
		case 6: return "armv6";
		case 9: return "armv7";
		case 11: return "armv7s";
		case 12: return "armv7k";
		default: return "arm";
		}
	case CPU_TYPE_ARM | CPU_ARCH_ABI64: return sub == 2 ? "arm64e" : "arm64";
	case CPU_TYPE_ARM | CPU_ARCH_ABI64_32: return "arm64_32";
	case CPU_TYPE_POWERPC: return "ppc";
	case CPU_TYPE_POWERPC | CPU_ARCH_ABI64: return "ppc64";
	default: return "unknown";
	}
}

bool macho_is_thin(st_span head)
{
	uint32_t m;

	return st_read_u32be(head, 0, &m) &&
	       (m == MH_MAGIC || m == MH_MAGIC_64 || m == MH_CIGAM || m == MH_CIGAM_64);
}

bool macho_is_fat(st_span head)
{
	uint32_t m, n;

	return st_read_u32be(head, 0, &m) && (m == FAT_MAGIC || m == FAT_MAGIC_64) &&
	       st_read_u32be(head, 4, &n) && n < 45;
}

static int cmp_off(const void *a, const void *b)
{
	const struct macho_slice *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void macho_sort_by_offset(const struct macho_slice *v, size_t n, struct macho_slice *out)
{
	memcpy(out, v, n * sizeof(*v));
	qsort(out, n, sizeof(*out), cmp_off);
}

/* A view of [0, min(end, size)) of the input. */
static int head_view(struct st_input *in, uint64_t end, st_span *out)
{
	return st_input_view(in, 0, end < in->size ? end : in->size, out);
}

int macho_fat_parse(struct st_input *in, struct macho_slice **out, size_t *n,
		    bool *is64, char *why, size_t whylen)
{
	uint32_t magic, nfat;
	uint64_t hdr_end, entry;
	struct macho_slice *v;
	struct macho_slice order[ST_LIMIT_FAT_ARCHS];
	st_span file;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = head_view(in, 8, &file)) < 0)
		return rc;
	if (!st_read_u32be(file, 0, &magic) || !st_read_u32be(file, 4, &nfat))
		ST_PARSE_FAIL("universal header is truncated");
	*is64 = magic == FAT_MAGIC_64;
	if (nfat == 0)
		ST_PARSE_FAIL("universal header lists no architecture");
	if (nfat > ST_LIMIT_FAT_ARCHS) {
		snprintf(why, whylen, "universal header lists %u architectures (limit %d)",
			 nfat, ST_LIMIT_FAT_ARCHS);
		return ST_PARSE_LIMIT;
	}
	entry = *is64 ? 32 : 20;
	hdr_end = 8 + entry * nfat;
	if (hdr_end > in->size)
		ST_PARSE_FAIL("universal header (%u architectures) runs past the end of the file", nfat);
	if ((rc = head_view(in, hdr_end, &file)) < 0)
		return rc;
	v = calloc(nfat, sizeof(*v));
	if (!v)
		return ST_ENOMEM;
	for (uint32_t i = 0; i < nfat; i++) {
		uint64_t e = 8 + entry * i, off, size;
		uint32_t off32, size32;

		(void)st_read_u32be(file, e, &v[i].cputype);
		(void)st_read_u32be(file, e + 4, &v[i].cpusubtype);
		if (*is64) {
			(void)st_read_u64be(file, e + 8, &off);
			(void)st_read_u64be(file, e + 16, &size);
		} else {
			(void)st_read_u32be(file, e + 8, &off32);
			(void)st_read_u32be(file, e + 12, &size32);
			off = off32;
			size = size32;
		}
		v[i].offset = off;
		v[i].size = size;
		v[i].arch = macho_arch_name(v[i].cputype, v[i].cpusubtype);
		if (size == 0 || off > in->size || size > in->size - off) {
			snprintf(why, whylen, "slice %u (%s) at %llu, %llu bytes, lies outside the file",
				 i, v[i].arch, (unsigned long long)off, (unsigned long long)size);
			free(v);
			return ST_PARSE_MALFORMED;
		}
		if (off < hdr_end) {
			snprintf(why, whylen, "slice %u (%s) overlaps the universal header", i, v[i].arch);
			free(v);
			return ST_PARSE_MALFORMED;
		}
	}
	macho_sort_by_offset(v, nfat, order);
	for (uint32_t i = 1; i < nfat; i++) {
		if (order[i].offset < order[i - 1].offset + order[i - 1].size) {
			snprintf(why, whylen, "slices %s and %s overlap", order[i - 1].arch,
				 order[i].arch);
			free(v);
			return ST_PARSE_MALFORMED;
		}
	}
	*out = v;
	*n = nfat;
	return ST_OK;
}

static bool rd32(st_span s, uint64_t off, bool be, uint32_t *v)
{
	return be ? st_read_u32be(s, off, v) : st_read_u32le(s, off, v);
}

static bool rd64(st_span s, uint64_t off, bool be, uint64_t *v)
{
	return be ? st_read_u64be(s, off, v) : st_read_u64le(s, off, v);
}

int macho_thin_parse(struct st_input *in, struct macho_slice *s, char *why, size_t whylen)
{
	uint32_t magic, ncmds, sizeofcmds;
	uint64_t hdr, pos, end, le_end;
	st_span slice;
	int rc;

	if ((rc = head_view(in, 32, &slice)) < 0)
		return rc;
	if (!st_read_u32be(slice, 0, &magic))
		ST_PARSE_FAIL("Mach-O header is truncated");
	switch (magic) {
	case MH_MAGIC: s->be = true; s->is64 = false; break;
	case MH_MAGIC_64: s->be = true; s->is64 = true; break;
	case MH_CIGAM: s->be = false; s->is64 = false; break;
	case MH_CIGAM_64: s->be = false; s->is64 = true; break;
	default: ST_PARSE_FAIL("no Mach-O header (magic 0x%08x)", magic);
	}
	hdr = s->is64 ? 32 : 28;
	if (slice.len < hdr)
		ST_PARSE_FAIL("Mach-O header is truncated");
	{
		uint32_t cpu, sub;
		(void)rd32(slice, 4, s->be, &cpu);
		(void)rd32(slice, 8, s->be, &sub);
		if (s->arch && (cpu != s->cputype))
			ST_PARSE_FAIL("slice header says %s, the universal header %s",
			     macho_arch_name(cpu, sub), s->arch);
		s->cputype = cpu;
		s->cpusubtype = sub;
		s->arch = macho_arch_name(cpu, sub);
	}
	(void)rd32(slice, 12, s->be, &s->filetype);
	(void)rd32(slice, 16, s->be, &ncmds);
	(void)rd32(slice, 20, s->be, &sizeofcmds);
	if (hdr + sizeofcmds > in->size)
		ST_PARSE_FAIL("load commands (%u bytes) run past the end of the slice", sizeofcmds);
	if ((rc = head_view(in, hdr + sizeofcmds, &slice)) < 0)
		return rc;
	if (rc) {
		snprintf(why, whylen, "load commands of %u bytes are more than is read of a file",
			 sizeofcmds);
		return ST_PARSE_LIMIT;
	}
	if (ncmds > ST_LIMIT_LOAD_COMMANDS) {
		snprintf(why, whylen, "%u load commands (limit %d)", ncmds, ST_LIMIT_LOAD_COMMANDS);
		return ST_PARSE_LIMIT;
	}
	pos = hdr;
	end = hdr + sizeofcmds;
	for (uint32_t i = 0; i < ncmds; i++) {
		uint32_t cmd, size;

		if (pos + 8 > end || !rd32(slice, pos, s->be, &cmd) ||
		    !rd32(slice, pos + 4, s->be, &size))
			ST_PARSE_FAIL("load command %u runs past sizeofcmds", i);
		if (size < 8 || size > end - pos)
			ST_PARSE_FAIL("load command %u has size %u", i, size);
		if (cmd == LC_CODE_SIGNATURE) {
			if (s->has_sig)
				ST_PARSE_FAIL("more than one LC_CODE_SIGNATURE");
			if (size != 16)
				ST_PARSE_FAIL("LC_CODE_SIGNATURE has size %u, not 16", size);
			(void)rd32(slice, pos + 8, s->be, &s->sig_off);
			(void)rd32(slice, pos + 12, s->be, &s->sig_size);
			s->has_sig = true;
		} else if (cmd == LC_SEGMENT || cmd == LC_SEGMENT_64) {
			bool is64 = cmd == LC_SEGMENT_64;
			char name[17] = { 0 };
			uint64_t fileoff, filesize;
			uint32_t f32, s32;

			if (size < (is64 ? 72u : 56u))
				ST_PARSE_FAIL("segment command %u is too short (%u bytes)", i, size);
			(void)st_read_bytes(slice, pos + 8, name, 16);
			if (is64) {
				(void)rd64(slice, pos + 40, s->be, &fileoff);
				(void)rd64(slice, pos + 48, s->be, &filesize);
			} else {
				(void)rd32(slice, pos + 32, s->be, &f32);
				(void)rd32(slice, pos + 36, s->be, &s32);
				fileoff = f32;
				filesize = s32;
			}
			if (strcmp(name, "__LINKEDIT") == 0) {
				if (s->has_linkedit)
					ST_PARSE_FAIL("more than one __LINKEDIT segment");
				s->has_linkedit = true;
				s->linkedit_off = fileoff;
				s->linkedit_size = filesize;
			} else if (strcmp(name, "__TEXT") == 0 && !s->has_text) {
				s->has_text = true;
				s->text_off = fileoff;
				s->text_size = filesize;
			}
		}
		pos += size;
	}
	if (!s->has_sig)
		return ST_OK;
	if ((uint64_t)s->sig_off + s->sig_size > in->size)
		ST_PARSE_FAIL("LC_CODE_SIGNATURE (offset %u, %u bytes) lies outside the slice (%llu bytes)",
		     s->sig_off, s->sig_size, (unsigned long long)in->size);
	if (s->sig_off < end)
		ST_PARSE_FAIL("code signature overlaps the load commands");
	/* dyld and the kernel take the signature from the end of __LINKEDIT;
	 * one outside it is not where a loader looks. */
	if (!s->has_linkedit)
		ST_PARSE_FAIL("code signature present but no __LINKEDIT segment");
	if (!st_add_u64(s->linkedit_off, s->linkedit_size, &le_end) ||
	    s->sig_off < s->linkedit_off || (uint64_t)s->sig_off + s->sig_size > le_end)
		ST_PARSE_FAIL("code signature (offset %u, %u bytes) lies outside __LINKEDIT (offset %llu, %llu bytes)",
		     s->sig_off, s->sig_size, (unsigned long long)s->linkedit_off,
		     (unsigned long long)s->linkedit_size);
	return ST_OK;
}

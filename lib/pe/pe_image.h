/* PE/COFF layout: what the Authenticode rules need from the headers. */
#ifndef ST_PE_IMAGE_H
#define ST_PE_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/hash_pass.h"
#include "core/input.h"
#include "core/reader.h"
#include "core/result.h"

struct pe_section {
	char name[9];
	uint32_t vaddr, vsize, raw_ptr, raw_size;
};

struct pe_image {
	struct st_input *in;       /* the image (read through views) */
	uint64_t size;             /* of the image */
	st_span hdr;               /* bytes [0, end of the section table) */
	uint32_t pe_off;
	uint16_t machine;
	bool pe32plus;
	uint16_t subsystem;
	uint64_t opt_off;          /* optional header */
	uint64_t checksum_off;     /* CheckSum field */
	bool has_secdir_entry;     /* NumberOfRvaAndSizes reaches entry 4 */
	uint64_t secdir_entry_off; /* security data-directory entry */
	uint32_t size_of_headers;
	uint32_t ndirs;
	uint32_t cert_off, cert_size;  /* security directory: file offset, size */
	uint32_t rsrc_rva, rsrc_size;  /* resource directory */
	uint16_t nsections;
	struct pe_section *sections;   /* in section-table order */
};

/* True when the first bytes look like a PE image (MZ and a PE signature
 * reachable from e_lfanew). */
bool pe_probe(st_span head);

/*
 * Parses the headers of the PE image `in`: ST_OK; ST_PARSE_MALFORMED or
 * ST_PARSE_LIMIT with `why` filled (a PE whose headers cannot be used);
 * ST_EIO, ST_ENOMEM. The caller has identified the input as a PE.
 */
int pe_parse(struct st_input *in, struct pe_image *img, char *why, size_t whylen);
void pe_image_clear(struct pe_image *img);

const char *pe_machine_name(uint16_t machine);

/* Maps an RVA range to a span of the file through the section table:
 * ST_OK; ST_PARSE_MALFORMED when no section's raw data holds it;
 * ST_PARSE_LIMIT, ST_EIO, ST_ENOMEM as st_input_view(). */
int pe_rva_span(const struct pe_image *img, uint32_t rva, uint32_t len, st_span *out);

/* Where the hashed headers end (pe_digest.c): SizeOfHeaders, cut at the
 * first section's raw data when they overlap. */
uint64_t pe_header_end(const struct pe_image *img);

/* Byte ranges covered by the Authenticode digest (see pe_digest.c). */
/* Computes the ranges; on a layout that cannot be hashed returns false with
 * a description in err. *out is malloc'd. */
bool pe_digest_ranges(const struct pe_image *img, struct st_range **out,
		      size_t *n, char *err, size_t errlen);

/* Sections with raw data, sorted by file offset (then table order). Returns
 * a malloc'd array of indices into img->sections; *n is its length. */
bool pe_sections_by_offset(const struct pe_image *img, uint16_t **out,
			   size_t *n);

#endif

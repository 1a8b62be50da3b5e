/*
 * The byte ranges of a PE image covered by its Authenticode digest.
 *
 * As Windows computes it (Authenticode PE specification, "Calculating the
 * PE Image Hash"): the headers up to SizeOfHeaders without the CheckSum
 * field and the security data-directory entry; then each section's raw data
 * in file-offset order; then everything after the end of the last section
 * up to the end of the file, minus the certificate table. Bytes between
 * sections (file-alignment gaps) are not covered, as in Windows.
 *
 * Data after the certificate table is hashed too (a verifier that stops at
 * the table would not see appended bytes change the digest); the PE format
 * module also reports it as trailing_data.
 */
#include "pe/pe_image.h"

#include <stdio.h>
#include <stdlib.h>

/* Stable merge sort of (raw_ptr, table index) keys: no global state, and
 * O(n log n) for the 65,535 sections a hostile header can declare. */
struct sec_key {
	uint32_t ptr;
	uint16_t i;
};

static void merge_sort(struct sec_key *keys, struct sec_key *tmp, size_t k)
{
	for (size_t width = 1; width < k; width *= 2) {
		for (size_t lo = 0; lo < k; lo += 2 * width) {
			size_t mid = lo + width < k ? lo + width : k;
			size_t hi = lo + 2 * width < k ? lo + 2 * width : k;
			size_t a = lo, b = mid, t = lo;

			while (a < mid && b < hi)
				tmp[t++] = keys[b].ptr < keys[a].ptr ? keys[b++] : keys[a++];
			while (a < mid)
				tmp[t++] = keys[a++];
			while (b < hi)
				tmp[t++] = keys[b++];
		}
		for (size_t j = 0; j < k; j++)
			keys[j] = tmp[j];
	}
}

bool pe_sections_by_offset(const struct pe_image *img, uint16_t **out, size_t *n)
{
	size_t cnt = (size_t)img->nsections + 1, k = 0;
	uint16_t *idx = malloc(cnt * sizeof(*idx));
	struct sec_key *keys = malloc(cnt * sizeof(*keys));
	struct sec_key *tmp = malloc(cnt * sizeof(*tmp));

	if (!idx || !keys || !tmp) {
		free(idx);
		free(keys);
		free(tmp);
		return false;
	}
	for (uint16_t i = 0; i < img->nsections; i++) {
		if (img->sections[i].raw_size) {
			keys[k].ptr = img->sections[i].raw_ptr;
			keys[k].i = i;
			k++;
		}
	}
	merge_sort(keys, tmp, k);
	for (size_t j = 0; j < k; j++)
		idx[j] = keys[j].i;
	free(keys);
	free(tmp);
	*out = idx;
	*n = k;
	return true;
}

/*
 * Where the hashed headers end: SizeOfHeaders, or the first section's raw
 * data when it starts before that (packed files whose headers and first
 * section overlap). Every byte is hashed once, as Windows does; hashing the
 * overlap as header and again as section (uthenticode, older sigtrace)
 * gives digest_mismatch on such files. osslsigncode, signify and relic
 * hash each byte once too. Never below the security directory entry.
 */
uint64_t pe_header_end(const struct pe_image *img)
{
	uint64_t end = img->size_of_headers, floor = img->secdir_entry_off + 8;

	for (uint16_t i = 0; i < img->nsections; i++) {
		const struct pe_section *s = &img->sections[i];
		if (s->raw_size && s->raw_ptr < end && s->raw_ptr >= floor)
			end = s->raw_ptr;
	}
	return end;
}

static bool push(struct st_range *r, size_t *n, size_t cap, uint64_t off, uint64_t len)
{
	if (len == 0)
		return true;
	if (*n >= cap)
		return false;
	r[*n].off = off;
	r[*n].len = len;
	(*n)++;
	return true;
}

bool pe_digest_ranges(const struct pe_image *img, struct st_range **out,
		      size_t *nout, char *err, size_t errlen)
{
	uint64_t fsize = img->size, hdr;
	uint64_t cs = img->checksum_off, sd = img->secdir_entry_off;
	uint64_t tail_start, cert_end;
	uint16_t *order = NULL;
	size_t nord = 0, n = 0, cap;
	struct st_range *r;

	*out = NULL;
	*nout = 0;
	if (!img->has_secdir_entry) {
		snprintf(err, errlen, "no security data-directory entry");
		return false;
	}
	hdr = pe_header_end(img);
	/* The header ranges are [0,cs) [cs+4,sd) [sd+8,SizeOfHeaders); a
	 * SizeOfHeaders that ends before the security entry, or beyond the
	 * file, leaves nothing Windows could hash consistently. */
	if (hdr < sd + 8 || hdr > fsize) {
		snprintf(err, errlen,
			 "SizeOfHeaders 0x%llx is inconsistent with the header layout (file size 0x%llx)",
			 (unsigned long long)hdr, (unsigned long long)fsize);
		return false;
	}
	if (!st_add_u64(img->cert_off, img->cert_size, &cert_end))
		cert_end = UINT64_MAX;
	if (!pe_sections_by_offset(img, &order, &nord)) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	cap = 3 + nord + 2;
	r = malloc(cap * sizeof(*r));
	if (!r) {
		free(order);
		snprintf(err, errlen, "out of memory");
		return false;
	}
	push(r, &n, cap, 0, cs);
	push(r, &n, cap, cs + 4, sd - (cs + 4));
	push(r, &n, cap, sd + 8, hdr - (sd + 8));
	tail_start = hdr;
	for (size_t i = 0; i < nord; i++) {
		const struct pe_section *s = &img->sections[order[i]];
		uint64_t end = (uint64_t)s->raw_ptr + s->raw_size;

		if (end > fsize) {
			snprintf(err, errlen,
				 "section %u (%s) raw data [0x%x, 0x%llx) extends past the end of the file (0x%llx)",
				 order[i], s->name, s->raw_ptr,
				 (unsigned long long)end, (unsigned long long)fsize);
			free(order);
			free(r);
			return false;
		}
		push(r, &n, cap, s->raw_ptr, s->raw_size);
		if (end > tail_start)
			tail_start = end;
	}
	free(order);
	/* Remaining data: [tail_start, fsize) without the certificate table. */
	if (img->cert_size && img->cert_off >= tail_start && cert_end <= fsize) {
		push(r, &n, cap, tail_start, img->cert_off - tail_start);
		push(r, &n, cap, cert_end, fsize - cert_end);
	} else if (tail_start < fsize) {
		push(r, &n, cap, tail_start, fsize - tail_start);
	}
	*out = r;
	*nout = n;
	return true;
}

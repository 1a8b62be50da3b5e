/* Unit tests for the Authenticode digest ranges of PE images, on images
 * built in memory. */
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "harness.h"
#include "pe/pe_certtable.h"
#include "pe/pe_image.h"

#define LFANEW 0x80u
#define OPT (LFANEW + 24u)

struct sec { uint32_t ptr, size; };

/* A PE32+ image with the given sections and a certificate table. */
static uint8_t *make_pe(size_t fsize, const struct sec *secs, int nsec,
			uint32_t cert_off, uint32_t cert_size)
{
	uint8_t *b = calloc(1, fsize);
	uint32_t sectab = OPT + 240;

	b[0] = 'M';
	b[1] = 'Z';
	memcpy(b + 0x3c, &(uint32_t){ LFANEW }, 4);
	memcpy(b + LFANEW, "PE\0\0", 4);
	memcpy(b + LFANEW + 4, &(uint16_t){ 0x8664 }, 2);
	memcpy(b + LFANEW + 6, &(uint16_t){ (uint16_t)nsec }, 2);
	memcpy(b + LFANEW + 20, &(uint16_t){ 240 }, 2);
	memcpy(b + OPT, &(uint16_t){ 0x20b }, 2);
	memcpy(b + OPT + 60, &(uint32_t){ 0x400 }, 4);    /* SizeOfHeaders */
	memcpy(b + OPT + 108, &(uint32_t){ 16 }, 4);      /* NumberOfRvaAndSizes */
	memcpy(b + OPT + 112 + 32, &cert_off, 4);
	memcpy(b + OPT + 112 + 36, &cert_size, 4);
	for (int i = 0; i < nsec; i++) {
		uint8_t *s = b + sectab + 40 * i;
		memcpy(s, ".sec", 4);
		memcpy(s + 8, &secs[i].size, 4);
		memcpy(s + 12, &(uint32_t){ 0x1000u * (uint32_t)(i + 1) }, 4);
		memcpy(s + 16, &secs[i].size, 4);
		memcpy(s + 20, &secs[i].ptr, 4);
	}
	return b;
}

static struct st_input in;

static bool parse(uint8_t *b, size_t n, struct pe_image *img, st_reasons *rs)
{
	char why[200];

	(void)rs;
	st_input_init_mem(&in, b, n);
	return pe_parse(&in, img, why, sizeof(why)) == ST_OK;
}

int main(void)
{
	struct pe_image img;
	st_reasons rs = { 0 };
	struct st_range *r;
	size_t n;
	char err[200];

	/* Two sections listed out of file order, a cert table at the end. */
	{
		struct sec secs[2] = { { 0x600, 0x200 }, { 0x400, 0x200 } };
		uint8_t *b = make_pe(0x900, secs, 2, 0x800, 0x100);
		CHECK(parse(b, 0x900, &img, &rs), "synthetic PE32+ parses");
		CHECK(pe_digest_ranges(&img, &r, &n, err, sizeof(err)), "ranges computed");
		CHECK(n == 5, "header x3 + 2 sections, nothing after the sections");
		CHECK(r[0].off == 0 && r[0].len == OPT + 64, "range 0 ends at CheckSum");
		CHECK(r[1].off == OPT + 68 && r[1].len == (OPT + 112 + 32) - (OPT + 68),
		      "range 1 skips CheckSum, ends at the security entry");
		CHECK(r[2].off == OPT + 112 + 40 && r[2].off + r[2].len == 0x400,
		      "range 2 skips the security entry, ends at SizeOfHeaders");
		CHECK(r[3].off == 0x400 && r[4].off == 0x600, "sections in file-offset order");
		free(r);
		pe_image_clear(&img);
		free(b);
	}
	/* Data between the sections and the table, and after the table. */
	{
		struct sec secs[1] = { { 0x400, 0x200 } };
		uint8_t *b = make_pe(0xa00, secs, 1, 0x800, 0x100);
		struct pe_cert_table t;
		CHECK(parse(b, 0xa00, &img, &rs), "PE with trailing data parses");
		CHECK(pe_digest_ranges(&img, &r, &n, err, sizeof(err)), "ranges computed");
		CHECK(n == 6 && r[4].off == 0x600 && r[4].len == 0x200,
		      "overlay before the table is hashed");
		CHECK(r[5].off == 0x900 && r[5].len == 0x100,
		      "data after the table is hashed, the table is not");
		free(r);
		memcpy(b + 0x800, &(uint32_t){ 0x100 }, 4);
		memcpy(b + 0x804, &(uint16_t){ 0x200 }, 2);
		memcpy(b + 0x806, &(uint16_t){ 2 }, 2);
		b[0x808] = 0x30; b[0x809] = 0x03; /* SEQUENCE, 3 bytes */
		CHECK(pe_cert_table_parse(&img, &t, &rs) == ST_OK, "table parsed");
		CHECK(st_reasons_has(&rs, ST_R_TRAILING_DATA), "trailing_data reported");
		CHECK(st_reasons_has(&rs, ST_R_CERT_PADDING), "bytes after a short DER are cert_padding");
		CHECK(t.n == 1 && t.entries[0].der.len == 5, "DER extent from its header");
		st_reasons_clear(&rs);
		pe_image_clear(&img);
		free(b);
	}
	/* A section running past the end of the file. */
	{
		struct sec secs[1] = { { 0x400, 0x1000 } };
		uint8_t *b = make_pe(0x800, secs, 1, 0, 0);
		CHECK(parse(b, 0x800, &img, &rs), "PE with a truncated section parses");
		CHECK(!pe_digest_ranges(&img, &r, &n, err, sizeof(err)),
		      "digest refused for a section past EOF");
		pe_image_clear(&img);
		free(b);
	}
	/* Security directory outside the file, and pointing into a section. */
	{
		struct sec secs[1] = { { 0x400, 0x200 } };
		uint8_t *b = make_pe(0x600, secs, 1, 0xfffffff8u, 0x100);
		struct pe_cert_table t;
		CHECK(parse(b, 0x600, &img, &rs), "PE parses");
		CHECK(pe_cert_table_parse(&img, &t, &rs) == ST_OK && t.n == 0 &&
		      st_reasons_has(&rs, ST_R_MALFORMED_SIGNATURE),
		      "table outside the file is malformed_signature");
		st_reasons_clear(&rs);
		pe_image_clear(&img);
		memcpy(b + OPT + 112 + 32, &(uint32_t){ 0x400 }, 4);
		memcpy(b + OPT + 112 + 36, &(uint32_t){ 0x100 }, 4);
		CHECK(parse(b, 0x600, &img, &rs), "PE parses");
		CHECK(pe_cert_table_parse(&img, &t, &rs) == ST_OK &&
		      st_reasons_has(&rs, ST_R_CERT_TABLE_NOT_AT_END),
		      "table inside a section is cert_table_not_at_end");
		st_reasons_clear(&rs);
		pe_image_clear(&img);
		free(b);
	}
	/* Sorting is stable and handles many sections. */
	{
		struct sec *secs = calloc(1000, sizeof(*secs));
		uint16_t *order;
		size_t k;
		for (int i = 0; i < 1000; i++)
			secs[i] = (struct sec){ (uint32_t)(0x10000 - 0x10 * (i % 7)), 0x10 };
		uint8_t *b = make_pe(0x20000, secs, 1000, 0, 0);
		CHECK(parse(b, 0x20000, &img, &rs), "1000-section PE parses");
		CHECK(pe_sections_by_offset(&img, &order, &k) && k == 1000, "all sections ordered");
		bool sorted = true;
		for (size_t i = 1; i < k; i++) {
			const struct pe_section *a = &img.sections[order[i - 1]], *c = &img.sections[order[i]];
			if (a->raw_ptr > c->raw_ptr || (a->raw_ptr == c->raw_ptr && order[i - 1] > order[i]))
				sorted = false;
		}
		CHECK(sorted, "order is by offset, then table index");
		free(order);
		pe_image_clear(&img);
		free(b);
		free(secs);
	}
	st_reasons_clear(&rs);
	return harness_done();
}

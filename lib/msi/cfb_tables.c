/*
 * The compound file's header and sector tables (MS-CFB 2.2 to 2.5):
 *
 *   0 signature D0 CF 11 E0 A1 B1 1A E1, 26 major version (3: 512-byte
 *   sectors, 4: 4096), 28 byte order FFFE, 30 sector shift, 32 mini sector
 *   shift (6), 44 FAT sectors, 48 first directory sector, 56 mini stream
 *   cutoff (4096), 60 first mini FAT sector, 64 mini FAT sectors, 68 first
 *   DIFAT sector, 72 DIFAT sectors, 76 the first 109 DIFAT entries.
 *
 * Sector s lies at (s + 1) * sector size: the header fills sector -1. Every
 * sector a table or chain names is claimed once (cfb.use): a sector claimed
 * twice is a loop or a cross-link, so no walk can run forever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "msi/msi.h"

static const uint8_t cfb_magic[8] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };

static const char *use_name(enum cfb_use u)
{
	switch (u) {
	case CU_FAT: return "the FAT";
	case CU_DIFAT: return "the DIFAT";
	case CU_DIRECTORY: return "the directory";
	case CU_MINIFAT: return "the mini FAT";
	case CU_MINISTREAM: return "the mini stream";
	case CU_STREAM: return "a stream";
	default: return "nothing";
	}
}

/* Claims sector s for `use`. */
static int claim(struct cfb *c, uint64_t s, enum cfb_use use, const char *what, char *why,
		 size_t whylen)
{
	if (s >= c->nsect)
		ST_PARSE_FAIL("%s names sector %llu, past the end of the file (%llu sectors)", what,
			      (unsigned long long)s, (unsigned long long)c->nsect);
	if (c->use[s] != CU_NONE)
		ST_PARSE_FAIL("sector %llu belongs to %s and to %s: a loop or a cross-link",
			      (unsigned long long)s, use_name((enum cfb_use)c->use[s]), what);
	c->use[s] = (uint8_t)use;
	return ST_OK;
}

/* The whole sector s (it must lie inside the file). */
static int sector(struct cfb *c, uint64_t s, st_span *out, char *why, size_t whylen)
{
	int rc = st_input_window(c->in, cfb_sector_off(c, s), c->ssz, out);

	if (rc > 0)
		ST_PARSE_FAIL("sector %llu is cut short by the end of the file", (unsigned long long)s);
	return rc;
}

int cfb_chain(struct cfb *c, uint32_t start, enum cfb_use use, const char *what,
	      uint32_t **out, uint64_t *n, char *why, size_t whylen)
{
	uint32_t *v = NULL, s = start;
	uint64_t k = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while (s != CFB_ENDOFCHAIN) {
		if (s > CFB_MAXREGSECT) {
			free(v);
			ST_PARSE_FAIL("the chain of %s runs into a %s entry", what,
				      s == CFB_FREESECT ? "free" : "table-sector");
		}
		if ((rc = claim(c, s, use, what, why, whylen))) {
			free(v);
			return rc;
		}
		if (k == cap) {
			/* claim() bounds the chain by the sectors of the file */
			uint64_t nc = cap ? cap * 2 : 16;
			uint32_t *nv = realloc(v, (size_t)nc * sizeof(*v));
			if (!nv) {
				free(v);
				return ST_ENOMEM;
			}
			v = nv;
			cap = nc;
		}
		v[k++] = s;
		s = c->fat[s];
	}
	*out = v;
	*n = k;
	return ST_OK;
}

/* The FAT sectors' numbers: the header's 109, then the DIFAT chain's. */
static int fat_sectors(struct cfb *c, st_span h, uint32_t nfat, uint32_t **out, char *why,
		       size_t whylen)
{
	uint32_t *list, difat, ndifat, per = c->ssz / 4 - 1, k = 0;
	int rc;

	(void)st_read_u32le(h, 68, &difat);
	(void)st_read_u32le(h, 72, &ndifat);
	list = malloc(((size_t)nfat + 1) * sizeof(*list));
	if (!list)
		return ST_ENOMEM;
	for (uint32_t i = 0; i < 109 && k < nfat; i++)
		(void)st_read_u32le(h, 76 + 4 * (uint64_t)i, &list[k++]);
	for (uint32_t d = 0; k < nfat; d++) {
		st_span s;
		if (d >= ndifat || difat > CFB_MAXREGSECT) {
			free(list);
			ST_PARSE_FAIL("the header counts %u FAT sectors; the DIFAT lists %u", nfat, k);
		}
		if ((rc = claim(c, difat, CU_DIFAT, "the DIFAT", why, whylen)) ||
		    (rc = sector(c, difat, &s, why, whylen))) {
			free(list);
			return rc;
		}
		for (uint32_t i = 0; i < per && k < nfat; i++)
			(void)st_read_u32le(s, 4 * (uint64_t)i, &list[k++]);
		(void)st_read_u32le(s, 4 * (uint64_t)per, &difat);
	}
	*out = list;
	return ST_OK;
}

int cfb_read_tables(struct cfb *c, char *why, size_t whylen)
{
	uint16_t major, order, shift, mshift;
	uint32_t nfat, cutoff, per, *fatsec = NULL;
	st_span h;
	int rc;

	if (c->in->size < 512)
		ST_PARSE_FAIL("%llu bytes: shorter than a compound file header",
			      (unsigned long long)c->in->size);
	if ((rc = st_input_window(c->in, 0, 512, &h)))
		return rc < 0 ? rc : ST_PARSE_MALFORMED;
	if (memcmp(h.data, cfb_magic, sizeof(cfb_magic)) != 0)
		ST_PARSE_FAIL("not a compound file");
	(void)st_read_u16le(h, 26, &major);
	(void)st_read_u16le(h, 28, &order);
	(void)st_read_u16le(h, 30, &shift);
	(void)st_read_u16le(h, 32, &mshift);
	(void)st_read_u32le(h, 44, &nfat);
	(void)st_read_u32le(h, 56, &cutoff);
	(void)st_read_u32le(h, 48, &c->first_dir);
	(void)st_read_u32le(h, 60, &c->first_minifat);
	if (order != 0xFFFE)
		ST_PARSE_FAIL("byte order mark %#x, not 0xfffe", order);
	if (!((major == 3 && shift == 9) || (major == 4 && shift == 12)))
		ST_PARSE_FAIL("version %u with %u-byte sectors: only 3 with 512 and 4 with 4096 exist",
			      major, shift < 32 ? 1u << shift : 0u);
	if (mshift != 6 || cutoff != 4096)
		ST_PARSE_FAIL("mini sectors of 2^%u bytes below %u bytes: the format fixes 64 and 4096",
			      mshift, cutoff);
	c->major = major;
	c->shift = shift;
	c->ssz = 1u << shift;
	if (c->in->size < (uint64_t)c->ssz * 2)
		ST_PARSE_FAIL("%llu bytes: no room for a sector after the header",
			      (unsigned long long)c->in->size);
	c->nsect = (c->in->size - c->ssz + c->ssz - 1) >> shift;
	if (c->nsect > ST_LIMIT_CFB_SECTORS)
		return snprintf(why, whylen, "%llu sectors: more than %llu",
				(unsigned long long)c->nsect,
				(unsigned long long)ST_LIMIT_CFB_SECTORS), ST_PARSE_LIMIT;
	per = c->ssz / 4;
	if (nfat == 0 || nfat > c->nsect)
		ST_PARSE_FAIL("%u FAT sectors in a file of %llu sectors", nfat,
			      (unsigned long long)c->nsect);
	c->fat = malloc((size_t)c->nsect * sizeof(*c->fat));
	c->use = calloc((size_t)c->nsect, 1);
	if (!c->fat || !c->use)
		return ST_ENOMEM;
	/* Sectors the FAT does not reach are free: a file may end in them. */
	memset(c->fat, 0xFF, (size_t)c->nsect * sizeof(*c->fat));
	if ((rc = fat_sectors(c, h, nfat, &fatsec, why, whylen)))
		return rc;
	for (uint32_t i = 0; i < nfat; i++) {
		st_span s;
		uint64_t first = (uint64_t)i * per;
		if ((rc = claim(c, fatsec[i], CU_FAT, "the FAT", why, whylen)) ||
		    (rc = sector(c, fatsec[i], &s, why, whylen)))
			break;
		for (uint32_t k = 0; k < per && first + k < c->nsect; k++)
			(void)st_read_u32le(s, 4 * (uint64_t)k, &c->fat[first + k]);
	}
	free(fatsec);
	return rc;
}

long cfb_find(const struct cfb *c, uint32_t st, const char *name)
{
	const struct cfb_entry *p = &c->e[st];
	size_t n = strlen(name);

	for (uint32_t i = 0; i < p->nkids; i++) {
		const struct cfb_entry *e = &c->e[p->kids[i]];
		bool same = e->name_len == 2 * (n + 1);
		for (size_t k = 0; same && k < n; k++)
			same = e->raw[2 * k] == (uint8_t)name[k] && e->raw[2 * k + 1] == 0;
		if (same)
			return (long)p->kids[i];
	}
	return -1;
}

struct collect {
	uint8_t *b;
	size_t at;
};

static int collect(void *arg, const uint8_t *p, size_t n)
{
	struct collect *c = arg;

	memcpy(c->b + c->at, p, n);   /* the ranges add up to the stream's size */
	c->at += n;
	return ST_OK;
}

int cfb_read_stream(struct cfb *c, const struct cfb_entry *e, uint64_t max, uint8_t **buf,
		    size_t *len)
{
	struct collect k = { NULL, 0 };
	int rc = ST_OK;

	*buf = NULL;
	*len = 0;
	if (e->size > max)
		return ST_PARSE_LIMIT;
	if (!(k.b = malloc(e->size ? (size_t)e->size : 1)))
		return ST_ENOMEM;
	for (size_t i = 0; i < e->nranges && rc == ST_OK; i++) {
		const struct st_range *r = &c->ranges[e->range0 + i];
		rc = st_input_each(c->in, r->off, r->len, collect, &k);
	}
	if (rc) {
		free(k.b);
		return rc;
	}
	*buf = k.b;
	*len = k.at;
	return ST_OK;
}

/* Windows Installer stores table and stream names compressed: a UTF-16
 * unit 0x3800..0x47FF packs two characters of the 64-character alphabet
 * below (low six bits first), 0x4800..0x483F one, 0x4840 marks a table. */
static const char msi_alphabet[] =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._";

void cfb_name(const struct cfb_entry *e, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return;
	for (uint16_t i = 0; i + 1 < e->name_len && i + 1 < 64; i += 2) {
		unsigned u = (unsigned)e->raw[i] | (unsigned)e->raw[i + 1] << 8;
		char tmp[8];
		int w;
		if (u == 0)
			break;
		if (u >= 0x3800 && u < 0x4800)
			w = snprintf(tmp, sizeof(tmp), "%c%c", msi_alphabet[(u - 0x3800) & 0x3f],
				     msi_alphabet[((u - 0x3800) >> 6) & 0x3f]);
		else if (u >= 0x4800 && u < 0x4840)
			w = snprintf(tmp, sizeof(tmp), "%c", msi_alphabet[u - 0x4800]);
		else if (u == 0x4840)
			w = snprintf(tmp, sizeof(tmp), "!");
		else if (u >= 0x20 && u < 0x7f)
			w = snprintf(tmp, sizeof(tmp), "%c", (char)u);
		else
			w = snprintf(tmp, sizeof(tmp), "\\u%04x", u);
		if (w < 0 || (size_t)w >= len - o)
			break;
		memcpy(buf + o, tmp, (size_t)w);
		o += (size_t)w;
	}
	buf[o] = 0;
}

int cfb_open(struct cfb *c, struct st_input *in, char *why, size_t whylen)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->in = in;
	c->ds = c->dse = -1;
	if ((rc = cfb_read_tables(c, why, whylen)) || (rc = cfb_read_directory(c, why, whylen)))
		return rc;
	c->ds = cfb_find(c, 0, "\005DigitalSignature");
	c->dse = cfb_find(c, 0, "\005MsiDigitalSignatureEx");
	return ST_OK;
}

void cfb_close(struct cfb *c)
{
	if (c->e)
		for (uint32_t i = 0; i < c->ne; i++)
			free(c->e[i].kids);
	free(c->e);
	free(c->fat);
	free(c->use);
	free(c->minifat);
	free(c->mini_sectors);
	free(c->mini_used);
	free(c->ranges);
	memset(c, 0, sizeof(*c));
}

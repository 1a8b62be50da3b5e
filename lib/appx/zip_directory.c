/*
 * The ZIP layout of a package (APPNOTE 6.3): the end of central directory
 * record (found from the end, its comment reaching the end of the file),
 * the zip64 locator and end record when present, the central directory,
 * and each entry's local header and the extent of its local record (header,
 * data, data descriptor), which the AXPC digest covers.
 */
#include <stdlib.h>
#include <string.h>

#include "appx/appx.h"
#include "core/limits.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_Z64_EOCD 0x06064b50u
#define SIG_Z64_LOCATOR 0x07064b50u
#define SIG_DESCRIPTOR 0x08074b50u

static int find_eocd(struct zip *z, char *why, size_t whylen)
{
	uint64_t size = z->in->size, span = size < 65557 ? size : 65557;
	st_span t;
	int rc;

	if (size < 22)
		ST_PARSE_FAIL("%llu bytes: too short for a ZIP end record", (unsigned long long)size);
	if ((rc = st_input_view(z->in, size - span, span, &t)))
		return rc < 0 ? rc : ST_PARSE_MALFORMED;
	for (uint64_t i = span - 22 + 1; i-- > 0;) {
		uint32_t sig;
		uint16_t clen;
		if (!st_read_u32le(t, i, &sig) || sig != SIG_EOCD || !st_read_u16le(t, i + 20, &clen) ||
		    i + 22 + clen != span)
			continue;
		z->eocd_off = size - span + i;
		(void)st_read_u16le(t, i + 8, &z->eocd_entries_disk);
		(void)st_read_u16le(t, i + 10, &z->eocd_entries);
		(void)st_read_u32le(t, i + 12, &z->eocd_cd_size);
		(void)st_read_u32le(t, i + 16, &z->eocd_cd_off);
		z->eocd_comment_len = clen;
		return ST_OK;
	}
	ST_PARSE_FAIL("no ZIP end of central directory record");
}

static int read_zip64(struct zip *z, uint64_t *entries, char *why, size_t whylen)
{
	uint64_t z64;
	uint32_t sig;
	st_span l, r;
	int rc;

	if (z->eocd_off < 20)
		return ST_OK;
	if ((rc = st_input_view(z->in, z->eocd_off - 20, 20, &l)))
		return rc < 0 ? rc : ST_PARSE_MALFORMED;
	if (!st_read_u32le(l, 0, &sig) || sig != SIG_Z64_LOCATOR)
		return ST_OK;
	z->zip64 = true;
	(void)st_read_u32le(l, 4, &z->loc_disk);
	(void)st_read_u64le(l, 8, &z64);
	(void)st_read_u32le(l, 16, &z->loc_disks);
	if (z64 > z->eocd_off - 20 || z->eocd_off - 20 - z64 < 56)
		ST_PARSE_FAIL("the zip64 locator points at %llu, not before itself",
			      (unsigned long long)z64);
	if ((rc = st_input_view(z->in, z64, 56, &r)))
		return rc < 0 ? rc : ST_PARSE_MALFORMED;
	if (!st_read_u32le(r, 0, &sig) || sig != SIG_Z64_EOCD)
		ST_PARSE_FAIL("no zip64 end record where the locator points");
	z->z64_off = z64;
	(void)st_read_u64le(r, 4, &z->z64_size);
	(void)st_read_u16le(r, 12, &z->z64_made_by);
	(void)st_read_u16le(r, 14, &z->z64_needed);
	(void)st_read_u32le(r, 16, &z->z64_disk);
	(void)st_read_u32le(r, 20, &z->z64_cd_disk);
	(void)st_read_u64le(r, 32, entries);
	(void)st_read_u64le(r, 40, &z->cd_size);
	(void)st_read_u64le(r, 48, &z->cd_off);
	return ST_OK;
}

/* The zip64 extended information of a central record: the fields whose
 * 32-bit (or 16-bit) value is all ones, in order. */
static int zip64_extra(struct zip_entry *e, st_span extra, char *why, size_t whylen)
{
	for (uint64_t at = 0; at + 4 <= extra.len;) {
		uint16_t id, len;
		uint64_t p;
		(void)st_read_u16le(extra, at, &id);
		(void)st_read_u16le(extra, at + 2, &len);
		if (id != 1) {
			at += 4 + (uint64_t)len;
			continue;
		}
		p = at + 4;
		if (e->usize64) {
			if (!st_read_u64le(extra, p, &e->usize))
				break;
			p += 8;
		}
		if (e->csize64) {
			if (!st_read_u64le(extra, p, &e->csize))
				break;
			p += 8;
		}
		if (e->local64) {
			if (!st_read_u64le(extra, p, &e->local))
				break;
			p += 8;
		}
		if (e->disk64 && !st_read_u32le(extra, p, &e->disk))
			break;
		return ST_OK;
	}
	if (e->usize64 || e->csize64 || e->local64 || e->disk64)
		ST_PARSE_FAIL("entry '%s' lacks the zip64 fields its record announces", e->name);
	return ST_OK;
}

static int read_central(struct zip *z, uint64_t count, char *why, size_t whylen)
{
	st_span cd;
	uint64_t at = 0;
	int rc;

	if (count > ST_LIMIT_ZIP_ENTRIES) {
		snprintf(why, whylen, "%llu entries: more than %u", (unsigned long long)count,
			 ST_LIMIT_ZIP_ENTRIES);
		return ST_PARSE_LIMIT;
	}
	if (z->cd_off > z->in->size || z->cd_size > z->in->size - z->cd_off)
		ST_PARSE_FAIL("the central directory [%llu, +%llu) is not inside the file",
			      (unsigned long long)z->cd_off, (unsigned long long)z->cd_size);
	if ((rc = st_input_view(z->in, z->cd_off, z->cd_size, &cd))) {
		if (rc == ST_PARSE_LIMIT)
			snprintf(why, whylen, "a central directory of %llu bytes",
				 (unsigned long long)z->cd_size);
		return rc;
	}
	z->e = calloc(count ? (size_t)count : 1, sizeof(*z->e));
	if (!z->e)
		return ST_ENOMEM;
	for (uint64_t i = 0; i < count; i++) {
		struct zip_entry *e = &z->e[i];
		uint32_t sig, cs, us, lo;
		uint16_t nl, xl, d16;
		st_span name, extra;
		if (!st_read_u32le(cd, at, &sig) || sig != SIG_CENTRAL)
			ST_PARSE_FAIL("central record %llu is not where the directory says",
				      (unsigned long long)i);
		if (!st_read_u16le(cd, at + 28, &nl) || !st_read_u16le(cd, at + 30, &xl) ||
		    !st_read_u16le(cd, at + 32, &e->comment_len) ||
		    !st_span_sub(cd, at + 46, nl, &name) ||
		    !st_span_sub(cd, at + 46 + nl, xl, &extra) ||
		    !st_span_contains(cd, at + 46 + nl + xl, e->comment_len))
			ST_PARSE_FAIL("central record %llu runs past the directory",
				      (unsigned long long)i);
		(void)st_read_u16le(cd, at + 4, &e->made_by);
		(void)st_read_u16le(cd, at + 6, &e->needed);
		(void)st_read_u16le(cd, at + 8, &e->flags);
		(void)st_read_u16le(cd, at + 10, &e->method);
		(void)st_read_u16le(cd, at + 12, &e->mtime);
		(void)st_read_u16le(cd, at + 14, &e->mdate);
		(void)st_read_u32le(cd, at + 16, &e->crc);
		(void)st_read_u32le(cd, at + 20, &cs);
		(void)st_read_u32le(cd, at + 24, &us);
		(void)st_read_u16le(cd, at + 34, &d16);
		(void)st_read_u16le(cd, at + 36, &e->internal);
		(void)st_read_u32le(cd, at + 38, &e->external);
		(void)st_read_u32le(cd, at + 42, &lo);
		e->name_len = nl;
		z->n = i + 1;   /* zip_close() frees its name from here on */
		if (!(e->name = malloc((size_t)nl + 1)))
			return ST_ENOMEM;
		memcpy(e->name, name.data, nl);
		e->name[nl] = 0;
		if (memchr(e->name, 0, nl))
			ST_PARSE_FAIL("central record %llu has a NUL byte in its name",
				      (unsigned long long)i);
		e->csize = cs;
		e->usize = us;
		e->local = lo;
		e->disk = d16;
		e->csize64 = cs == 0xFFFFFFFFu;
		e->usize64 = us == 0xFFFFFFFFu;
		e->local64 = lo == 0xFFFFFFFFu;
		e->disk64 = d16 == 0xFFFF;
		if ((rc = zip64_extra(e, extra, why, whylen)))
			return rc;
		e->cd_off = z->cd_off + at;
		e->cd_len = 46u + nl + xl + e->comment_len;
		at += e->cd_len;
	}
	return ST_OK;
}

/* The local header of e, and the extent of its local record. */
static int read_local(struct zip *z, struct zip_entry *e, char *why, size_t whylen)
{
	uint32_t sig;
	uint64_t after;
	st_span h, nm;
	int rc;

	if (e->local > z->in->size || z->in->size - e->local < 30)
		ST_PARSE_FAIL("entry '%s' places its local header at %llu, outside the file", e->name,
			      (unsigned long long)e->local);
	/* Views, not the window: local headers lie all over a large file, and
	 * each window read would fetch 256 KiB for 30 bytes. */
	if ((rc = st_input_view(z->in, e->local, 30, &h))) {
		snprintf(why, whylen, "the local headers read pass %llu bytes",
			 (unsigned long long)ST_LIMIT_VIEW_BYTES);
		return rc;
	}
	if (!st_read_u32le(h, 0, &sig) || sig != SIG_LOCAL)
		ST_PARSE_FAIL("entry '%s' has no local header at %llu", e->name,
			      (unsigned long long)e->local);
	(void)st_read_u16le(h, 4, &e->l_needed);
	(void)st_read_u16le(h, 6, &e->l_flags);
	(void)st_read_u16le(h, 8, &e->l_method);
	(void)st_read_u16le(h, 10, &e->l_mtime);
	(void)st_read_u16le(h, 12, &e->l_mdate);
	(void)st_read_u16le(h, 26, &e->l_name_len);
	(void)st_read_u16le(h, 28, &e->l_extra_len);
	e->data_off = e->local + 30 + e->l_name_len + e->l_extra_len;
	if (e->l_name_len != e->name_len || e->data_off > z->in->size ||
	    e->csize > z->in->size - e->data_off)
		ST_PARSE_FAIL("entry '%s': its local record does not fit the file or its name",
			      e->name);
	if ((rc = st_input_view(z->in, e->local + 30, e->l_name_len, &nm))) {
		snprintf(why, whylen, "the local headers read pass %llu bytes",
			 (unsigned long long)ST_LIMIT_VIEW_BYTES);
		return rc;
	}
	if (memcmp(nm.data, e->name, e->name_len) != 0)
		ST_PARSE_FAIL("entry '%s' has another name in its local header", e->name);
	if (e->l_method != e->method)
		ST_PARSE_FAIL("entry '%s': its local header and central record disagree on its "
			      "compression", e->name);
	after = e->data_off + e->csize;
	if (e->l_flags & 8) {
		st_span d;
		uint64_t dl = z->zip64 ? 20 : 12;
		if (after + 4 <= z->in->size &&
		    st_input_view(z->in, after, 4, &d) == ST_OK && st_read_u32le(d, 0, &sig) &&
		    sig == SIG_DESCRIPTOR)
			dl += 4;
		after += dl;
		if (after > z->in->size)
			ST_PARSE_FAIL("entry '%s': its data descriptor runs past the file", e->name);
	}
	e->end = after;
	return ST_OK;
}

static int by_local(const void *a, const void *b)
{
	const struct zip_entry *x = *(const struct zip_entry *const *)a;
	const struct zip_entry *y = *(const struct zip_entry *const *)b;

	return x->local < y->local ? -1 : x->local > y->local;
}

int zip_open(struct zip *z, struct st_input *in, char *why, size_t whylen)
{
	uint64_t count;
	int rc;

	memset(z, 0, sizeof(*z));
	z->in = in;
	if ((rc = find_eocd(z, why, whylen)))
		return rc;
	count = z->eocd_entries;
	z->cd_size = z->eocd_cd_size;
	z->cd_off = z->eocd_cd_off;
	if ((rc = read_zip64(z, &count, why, whylen)))
		return rc;
	return read_central(z, count, why, whylen);
}

int zip_read_locals(struct zip *z, char *why, size_t whylen)
{
	struct zip_entry **order;
	int rc = ST_OK;

	for (size_t i = 0; i < z->n; i++)
		if ((rc = read_local(z, &z->e[i], why, whylen)))
			return rc;
	/* Local records may not overlap one another or the directory. */
	if (!(order = malloc((z->n ? z->n : 1) * sizeof(*order))))
		return ST_ENOMEM;
	for (size_t i = 0; i < z->n; i++)
		order[i] = &z->e[i];
	qsort(order, z->n, sizeof(*order), by_local);
	for (size_t i = 0; i < z->n && rc == ST_OK; i++) {
		uint64_t next = i + 1 < z->n ? order[i + 1]->local : z->cd_off;
		if (order[i]->end > next) {
			snprintf(why, whylen, "the local record of '%s' overlaps what follows it",
				 order[i]->name);
			rc = ST_PARSE_MALFORMED;
		}
	}
	z->by_offset = order;
	return rc;
}

void zip_close(struct zip *z)
{
	for (size_t i = 0; z->e && i < z->n; i++)
		free(z->e[i].name);
	free(z->e);
	free(z->by_offset);
	memset(z, 0, sizeof(*z));
}

const struct zip_entry *zip_find(const struct zip *z, const char *name)
{
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->e[i].name, name) == 0)
			return &z->e[i];
	return NULL;
}

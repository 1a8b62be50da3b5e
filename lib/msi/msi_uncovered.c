/*
 * Bytes of a compound file that no digest covers. The MSI digest hashes
 * the streams' bytes and the storages' CLSIDs only (msi_digest.c): the
 * header, the tables, free space and anything after the last sector are
 * outside it, so they can change, or carry something else, under a valid
 * signature. CVE-2020-1464 ("GlueBall", in the wild from August 2018,
 * fixed by Windows on 2020-08-11) appended a JAR to a signed MSI: Java
 * reads a ZIP from its end, and Windows called the file validly signed.
 *
 * Appended bytes: after the end of the last sector any table or chain
 * uses. Sectors of zeros there are padding; anything else is reported
 * (trailing_data), also when the FAT was rewritten to mark those sectors
 * in use: the FAT is not hashed either. Inside the file: free and
 * orphaned sectors, the slack after a stream's last byte, unused mini
 * sectors, the header's padding (version 4), when they hold non-zero
 * bytes, and directory entries outside the tree (uncovered_data).
 */
#include <string.h>

#include "msi/msi.h"

#define FOUND 100   /* stops st_input_each() at the first non-zero byte */

static int any_nonzero(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return FOUND;
	return ST_OK;
}

/* Whether [off, off+len) holds a non-zero byte. */
static int nonzero(struct cfb *c, uint64_t off, uint64_t len, bool *out)
{
	int rc = st_input_each(c->in, off, len, any_nonzero, NULL);

	*out = rc == FOUND;
	return rc == FOUND ? ST_OK : rc;
}

static void first(struct msi_uncovered *u, uint64_t off)
{
	if (!u->first_off || off < u->first_off)
		u->first_off = off;
}

/* The slack of [.., end) up to the next multiple of unit, inside the file. */
static int slack(struct cfb *c, struct msi_uncovered *u, uint64_t end, uint64_t unit)
{
	uint64_t stop = (end + unit - 1) / unit * unit;
	bool nz;
	int rc;

	if (stop > c->in->size)
		stop = c->in->size;
	if (stop <= end)
		return ST_OK;
	if ((rc = nonzero(c, end, stop - end, &nz)))
		return rc;
	if (nz) {
		u->slack_bytes += stop - end;
		first(u, end);
	}
	return ST_OK;
}

int msi_find_uncovered(struct cfb *c, struct msi_uncovered *u)
{
	uint64_t last = 0, allocated = 0;
	bool any = false, nz;
	int rc;

	memset(u, 0, sizeof(*u));
	for (uint64_t s = 0; s < c->nsect; s++)
		if (c->use[s] != CU_NONE) {
			last = s;
			any = true;
		}
	u->end = any ? cfb_sector_off(c, last) + c->ssz : c->ssz;
	if (u->end < c->in->size) {
		if ((rc = nonzero(c, u->end, c->in->size - u->end, &nz)))
			return rc;
		if (nz) {
			u->appended = c->in->size - u->end;
			for (uint64_t s = any ? last + 1 : 0; s < c->nsect; s++)
				allocated += c->fat[s] != CFB_FREESECT;
			u->appended_allocated = allocated;
		}
	}
	for (uint64_t s = 0; any && s < last; s++) {
		if (c->use[s] != CU_NONE)
			continue;
		if ((rc = nonzero(c, cfb_sector_off(c, s), c->ssz, &nz)))
			return rc;
		if (!nz)
			continue;
		if (c->fat[s] == CFB_FREESECT)
			u->free_sectors++;
		else
			u->orphan_sectors++;
		first(u, cfb_sector_off(c, s));
	}
	if (c->ssz > 512) {
		if ((rc = nonzero(c, 512, c->ssz - 512, &nz)))
			return rc;
		if (nz) {
			u->slack_bytes += c->ssz - 512;
			first(u, 512);
		}
	}
	for (uint32_t i = 0; i < c->ne; i++) {
		const struct cfb_entry *e = &c->e[i];
		if (!e->reached && (e->type == CFB_STREAM || e->type == CFB_STORAGE)) {
			if (!u->orphan_entries++)
				cfb_name(e, u->orphan_name, sizeof(u->orphan_name));
			continue;
		}
		if (!e->reached || e->type != CFB_STREAM || !e->nranges)
			continue;
		const struct st_range *r = &c->ranges[e->range0 + e->nranges - 1];
		if ((rc = slack(c, u, r->off + r->len, e->size >= 4096 ? c->ssz : CFB_MINI_SIZE)))
			return rc;
	}
	/* The mini stream: its unused mini sectors and its last sector's
	 * tail. */
	for (uint64_t m = 0; c->mini_used && m < c->ministream_size / CFB_MINI_SIZE; m++) {
		uint64_t at = m * CFB_MINI_SIZE, off;
		if (c->mini_used[m])
			continue;
		off = cfb_sector_off(c, c->mini_sectors[at >> c->shift]) + (at & (c->ssz - 1));
		if (off + CFB_MINI_SIZE > c->in->size)
			continue;
		if ((rc = nonzero(c, off, CFB_MINI_SIZE, &nz)))
			return rc;
		if (nz) {
			u->slack_bytes += CFB_MINI_SIZE;
			first(u, off);
		}
	}
	if (c->nmini_sectors && c->ministream_size % c->ssz) {
		uint64_t at = c->ministream_size;
		uint64_t off = cfb_sector_off(c, c->mini_sectors[(at - 1) >> c->shift]) +
			       (at & (c->ssz - 1));
		if ((rc = slack(c, u, off, c->ssz)))
			return rc;
	}
	return ST_OK;
}

/*
 * The compound file's directory (MS-CFB 2.6): 128-byte entries in the
 * directory chain, entry 0 the root storage. A storage's children form a
 * red-black tree through the left and right sibling fields, its `child`
 * field pointing at one of them. Streams under the mini stream cutoff
 * (4096 bytes) live in 64-byte mini sectors of the mini stream (the root's
 * own chain), chained by the mini FAT; larger ones in sectors chained by
 * the FAT.
 *
 * The tree is walked with an explicit stack (osslsigncode writes siblings
 * as a list thousands deep), each entry reached at most once, storages
 * nested at most ST_LIMIT_CFB_DEPTH deep.
 */
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "msi/msi.h"

/* Appends [off, off+len) to stream e's ranges, merged with its last one
 * when contiguous (never with another stream's). */
static int add_range(struct cfb *c, const struct cfb_entry *e, uint64_t off, uint64_t len)
{
	struct st_range *last = c->nranges > e->range0 ? &c->ranges[c->nranges - 1] : NULL;

	if (last && last->off + last->len == off) {
		last->len += len;
		return ST_OK;
	}
	if (c->nranges == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 64;
		struct st_range *nr = realloc(c->ranges, nc * sizeof(*nr));
		if (!nr)
			return ST_ENOMEM;
		c->ranges = nr;
		c->cap = nc;
	}
	c->ranges[c->nranges++] = (struct st_range){ off, len };
	return ST_OK;
}

static int read_entries(struct cfb *c, char *why, size_t whylen)
{
	uint32_t *dirs, per = c->ssz / CFB_ENTRY_SIZE;
	uint64_t nd, total;
	int rc = cfb_chain(c, c->first_dir, CU_DIRECTORY, "the directory", &dirs, &nd, why, whylen);

	if (rc)
		return rc;
	total = nd * per;
	if (nd == 0) {
		free(dirs);
		ST_PARSE_FAIL("the directory is empty");
	}
	if (total > ST_LIMIT_CFB_ENTRIES) {
		free(dirs);
		snprintf(why, whylen, "%llu directory entries: more than %u",
			 (unsigned long long)total, ST_LIMIT_CFB_ENTRIES);
		return ST_PARSE_LIMIT;
	}
	c->e = calloc((size_t)total, sizeof(*c->e));
	if (!c->e) {
		free(dirs);
		return ST_ENOMEM;
	}
	c->ne = (uint32_t)total;
	for (uint64_t d = 0; d < nd && rc == ST_OK; d++) {
		st_span s;
		rc = st_input_window(c->in, cfb_sector_off(c, dirs[d]), c->ssz, &s);
		if (rc > 0) {
			snprintf(why, whylen, "directory sector %u is cut short by the end of the file",
				 dirs[d]);
			rc = ST_PARSE_MALFORMED;
		}
		for (uint32_t k = 0; rc == ST_OK && k < per; k++) {
			struct cfb_entry *e = &c->e[d * per + k];
			st_span r;
			uint32_t lo;
			(void)st_span_sub(s, (uint64_t)k * CFB_ENTRY_SIZE, CFB_ENTRY_SIZE, &r);
			memcpy(e->raw, r.data, CFB_ENTRY_SIZE);
			(void)st_read_u16le(r, 64, &e->name_len);
			(void)st_read_u8(r, 66, &e->type);
			(void)st_read_u32le(r, 68, &e->left);
			(void)st_read_u32le(r, 72, &e->right);
			(void)st_read_u32le(r, 76, &e->child);
			(void)st_read_u32le(r, 116, &e->start);
			/* Version 3 files may leave garbage in the size's high
			 * half (MS-CFB 2.6.3): only the low half counts. */
			if (c->major == 3) {
				(void)st_read_u32le(r, 120, &lo);
				e->size = lo;
			} else {
				(void)st_read_u64le(r, 120, &e->size);
			}
		}
	}
	free(dirs);
	return rc;
}

/* The mini stream's sectors and the mini FAT. */
static int read_mini(struct cfb *c, char *why, size_t whylen)
{
	struct cfb_entry *root = &c->e[0];
	uint32_t *sec;
	uint64_t n, cap;
	int rc;

	c->ministream_size = root->size;
	if (root->size) {
		if ((rc = cfb_chain(c, root->start, CU_MINISTREAM, "the mini stream",
				    &c->mini_sectors, &c->nmini_sectors, why, whylen)))
			return rc;
		if (!st_mul_u64(c->nmini_sectors, c->ssz, &cap) || cap < root->size)
			ST_PARSE_FAIL("the mini stream's %llu bytes do not fit its %llu sectors",
				      (unsigned long long)root->size,
				      (unsigned long long)c->nmini_sectors);
		c->mini_used = calloc((size_t)(root->size / CFB_MINI_SIZE) + 1, 1);
		if (!c->mini_used)
			return ST_ENOMEM;
	}
	if (c->first_minifat == CFB_ENDOFCHAIN || c->first_minifat == CFB_FREESECT)
		return ST_OK;
	if ((rc = cfb_chain(c, c->first_minifat, CU_MINIFAT, "the mini FAT", &sec, &n, why,
			    whylen)))
		return rc;
	c->nminifat = n * (c->ssz / 4);
	c->minifat = malloc(c->nminifat ? (size_t)c->nminifat * 4 : 4);
	if (!c->minifat) {
		free(sec);
		return ST_ENOMEM;
	}
	for (uint64_t i = 0; i < n; i++) {
		st_span s;
		rc = st_input_window(c->in, cfb_sector_off(c, sec[i]), c->ssz, &s);
		if (rc) {
			free(sec);
			if (rc > 0)
				ST_PARSE_FAIL("a mini FAT sector is cut short by the end of the file");
			return rc;
		}
		for (uint32_t k = 0; k < c->ssz / 4; k++)
			(void)st_read_u32le(s, 4 * (uint64_t)k, &c->minifat[i * (c->ssz / 4) + k]);
	}
	free(sec);
	return ST_OK;
}

/* The children of storage `st`: its sibling tree, walked with `stack`. */
static int children(struct cfb *c, uint32_t st, uint32_t *stack, char *why, size_t whylen)
{
	struct cfb_entry *p = &c->e[st];
	uint32_t sp = 0, cap = 0;
	char name[96];

	if (p->child == CFB_NOSTREAM)
		return ST_OK;
	stack[sp++] = p->child;
	while (sp) {
		uint32_t i = stack[--sp];
		struct cfb_entry *e;
		if (i >= c->ne)
			ST_PARSE_FAIL("a directory link names entry %u of %u", i, c->ne);
		e = &c->e[i];
		if (e->reached)
			ST_PARSE_FAIL("directory entry %u is reached twice: a loop", i);
		e->reached = true;
		if (e->type != CFB_STORAGE && e->type != CFB_STREAM)
			ST_PARSE_FAIL("directory entry %u in the tree has type %u", i, e->type);
		if (e->name_len < 2 || e->name_len > 64 || e->name_len % 2) {
			cfb_name(e, name, sizeof(name));
			ST_PARSE_FAIL("directory entry %u ('%s') has a name length of %u bytes", i,
				      name, e->name_len);
		}
		if (p->nkids == cap) {
			uint32_t nc = cap ? cap * 2 : 8;
			uint32_t *nk = realloc(p->kids, (size_t)nc * sizeof(*nk));
			if (!nk)
				return ST_ENOMEM;
			p->kids = nk;
			cap = nc;
		}
		p->kids[p->nkids++] = i;
		/* every entry is pushed at most once per link; reached entries
		 * fail above, so the stack never holds more than ne + 2 */
		if (e->left != CFB_NOSTREAM)
			stack[sp++] = e->left;
		if (e->right != CFB_NOSTREAM)
			stack[sp++] = e->right;
		if (sp > c->ne)
			ST_PARSE_FAIL("the sibling tree under entry %u has more links than entries", st);
	}
	return ST_OK;
}

/* Where the bytes of stream e lie: sectors through the FAT, or mini
 * sectors through the mini FAT. */
static int stream_ranges(struct cfb *c, struct cfb_entry *e, char *why, size_t whylen)
{
	char name[96];
	int rc;

	e->range0 = c->nranges;
	if (e->size == 0)
		return ST_OK;
	cfb_name(e, name, sizeof(name));
	if (e->size >= 4096) {
		uint64_t need = (e->size + c->ssz - 1) >> c->shift, n;
		uint32_t *sec;
		if ((rc = cfb_chain(c, e->start, CU_STREAM, "a stream", &sec, &n, why, whylen)))
			return rc;
		if (n < need) {
			free(sec);
			ST_PARSE_FAIL("stream '%s' holds %llu bytes in a chain of %llu sectors", name,
				      (unsigned long long)e->size, (unsigned long long)n);
		}
		/* Sectors chained past the stream's end hold nothing it
		 * reads: they count as orphans (msi_uncovered.c). */
		for (uint64_t i = need; i < n; i++)
			c->use[sec[i]] = CU_NONE;
		for (uint64_t i = 0; i < need && rc == ST_OK; i++) {
			uint64_t off = cfb_sector_off(c, sec[i]);
			uint64_t len = i + 1 < need ? c->ssz : e->size - (i << c->shift);
			if (off + len > c->in->size) {
				free(sec);
				ST_PARSE_FAIL("stream '%s' runs past the end of the file", name);
			}
			rc = add_range(c, e, off, len);
		}
		free(sec);
		if (rc)
			return rc;
	} else {
		uint64_t need = (e->size + CFB_MINI_SIZE - 1) / CFB_MINI_SIZE;
		uint32_t m = e->start;
		for (uint64_t i = 0; i < need; i++) {
			uint64_t at = (uint64_t)m * CFB_MINI_SIZE, off;
			uint64_t len = i + 1 < need ? CFB_MINI_SIZE : e->size - i * CFB_MINI_SIZE;
			if (m >= c->nminifat || at + len > c->ministream_size)
				ST_PARSE_FAIL("stream '%s' names mini sector %u, outside the mini stream",
					      name, m);
			if (c->mini_used[m])
				ST_PARSE_FAIL("mini sector %u is used twice (stream '%s')", m, name);
			c->mini_used[m] = 1;
			off = cfb_sector_off(c, c->mini_sectors[at >> c->shift]) + (at & (c->ssz - 1));
			if (off + len > c->in->size)
				ST_PARSE_FAIL("stream '%s' runs past the end of the file", name);
			if ((rc = add_range(c, e, off, len)))
				return rc;
			m = c->minifat[m];
		}
	}
	e->nranges = c->nranges - e->range0;
	return ST_OK;
}

int cfb_read_directory(struct cfb *c, char *why, size_t whylen)
{
	uint32_t *stack = NULL, *queue = NULL, *depth = NULL, qn = 0;
	int rc;

	if ((rc = read_entries(c, why, whylen)))
		return rc;
	if (c->e[0].type != CFB_ROOT)
		ST_PARSE_FAIL("directory entry 0 has type %u, not the root storage", c->e[0].type);
	if ((rc = read_mini(c, why, whylen)))
		return rc;
	stack = malloc(((size_t)c->ne + 2) * sizeof(*stack));
	queue = malloc((size_t)c->ne * sizeof(*queue));
	depth = malloc((size_t)c->ne * sizeof(*depth));
	if (!stack || !queue || !depth) {
		rc = ST_ENOMEM;
		goto out;
	}
	c->e[0].reached = true;
	queue[qn] = 0;
	depth[qn++] = 0;
	for (uint32_t q = 0; q < qn && rc == ST_OK; q++) {
		struct cfb_entry *p = &c->e[queue[q]];
		c->storages++;
		if ((rc = children(c, queue[q], stack, why, whylen)))
			break;
		for (uint32_t k = 0; k < p->nkids && rc == ST_OK; k++) {
			struct cfb_entry *e = &c->e[p->kids[k]];
			if (e->type == CFB_STREAM) {
				c->streams++;
				rc = stream_ranges(c, e, why, whylen);
			} else if (depth[q] + 1 > ST_LIMIT_CFB_DEPTH) {
				snprintf(why, whylen, "storages nested deeper than %d",
					 ST_LIMIT_CFB_DEPTH);
				rc = ST_PARSE_LIMIT;
			} else {
				queue[qn] = p->kids[k];
				depth[qn++] = depth[q] + 1;
			}
		}
	}
out:
	free(stack);
	free(queue);
	free(depth);
	return rc;
}

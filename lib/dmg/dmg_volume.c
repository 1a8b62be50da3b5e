/*
 * The volume inside a UDIF disk image. The XML resource plist's "blkx"
 * array holds one base64 "mish" block per partition of the image; each
 * maps a run of the disk's 512-byte sectors to chunks of the data fork:
 * raw, zero-filled, or compressed (zlib, bzip2; Apple's LZFSE, LZMA and
 * ADC are not read). The disk is handed to the disk-image format as a
 * member ("X.dmg//disk"), read through udif_read, which decodes the chunk
 * a read falls in (one decoded chunk kept), so that TSK finds its
 * partition map (Apple, GPT, none) and file system (HFS+, APFS, FAT) and
 * every file inside is verified like any file of an image.
 *
 * Written by hand: no Debian library reads UDIF's chunk tables. The plist
 * itself is read with libplist.
 */
#include <bzlib.h>
#include <errno.h>
#include <inttypes.h>
#include <plist/plist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/format.h"
#include "core/limits.h"
#include "core/reader.h"
#include "core/result.h"
#include "dmg/dmg.h"

enum {
	CHUNK_ZERO = 0x00000000,
	CHUNK_RAW = 0x00000001,
	CHUNK_IGNORE = 0x00000002,
	CHUNK_ADC = 0x80000004,
	CHUNK_ZLIB = 0x80000005,
	CHUNK_BZIP2 = 0x80000006,
	CHUNK_LZFSE = 0x80000007,
	CHUNK_LZMA = 0x80000008,
	CHUNK_COMMENT = 0x7ffffffe,
	CHUNK_END = 0xffffffff,
};

struct chunk {
	uint32_t type;
	uint64_t sector, count;    /* on the disk */
	uint64_t off, len;         /* in the file */
};

struct udif {
	struct st_input *in;
	struct chunk *v;
	size_t n, cap;
	uint64_t sectors;          /* the disk's size */
	/* the chunk decoded last */
	size_t cached;
	bool have;
	uint8_t *buf;
	char why[160];             /* what makes the volume unreadable */
};

/* One mish block: its chunks, checked against the data fork. False with
 * u->why set when it cannot be used. */
static bool add_mish(struct udif *u, const uint8_t *m, uint64_t len, uint64_t data_off, uint64_t data_len)
{
	st_span ms = st_span_make(m, len);
	uint64_t first, nsect, base;
	uint32_t nchunks;

	if (len < 204 || memcmp(m, "mish", 4) != 0 || !st_read_u64be(ms, 8, &first) ||
	    !st_read_u64be(ms, 16, &nsect) || !st_read_u64be(ms, 24, &base) || !st_read_u32be(ms, 200, &nchunks)) {
		snprintf(u->why, sizeof(u->why), "a blkx entry is not a mish block");
		return false;
	}
	if (nchunks > (len - 204) / 40 || u->n + nchunks > ST_LIMIT_DMG_CHUNKS) {
		snprintf(u->why, sizeof(u->why), "a mish block claims %" PRIu32 " chunks (at most %d in all)", nchunks,
			 ST_LIMIT_DMG_CHUNKS);
		return false;
	}
	if (first > UINT64_MAX / 512 || nsect > UINT64_MAX / 512 - first) {
		snprintf(u->why, sizeof(u->why), "a mish block's sectors overflow");
		return false;
	}
	for (uint32_t i = 0; i < nchunks; i++) {
		uint64_t c = 204 + 40 * (uint64_t)i;
		struct chunk k;
		if (!st_read_u32be(ms, c, &k.type) || !st_read_u64be(ms, c + 8, &k.sector) ||
		    !st_read_u64be(ms, c + 16, &k.count) || !st_read_u64be(ms, c + 24, &k.off) ||
		    !st_read_u64be(ms, c + 32, &k.len)) {
			snprintf(u->why, sizeof(u->why), "a mish block's chunk table is cut short");
			return false;
		}
		if (k.type == CHUNK_END)
			break;
		if (k.type == CHUNK_COMMENT || k.count == 0)
			continue;
		/* Sectors relative to the block, offsets to the data fork
		 * (plus the block's data offset). */
		if (k.sector > nsect || k.count > nsect - k.sector) {
			snprintf(u->why, sizeof(u->why), "a chunk lies outside its mish block's sectors");
			return false;
		}
		k.sector += first;
		if (k.type != CHUNK_ZERO && k.type != CHUNK_IGNORE) {
			if (k.off > UINT64_MAX - base || k.off + base > data_len || k.len > data_len - (k.off + base) ||
			    data_off > UINT64_MAX - (k.off + base)) {
				snprintf(u->why, sizeof(u->why), "a chunk lies outside the data fork");
				return false;
			}
			k.off += base + data_off;
		}
		if (k.type == CHUNK_ADC || k.type == CHUNK_LZFSE || k.type == CHUNK_LZMA) {
			snprintf(u->why, sizeof(u->why), "its chunks are compressed with %s, which sigtrace does not read",
				 k.type == CHUNK_ADC ? "ADC" : k.type == CHUNK_LZFSE ? "LZFSE" : "LZMA");
			return false;
		}
		if (k.type != CHUNK_ZERO && k.type != CHUNK_IGNORE && k.type != CHUNK_RAW && k.type != CHUNK_ZLIB &&
		    k.type != CHUNK_BZIP2) {
			snprintf(u->why, sizeof(u->why), "a chunk of unknown type 0x%08" PRIx32, k.type);
			return false;
		}
		if (k.count > ST_LIMIT_DMG_CHUNK_BYTES / 512) {
			snprintf(u->why, sizeof(u->why), "a chunk of %" PRIu64 " sectors (at most %llu bytes decoded)",
				 k.count, (unsigned long long)ST_LIMIT_DMG_CHUNK_BYTES);
			return false;
		}
		if (u->n == u->cap) {
			size_t nc = u->cap ? u->cap * 2 : 64;
			struct chunk *nv = realloc(u->v, nc * sizeof(*nv));
			if (!nv)
				return false;
			u->v = nv;
			u->cap = nc;
		}
		u->v[u->n++] = k;
		if (k.sector + k.count > u->sectors)
			u->sectors = k.sector + k.count;
	}
	return true;
}

static int by_sector(const void *a, const void *b)
{
	const struct chunk *x = a, *y = b;

	return x->sector < y->sector ? -1 : x->sector > y->sector;
}

/* Decodes chunk i into u->buf (count * 512 bytes). */
static int decode(struct udif *u, size_t i)
{
	const struct chunk *k = &u->v[i];
	size_t out = (size_t)(k->count * 512);
	st_span src;
	int rc;

	if (u->have && u->cached == i)
		return ST_OK;
	u->have = false;
	if ((rc = st_input_view(u->in, k->off, k->len, &src)))
		return rc < 0 ? rc : ST_EIO;
	if (k->type == CHUNK_ZLIB) {
		uLongf n = (uLongf)out;
		if (uncompress(u->buf, &n, src.data, (uLong)src.len) != Z_OK || n != out)
			return ST_EIO;
	} else {
		unsigned int n = (unsigned int)out;
		if (k->len > UINT32_MAX ||
		    BZ2_bzBuffToBuffDecompress((char *)u->buf, &n, (char *)src.data, (unsigned int)src.len, 0, 0) !=
			    BZ_OK ||
		    n != out)
			return ST_EIO;
	}
	u->cached = i;
	u->have = true;
	return ST_OK;
}

/* The disk's bytes [off, off+len): sectors no chunk maps read as zeros. */
static int udif_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct udif *u = arg;
	uint8_t *dst = buf;

	while (len) {
		uint64_t sector = off / 512;
		size_t lo = 0, hi = u->n, take;
		const struct chunk *k = NULL;
		uint64_t in_chunk;
		int rc;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (u->v[mid].sector + u->v[mid].count <= sector)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < u->n && u->v[lo].sector <= sector)
			k = &u->v[lo];
		if (!k) {
			/* A gap: zeros up to the next chunk. */
			uint64_t next = lo < u->n ? u->v[lo].sector * 512 : UINT64_MAX;
			take = next - off < len ? (size_t)(next - off) : len;
			memset(dst, 0, take);
		} else {
			in_chunk = off - k->sector * 512;
			take = k->count * 512 - in_chunk < len ? (size_t)(k->count * 512 - in_chunk) : len;
			switch (k->type) {
			case CHUNK_ZERO:
			case CHUNK_IGNORE:
				memset(dst, 0, take);
				break;
			case CHUNK_RAW: {
				st_span s;
				/* A raw chunk stores count * 512 bytes; less is a
				 * short chunk, read as zeros past its end. */
				uint64_t have = in_chunk < k->len ? k->len - in_chunk : 0;
				size_t n = have < take ? (size_t)have : take;
				memset(dst, 0, take);
				if (n && (rc = st_input_view(u->in, k->off + in_chunk, n, &s)))
					return rc < 0 ? rc : ST_EIO;
				if (n)
					memcpy(dst, s.data, n);
				break;
			}
			default:
				if ((rc = decode(u, (size_t)(k - u->v)))) {
					errno = EIO;
					return rc;
				}
				memcpy(dst, u->buf + in_chunk, take);
			}
		}
		dst += take;
		off += take;
		len -= take;
	}
	return ST_OK;
}

/* The blkx array of the resource plist: mish blocks into u. */
static bool read_blkx(struct udif *u, const uint8_t *xml, size_t len, uint64_t data_off, uint64_t data_len)
{
	plist_t root = NULL, fork, blkx;
	bool ok = true;

	plist_from_xml((const char *)xml, (uint32_t)len, &root);
	if (!root) {
		snprintf(u->why, sizeof(u->why), "its resource plist cannot be read");
		return false;
	}
	fork = plist_get_node_type(root) == PLIST_DICT ? plist_dict_get_item(root, "resource-fork") : NULL;
	blkx = fork && plist_get_node_type(fork) == PLIST_DICT ? plist_dict_get_item(fork, "blkx") : NULL;
	for (uint32_t i = 0; ok && blkx && plist_get_node_type(blkx) == PLIST_ARRAY && i < plist_array_get_size(blkx);
	     i++) {
		plist_t e = plist_array_get_item(blkx, i), d;
		char *data = NULL;
		uint64_t n = 0;
		d = plist_get_node_type(e) == PLIST_DICT ? plist_dict_get_item(e, "Data") : NULL;
		if (!d || plist_get_node_type(d) != PLIST_DATA)
			continue;
		plist_get_data_val(d, &data, &n);
		ok = data && add_mish(u, (const uint8_t *)data, n, data_off, data_len);
		free(data);
	}
	plist_free(root);
	return ok;
}

int dmg_volume(struct st_walk *w, struct st_input *in, struct st_part *part, uint64_t data_off, uint64_t data_len,
	       uint64_t xml_off, uint64_t xml_len)
{
	struct udif u = { .in = in };
	struct st_part *child = NULL;
	st_span xml;
	int rc = ST_OK;

	if (!xml_len)
		return ST_OK;
	if (xml_len > ST_LIMIT_DMG_PLIST)
		return st_reasons_add(&part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				      "a resource plist of %" PRIu64 " bytes (at most %d): the volume is not read",
				      xml_len, ST_LIMIT_DMG_PLIST);
	if (xml_off > in->size || xml_len > in->size - xml_off || data_off > in->size || data_len > in->size - data_off)
		return st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
				      "the resource plist or the data fork lies outside the file: the volume is not read");
	if ((rc = st_input_view(in, xml_off, xml_len, &xml)))
		return rc < 0 ? rc : ST_EIO;
	if (!read_blkx(&u, xml.data, xml.len, data_off, data_len)) {
		rc = *u.why ? st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
					     "the image's volume is not read: %s", u.why)
			    : ST_ENOMEM;
		goto out;
	}
	if (!u.n)
		goto out;   /* no volume (or only zeros): nothing inside */
	qsort(u.v, u.n, sizeof(*u.v), by_sector);
	for (size_t i = 1; i < u.n; i++) {
		if (u.v[i].sector < u.v[i - 1].sector + u.v[i - 1].count) {
			rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
					    "the image's volume is not read: two chunks map the same sectors");
			goto out;
		}
	}
	if (!(u.buf = malloc(ST_LIMIT_DMG_CHUNK_BYTES))) {
		rc = ST_ENOMEM;
		goto out;
	}
	{
		struct st_member m = { .kind = "member", .name = "disk", .format = &st_format_image,
				       .size = u.sectors * 512, .src = { .read = udif_read, .arg = &u } };
		size_t had = part->nchildren;
		rc = st_walk_member(w, in, part, &m, &child);
		if (rc == ST_EIO) {
			/* A chunk that does not decode: the half-made part goes,
			 * the image says why. */
			while (part->nchildren > had) {
				struct st_part *last = part->children[--part->nchildren];
				st_part_clear(last);
				free(last);
			}
			rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
					    "the image's volume cannot be read: a chunk does not decode");
		}
	}
out:
	free(u.buf);
	free(u.v);
	return rc;
}

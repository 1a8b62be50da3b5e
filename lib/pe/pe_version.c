/*
 * The version resource (RT_VERSION): CompanyName, ProductName,
 * OriginalFilename and friends. MetaTwin-style impostors copy these from
 * genuine files, so reports show them next to the signer.
 *
 * Resource tree: type (16 = RT_VERSION) -> first name -> first language ->
 * data entry (RVA, size). The data is a VS_VERSIONINFO tree of blocks
 * {wLength, wValueLength, wType, szKey UTF-16, pad to 4, value, pad to 4,
 * children}. Every length is checked against its parent block.
 */
#include "pe/pe_version.h"

#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

#define RT_VERSION 16

/* Bytes of the resource section at offset `off` (relative to the section),
 * read on their own: only the directories and the version data are read,
 * never the whole section (it holds icons and can be large). */
static bool rsrc_bytes(const struct pe_image *img, uint64_t off, uint64_t len, st_span *out)
{
	if (off > img->rsrc_size || len > img->rsrc_size - off || off + len > UINT32_MAX)
		return false;
	return pe_rva_span(img, img->rsrc_rva + (uint32_t)off, (uint32_t)len, out) == ST_OK;
}

/* Entry `want` (an ID, or any when want < 0) of a resource directory at
 * dir_off; returns its OffsetToData or false. */
static bool rsrc_lookup(const struct pe_image *img, uint32_t dir_off, int want, uint32_t *to)
{
	uint16_t named, ids;
	uint32_t total;
	st_span dir;

	if (!rsrc_bytes(img, dir_off, 16, &dir) || !st_read_u16le(dir, 12, &named) ||
	    !st_read_u16le(dir, 14, &ids))
		return false;
	total = (uint32_t)named + ids;
	if (total > ST_LIMIT_RSRC_ENTRIES)
		total = ST_LIMIT_RSRC_ENTRIES;
	if (!rsrc_bytes(img, (uint64_t)dir_off + 16, (uint64_t)total * 8, &dir))
		return false;
	for (uint32_t i = 0; i < total; i++) {
		uint64_t e = (uint64_t)i * 8;
		uint32_t name, data;

		if (!st_read_u32le(dir, e, &name) || !st_read_u32le(dir, e + 4, &data))
			return false;
		if (want < 0 || (!(name & 0x80000000u) && name == (uint32_t)want)) {
			*to = data;
			return true;
		}
	}
	return false;
}

struct block {
	uint16_t len, vlen, type;
	st_span key;       /* UTF-16 key without the terminator */
	st_span value;
	st_span children;
};

/* Parses the block at off inside s (offsets relative to the data start,
 * which is where 4-byte alignment is counted from). */
static bool parse_block(st_span s, uint64_t off, struct block *b)
{
	uint64_t k, end, v, c, vbytes;
	st_span blk;

	if (!st_read_u16le(s, off, &b->len) || !st_read_u16le(s, off + 2, &b->vlen) ||
	    !st_read_u16le(s, off + 4, &b->type) || b->len < 6)
		return false;
	if (!st_span_sub(s, off, b->len, &blk))
		return false;
	end = off + b->len;
	for (k = off + 6; k + 1 < end; k += 2)
		if (s.data[k] == 0 && s.data[k + 1] == 0)
			break;
	if (k + 1 >= end)
		return false;
	b->key = st_span_make(s.data + off + 6, (size_t)(k - (off + 6)));
	if (!st_align_up_u64(k + 2, 4, &v))
		return false;
	if (v > end)
		v = end;
	/* wValueLength counts WORDs for text values (wType 1). */
	vbytes = b->type == 1 ? (uint64_t)b->vlen * 2 : b->vlen;
	if (v + vbytes > end)
		vbytes = end - v;
	b->value = st_span_make(s.data + v, (size_t)vbytes);
	if (!st_align_up_u64(v + vbytes, 4, &c))
		return false;
	if (c > end)
		c = end;
	b->children = st_span_make(s.data + c, (size_t)(end - c));
	return true;
}

static bool key_is(const struct block *b, const char *ascii)
{
	size_t n = strlen(ascii);

	if (b->key.len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (b->key.data[2 * i] != (uint8_t)ascii[i] || b->key.data[2 * i + 1] != 0)
			return false;
	return true;
}

/* Iterates the children blocks of a span: calls fn for each. */
static int each_child(st_span kids, int (*fn)(st_span, uint64_t, void *), void *arg)
{
	uint64_t off = 0;
	size_t count = 0;

	while (off + 6 <= kids.len && count++ < ST_LIMIT_RSRC_ENTRIES) {
		uint16_t len;
		uint64_t next;
		int rc;

		if (!st_read_u16le(kids, off, &len) || len < 6)
			break;
		rc = fn(kids, off, arg);
		if (rc)
			return rc;
		if (!st_align_up_u64(off + len, 4, &next))
			break;
		off = next;
	}
	return ST_OK;
}

struct version_ctx {
	struct st_part *part;
	const st_property_decl *const *decls;   /* per key of st_version_keys */
};

static int on_string(st_span s, uint64_t off, void *arg)
{
	struct version_ctx *vc = arg;
	struct block b;

	if (!parse_block(s, off, &b))
		return ST_OK;
	for (size_t i = 0; i < PE_VERSION_KEYS; i++) {
		char *v;
		int rc;

		if (st_props_find(&vc->part->props, vc->decls[i]->key) ||
		    !key_is(&b, pe_version_keys[i]))
			continue;
		v = st_utf16le_to_utf8(b.value.data, b.value.len, ST_LIMIT_VERSION_STRING);
		if (!v)
			return ST_ENOMEM;
		rc = st_props_set_str(&vc->part->props, vc->decls[i], v);
		free(v);
		if (rc)
			return rc;
	}
	return ST_OK;
}

static int on_table(st_span s, uint64_t off, void *arg)
{
	struct block b;

	if (!parse_block(s, off, &b))
		return ST_OK;
	return each_child(b.children, on_string, arg);
}

static int on_top_child(st_span s, uint64_t off, void *arg)
{
	struct block b;

	if (!parse_block(s, off, &b) || !key_is(&b, "StringFileInfo"))
		return ST_OK;
	return each_child(b.children, on_table, arg);
}

const char *const pe_version_keys[PE_VERSION_KEYS] = {
	"CompanyName", "ProductName", "OriginalFilename", "FileDescription", "FileVersion",
};

int pe_version_read(const struct pe_image *img, struct st_part *part,
		    const st_property_decl *const *decls)
{
	struct version_ctx vc = { part, decls };
	st_span ent, data;
	uint32_t to, data_rva, data_size;
	struct block root;

	if (!img->rsrc_rva || !img->rsrc_size)
		return ST_OK;
	if (!rsrc_lookup(img, 0, RT_VERSION, &to) || !(to & 0x80000000u))
		return ST_OK;
	if (!rsrc_lookup(img, to & 0x7fffffffu, -1, &to) || !(to & 0x80000000u))
		return ST_OK;
	if (!rsrc_lookup(img, to & 0x7fffffffu, -1, &to) || (to & 0x80000000u))
		return ST_OK;
	if (!rsrc_bytes(img, to, 8, &ent) || !st_read_u32le(ent, 0, &data_rva) ||
	    !st_read_u32le(ent, 4, &data_size))
		return ST_OK;
	/* A version resource is a few KiB; a larger one is not read. */
	if (data_size > ST_LIMIT_VERSION_BYTES ||
	    pe_rva_span(img, data_rva, data_size, &data) != ST_OK)
		return ST_OK;
	if (!parse_block(data, 0, &root) || !key_is(&root, "VS_VERSION_INFO"))
		return ST_OK;
	return each_child(root.children, on_top_child, &vc);
}

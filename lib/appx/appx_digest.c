/*
 * The APPX digest: "APPX", then tagged hashes (the block map's algorithm,
 * the one SpcIndirectData names):
 *
 *   AXPC  every entry's local record but the signature's: the local
 *         header (CRC and sizes zero when a data descriptor follows), the
 *         compressed data, the descriptor with its signature
 *   AXCD  the central directory without the signature's record, each
 *         record with only its zip64 field as extra data, then the zip64
 *         end record and locator (when the package has them) and the end
 *         record, their counts, size and offset those of the directory
 *         without the signature (the disk numbers of the end record zero)
 *   AXCT  [Content_Types].xml, uncompressed
 *   AXBM  AppxBlockMap.xml, uncompressed
 *   AXCI  AppxMetadata/CodeIntegrity.cat, uncompressed, when present
 *
 * The records' byte rules are osslsigncode's (appx.c, which signs and
 * verifies packages Windows installs); docs/appx.md has the sources.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "appx/appx.h"
#include "authenticode/spc.h"
#include "core/digest.h"
#include "core/limits.h"

#define SIG_DESCRIPTOR 0x08074b50u

static const struct {
	char tag[5];
	const char *what;
} records[] = {
	{ "AXPC", "AXPC (the files' local records)" },
	{ "AXCD", "AXCD (the central directory)" },
	{ "AXCT", "AXCT ([Content_Types].xml)" },
	{ "AXBM", "AXBM (AppxBlockMap.xml)" },
	{ "AXCI", "AXCI (AppxMetadata/CodeIntegrity.cat)" },
};

static bool put16(EVP_MD_CTX *md, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	return EVP_DigestUpdate(md, b, 2);
}

static bool put32(EVP_MD_CTX *md, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	return EVP_DigestUpdate(md, b, 4);
}

static bool put64(EVP_MD_CTX *md, uint64_t v)
{
	return put32(md, (uint32_t)v) && put32(md, (uint32_t)(v >> 32));
}

static int hash_range(struct zip *z, EVP_MD_CTX *md, uint64_t off, uint64_t len)
{
	return st_input_each(z->in, off, len, st_digest_update, md);
}

/* One entry's local record; *size its length as hashed. */
static int hash_local(struct zip *z, EVP_MD_CTX *md, const struct zip_entry *e, uint64_t *size)
{
	st_span h;
	int rc;

	if ((rc = st_input_window(z->in, e->local, 30, &h)))
		return rc < 0 ? rc : ST_EIO;
	{
		uint8_t hdr[30];
		memcpy(hdr, h.data, 30);
		if (e->l_flags & 8)
			memset(hdr + 14, 0, 12);
		if (!EVP_DigestUpdate(md, hdr, 30))
			return ST_ENOMEM;
	}
	if ((rc = hash_range(z, md, e->local + 30, e->data_off - e->local - 30 + e->csize)))
		return rc;
	*size = e->data_off - e->local + e->csize;
	if (e->l_flags & 8) {
		uint64_t at = e->data_off + e->csize, flen = z->zip64 ? 20 : 12;
		uint32_t sig = 0;
		st_span d;
		if ((rc = st_input_window(z->in, at, 4, &d)))
			return rc < 0 ? rc : ST_EIO;
		(void)st_read_u32le(d, 0, &sig);
		if (sig == SIG_DESCRIPTOR)
			at += 4;
		if (!put32(md, SIG_DESCRIPTOR))
			return ST_ENOMEM;
		if ((rc = hash_range(z, md, at, flen)))
			return rc;
		*size += 4 + flen;
	}
	return ST_OK;
}

static int hash_central(struct zip *z, EVP_MD_CTX *md, const struct zip_entry *e)
{
	uint16_t chunk = (uint16_t)(8 * (e->usize64 + e->csize64 + e->local64) + 4 * e->disk64);
	bool ok = put32(md, 0x02014b50u) && put16(md, e->made_by) && put16(md, e->needed) &&
		  put16(md, e->flags) && put16(md, e->method) && put16(md, e->mtime) &&
		  put16(md, e->mdate) && put32(md, e->crc) &&
		  put32(md, e->csize64 ? 0xFFFFFFFFu : (uint32_t)e->csize) &&
		  put32(md, e->usize64 ? 0xFFFFFFFFu : (uint32_t)e->usize) &&
		  put16(md, e->name_len) &&
		  put16(md, (uint16_t)(e->cd_len - 46 - e->name_len - e->comment_len)) &&
		  put16(md, e->comment_len) && put16(md, e->disk64 ? 0xFFFF : (uint16_t)e->disk) &&
		  put16(md, e->internal) && put32(md, e->external) &&
		  put32(md, e->local64 ? 0xFFFFFFFFu : (uint32_t)e->local) &&
		  EVP_DigestUpdate(md, e->name, e->name_len);

	if (ok && chunk) {
		ok = put16(md, 1) && put16(md, chunk) && (!e->usize64 || put64(md, e->usize)) &&
		     (!e->csize64 || put64(md, e->csize)) && (!e->local64 || put64(md, e->local)) &&
		     (!e->disk64 || put32(md, e->disk));
	}
	if (!ok)
		return ST_ENOMEM;
	return e->comment_len
		? hash_range(z, md, e->cd_off + e->cd_len - e->comment_len, e->comment_len)
		: ST_OK;
}

static int finish(EVP_MD_CTX *md, const char *tag, uint8_t *out, unsigned *at)
{
	unsigned n = 0;

	memcpy(out + *at, tag, 4);
	if (!EVP_DigestFinal_ex(md, out + *at + 4, &n))
		return ST_ENOMEM;
	*at += 4 + n;
	return ST_OK;
}

/* An entry's uncompressed bytes into a record. A CRC that does not match
 * is no obstacle: the bytes were changed, and the record says so. */
static int hash_entry(struct zip *z, const EVP_MD *alg, EVP_MD_CTX *md, const char *name,
		      const char *tag, uint8_t *out, unsigned *at, st_reasons *rs)
{
	const struct zip_entry *e = zip_find(z, name);
	char why[256] = "";
	int rc;

	if (!e)
		return ST_OK;
	if (e->usize > ST_LIMIT_APPX_XML)
		return st_reasons_add(rs, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				      "'%s' holds %llu bytes, more than %llu", name,
				      (unsigned long long)e->usize,
				      (unsigned long long)ST_LIMIT_APPX_XML) ? ST_ENOMEM : 1;
	if (!EVP_DigestInit_ex(md, alg, NULL))
		return ST_ENOMEM;
	rc = zip_stream(z, e, st_digest_update, md, why, sizeof(why));
	if (rc == ZIP_CRC_MISMATCH)
		rc = ST_OK;
	if (rc > 0)
		return st_reasons_add(rs, ST_R_MALFORMED_APPX, ST_EFFECT_DEFAULT, "%s", why)
			? ST_ENOMEM : 1;
	return rc ? rc : finish(md, tag, out, at);
}

/* AXPC over the records as byte ranges, when no entry has a data
 * descriptor (their fields are hashed rewritten): ST_OK, 1 when some entry
 * has one, or ST_E*. */
static int axpc_ranges(struct zip *z, const struct zip_entry *sig, const EVP_MD *alg,
		       uint8_t *out, unsigned *at, uint64_t *cd_off)
{
	struct st_hash_out h = { .nid = EVP_MD_get_type(alg) };
	struct st_range *r;
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < z->n; i++)
		if (&z->e[i] != sig && (z->e[i].l_flags & 8))
			return 1;
	if (!(r = malloc((z->n ? z->n : 1) * sizeof(*r))))
		return ST_ENOMEM;
	for (size_t i = 0; i < z->n; i++) {
		if (&z->e[i] == sig)
			continue;
		r[k++] = (struct st_range){ z->e[i].local, z->e[i].end - z->e[i].local };
		*cd_off += z->e[i].end - z->e[i].local;
	}
	rc = st_hash_pass(z->in, r, k, &h, 1);
	free(r);
	if (rc)
		return rc;
	memcpy(out + *at, "AXPC", 4);
	memcpy(out + *at + 4, h.md, h.len);
	*at += 4 + h.len;
	return ST_OK;
}

int appx_digest(struct zip *z, const struct zip_entry *sig, int md_nid, uint8_t *out,
		unsigned *outlen, st_reasons *rs)
{
	const EVP_MD *alg = EVP_get_digestbynid(md_nid);
	uint64_t cd_off = 0, cd_size = 0, n = 0;
	unsigned at = 4;
	EVP_MD_CTX *md;
	int rc = ST_OK;

	if (!alg || 4 + 5 * (4 + (unsigned)EVP_MD_get_size(alg)) > ST_SPC_DIGEST_MAX)
		return ST_EINVAL;
	for (const char *need = "[Content_Types].xml"; need;
	     need = strcmp(need, "AppxBlockMap.xml") ? "AppxBlockMap.xml" : NULL)
		if (!zip_find(z, need))
			return st_reasons_add(rs, ST_R_MALFORMED_APPX, ST_EFFECT_DEFAULT,
					      "the package has no %s", need) ? ST_ENOMEM : 1;
	if (!(md = EVP_MD_CTX_new()))
		return ST_ENOMEM;
	memcpy(out, "APPX", 4);
	/* AXPC. Without data descriptors the records are hashed as they lie:
	 * byte ranges for st_hash_pass(), which takes the whole file's SHA-256
	 * in the same read. */
	rc = axpc_ranges(z, sig, alg, out, &at, &cd_off);
	if (rc == 1) {
		rc = EVP_DigestInit_ex(md, alg, NULL) ? ST_OK : ST_ENOMEM;
		for (size_t i = 0; i < z->n && rc == ST_OK; i++) {
			uint64_t size = 0;
			if (&z->e[i] == sig)
				continue;
			rc = hash_local(z, md, &z->e[i], &size);
			cd_off += size;
		}
		if (rc == ST_OK)
			rc = finish(md, "AXPC", out, &at);
	}
	/* AXCD */
	if (rc == ST_OK && !EVP_DigestInit_ex(md, alg, NULL))
		rc = ST_ENOMEM;
	for (size_t i = 0; i < z->n && rc == ST_OK; i++) {
		if (&z->e[i] == sig)
			continue;
		rc = hash_central(z, md, &z->e[i]);
		cd_size += z->e[i].cd_len;
		n++;
	}
	if (rc == ST_OK && z->zip64 &&
	    !(put32(md, 0x06064b50u) && put64(md, z->z64_size) && put16(md, z->z64_made_by) &&
	      put16(md, z->z64_needed) && put32(md, z->z64_disk) && put32(md, z->z64_cd_disk) &&
	      put64(md, n) && put64(md, n) && put64(md, cd_size) && put64(md, cd_off) &&
	      put32(md, 0x07064b50u) && put32(md, z->loc_disk) && put64(md, cd_off + cd_size) &&
	      put32(md, z->loc_disks)))
		rc = ST_ENOMEM;
	if (rc == ST_OK &&
	    !(put32(md, 0x06054b50u) && put16(md, 0) && put16(md, 0) &&
	      put16(md, z->eocd_entries_disk == 0xFFFF ? 0xFFFF : (uint16_t)n) &&
	      put16(md, z->eocd_entries == 0xFFFF ? 0xFFFF : (uint16_t)n) &&
	      put32(md, z->eocd_cd_size == 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)cd_size) &&
	      put32(md, z->eocd_cd_off == 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)cd_off) &&
	      put16(md, z->eocd_comment_len)))
		rc = ST_ENOMEM;
	if (rc == ST_OK && z->eocd_comment_len)
		rc = hash_range(z, md, z->eocd_off + 22, z->eocd_comment_len);
	if (rc == ST_OK)
		rc = finish(md, "AXCD", out, &at);
	if (rc == ST_OK)
		rc = hash_entry(z, alg, md, "[Content_Types].xml", "AXCT", out, &at, rs);
	if (rc == ST_OK)
		rc = hash_entry(z, alg, md, "AppxBlockMap.xml", "AXBM", out, &at, rs);
	if (rc == ST_OK)
		rc = hash_entry(z, alg, md, "AppxMetadata/CodeIntegrity.cat", "AXCI", out, &at, rs);
	EVP_MD_CTX_free(md);
	*outlen = at;
	return rc;
}

/* The record tagged `tag` in an APPX digest, or NULL. */
static const uint8_t *record(const uint8_t *d, size_t len, const char *tag, size_t hlen)
{
	if (len < 4 || memcmp(d, "APPX", 4) != 0)
		return NULL;
	for (size_t at = 4; at + 4 + hlen <= len; at += 4 + hlen)
		if (memcmp(d + at, tag, 4) == 0)
			return d + at + 4;
	return NULL;
}

void appx_digest_diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, char *buf,
		      size_t len)
{
	size_t o = 0, hlen = 0;

	buf[0] = 0;
	/* the hash length: the computed digest has four or five records */
	if (blen >= 4 + 4 * 36 && (blen - 4) % 5 == 0 && blen - 4 >= 5 * 36)
		hlen = (blen - 4) / 5 - 4;
	else if (blen > 4 && (blen - 4) % 4 == 0)
		hlen = (blen - 4) / 4 - 4;
	for (size_t r = 0; hlen && r < sizeof(records) / sizeof(records[0]); r++) {
		const uint8_t *x = record(a, alen, records[r].tag, hlen);
		const uint8_t *y = record(b, blen, records[r].tag, hlen);
		int w;
		if ((!x && !y) || (x && y && memcmp(x, y, hlen) == 0))
			continue;
		w = snprintf(buf + o, len - o, "%s%s%s", o ? ", " : "", records[r].what,
			     !x ? " (not signed)" : !y ? " (missing)" : "");
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
}

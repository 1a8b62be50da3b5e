/*
 * The Authenticode digest of a Windows Installer file, as Windows' MSI SIP
 * computes it (facts and sources: docs/msi.md):
 *
 *   each storage, the root first: its children ordered by their stored
 *   UTF-16LE names compared byte by byte (the terminating NUL included, so
 *   a name sorts before the longer names it begins; equal bytes: the longer
 *   first), the root's two signature streams skipped; a stream adds its
 *   bytes (an empty one nothing), a storage recurses; then the storage's
 *   16-byte CLSID as stored.
 *
 * With "\x05MsiDigitalSignatureEx" the digest first takes the pre-hash: the
 * digest, same algorithm, of every entry's metadata in the same walk, a
 * storage's record before its children: name bytes without the NUL (not
 * for the root), the CLSID (root, storages) or the low 4 bytes of the size
 * (streams), the 4 state bytes, the creation and modification FILETIMEs
 * (not for the root). The stream itself holds that pre-hash.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "msi/msi.h"

static bool is_signature(const struct cfb *c, uint32_t st, const struct cfb_entry *e)
{
	long i = e - c->e;

	return st == 0 && e->type == CFB_STREAM && (i == c->ds || i == c->dse);
}

static int by_stored_name(const void *x, const void *y)
{
	const struct cfb_entry *a = *(const struct cfb_entry *const *)x;
	const struct cfb_entry *b = *(const struct cfb_entry *const *)y;
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int d = memcmp(a->raw, b->raw, n);

	if (d)
		return d;
	return a->name_len > b->name_len ? -1 : a->name_len < b->name_len;
}

/* Storage st's children in Windows' order (malloc'd). */
static struct cfb_entry **ordered(struct cfb *c, uint32_t st)
{
	const struct cfb_entry *p = &c->e[st];
	struct cfb_entry **v = malloc((p->nkids ? p->nkids : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (uint32_t i = 0; i < p->nkids; i++)
		v[i] = &c->e[p->kids[i]];
	qsort(v, p->nkids, sizeof(*v), by_stored_name);
	return v;
}

static int hash_stream(struct cfb *c, EVP_MD_CTX *md, const struct cfb_entry *e)
{
	int rc = ST_OK;

	for (size_t i = 0; i < e->nranges && rc == ST_OK; i++) {
		const struct st_range *r = &c->ranges[e->range0 + i];
		rc = st_input_each(c->in, r->off, r->len, st_digest_update, md);
	}
	return rc;
}

static int content(struct cfb *c, EVP_MD_CTX *md, uint32_t st)
{
	struct cfb_entry **v = ordered(c, st);
	int rc = ST_OK;

	if (!v)
		return ST_ENOMEM;
	for (uint32_t i = 0; i < c->e[st].nkids && rc == ST_OK; i++) {
		if (is_signature(c, st, v[i]))
			continue;
		if (v[i]->type == CFB_STREAM)
			rc = hash_stream(c, md, v[i]);
		else
			rc = content(c, md, (uint32_t)(v[i] - c->e));
	}
	free(v);
	if (rc == ST_OK && !EVP_DigestUpdate(md, c->e[st].raw + 80, 16))
		rc = ST_ENOMEM;
	return rc;
}

static bool record(EVP_MD_CTX *md, const struct cfb_entry *e)
{
	bool ok = true;

	if (e->type != CFB_ROOT)
		ok = EVP_DigestUpdate(md, e->raw, (size_t)e->name_len - 2);
	if (e->type != CFB_STREAM)
		ok = ok && EVP_DigestUpdate(md, e->raw + 80, 16);
	else
		ok = ok && EVP_DigestUpdate(md, e->raw + 120, 4);
	ok = ok && EVP_DigestUpdate(md, e->raw + 96, 4);
	if (e->type != CFB_ROOT)
		ok = ok && EVP_DigestUpdate(md, e->raw + 100, 16);
	return ok;
}

static int metadata(struct cfb *c, EVP_MD_CTX *md, uint32_t st)
{
	struct cfb_entry **v;
	int rc = ST_OK;

	if (!record(md, &c->e[st]))
		return ST_ENOMEM;
	if (!(v = ordered(c, st)))
		return ST_ENOMEM;
	for (uint32_t i = 0; i < c->e[st].nkids && rc == ST_OK; i++) {
		if (is_signature(c, st, v[i]))
			continue;
		if (v[i]->type == CFB_STREAM)
			rc = record(md, v[i]) ? ST_OK : ST_ENOMEM;
		else
			rc = metadata(c, md, (uint32_t)(v[i] - c->e));
	}
	free(v);
	return rc;
}

int msi_digest(struct cfb *c, int md_nid, bool prehash, uint8_t *out, unsigned *outlen,
	       uint8_t *prehash_out, unsigned *prehash_len)
{
	const EVP_MD *alg = EVP_get_digestbynid(md_nid);
	EVP_MD_CTX *md;
	int rc = ST_OK;

	if (!alg)
		return ST_EINVAL;
	if (!(md = EVP_MD_CTX_new()))
		return ST_ENOMEM;
	if (prehash) {
		if (!EVP_DigestInit_ex(md, alg, NULL))
			rc = ST_ENOMEM;
		if (rc == ST_OK)
			rc = metadata(c, md, 0);
		if (rc == ST_OK && !EVP_DigestFinal_ex(md, prehash_out, prehash_len))
			rc = ST_ENOMEM;
	}
	if (rc == ST_OK && !EVP_DigestInit_ex(md, alg, NULL))
		rc = ST_ENOMEM;
	if (rc == ST_OK && prehash && !EVP_DigestUpdate(md, prehash_out, *prehash_len))
		rc = ST_ENOMEM;
	if (rc == ST_OK)
		rc = content(c, md, 0);
	if (rc == ST_OK && !EVP_DigestFinal_ex(md, out, outlen))
		rc = ST_ENOMEM;
	EVP_MD_CTX_free(md);
	return rc;
}

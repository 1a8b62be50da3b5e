/*
 * Every file of a package against AppxBlockMap.xml, as Windows checks it
 * when it installs or reads a package: the block map lists each file
 * (File Name with backslashes, Size uncompressed, LfhSize) and the hash of
 * each 64 KiB block of its uncompressed bytes (Block Hash, base64), in the
 * algorithm HashMethod names. The signature covers the block map (AXBM), so
 * a file that differs from it is a changed file. Not listed: the signature,
 * the block map, [Content_Types].xml, AppxMetadata/CodeIntegrity.cat and,
 * in bundles, the packages inside (their own signatures cover them).
 *
 * The XML is parsed by libxml2 without network access or entity expansion.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <stdlib.h>
#include <string.h>

#include "appx/appx.h"
#include "core/limits.h"

#define BLOCK 65536u

static const struct {
	const char *uri;
	int nid;
} methods[] = {
	{ "http://www.w3.org/2001/04/xmlenc#sha256", NID_sha256 },
	{ "http://www.w3.org/2001/04/xmldsig-more#sha384", NID_sha384 },
	{ "http://www.w3.org/2001/04/xmlenc#sha512", NID_sha512 },
};

static bool exempt(const char *name, bool bundle)
{
	static const char *const fixed[] = { "AppxSignature.p7x", "AppxBlockMap.xml",
					     "[Content_Types].xml",
					     "AppxMetadata/CodeIntegrity.cat" };
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(name, fixed[i]) == 0)
			return true;
	return bundle && !strchr(name, '/') &&
	       ((n > 5 && (strcasecmp(name + n - 5, ".appx") == 0 ||
			   strcasecmp(name + n - 5, ".msix") == 0)));
}

/* A ZIP name as the block map writes it: OPC percent-escapes decoded,
 * '/' as '\'. */
static void blockmap_name(const char *zip, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; zip[i] && o + 1 < len; i++) {
		unsigned v;
		if (zip[i] == '%' && zip[i + 1] && zip[i + 2] && sscanf(zip + i + 1, "%2x", &v) == 1) {
			out[o++] = (char)v;
			i += 2;
		} else {
			out[o++] = zip[i] == '/' ? '\\' : zip[i];
		}
	}
	out[o] = 0;
}

struct blocks {
	const EVP_MD *alg;
	EVP_MD_CTX *md;
	xmlNode *block;        /* the next Block element */
	size_t in_block;       /* bytes hashed into the current block */
	size_t index;          /* of the current block */
	long bad;              /* first block that differs, or -1 */
	bool missing;          /* more data than blocks */
};

static xmlNode *next_block(xmlNode *n)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "Block") == 0)
			return n;
	return NULL;
}

static int end_block(struct blocks *b)
{
	uint8_t md[EVP_MAX_MD_SIZE], want[EVP_MAX_MD_SIZE + 3];
	unsigned len = 0;
	xmlChar *h;
	int wl = -1;

	if (!EVP_DigestFinal_ex(b->md, md, &len))
		return ST_ENOMEM;
	if (!b->block) {
		b->missing = true;
	} else {
		h = xmlGetProp(b->block, BAD_CAST "Hash");
		if (h && strlen((char *)h) <= 4 * ((EVP_MAX_MD_SIZE + 2) / 3))
			wl = EVP_DecodeBlock(want, h, (int)strlen((char *)h));
		if (wl > 0 && h[strlen((char *)h) - 1] == '=')
			wl -= 1 + (strlen((char *)h) > 1 && h[strlen((char *)h) - 2] == '=');
		xmlFree(h);
		if (b->bad < 0 && (wl != (int)len || memcmp(want, md, len) != 0))
			b->bad = (long)b->index;
		b->block = next_block(b->block->next);
	}
	b->index++;
	b->in_block = 0;
	return EVP_DigestInit_ex(b->md, b->alg, NULL) ? ST_OK : ST_ENOMEM;
}

static int feed(void *arg, const uint8_t *p, size_t n)
{
	struct blocks *b = arg;
	int rc;

	while (n) {
		size_t take = BLOCK - b->in_block < n ? BLOCK - b->in_block : n;
		if (!EVP_DigestUpdate(b->md, p, take))
			return ST_ENOMEM;
		b->in_block += take;
		p += take;
		n -= take;
		if (b->in_block == BLOCK && (rc = end_block(b)))
			return rc;
	}
	return ST_OK;
}

/* One File element against its entry: the first difference into why. */
static int check_file(struct zip *z, const struct zip_entry *e, xmlNode *file,
		      const EVP_MD *alg, bool *differs, char *why, size_t whylen)
{
	struct blocks b = { .alg = alg, .bad = -1 };
	xmlChar *size = xmlGetProp(file, BAD_CAST "Size");
	char err[256] = "";
	int rc;

	*differs = false;
	if (!size || strtoull((char *)size, NULL, 10) != e->usize) {
		snprintf(why, whylen, "'%s' holds %llu bytes; the block map says %s", e->name,
			 (unsigned long long)e->usize, size ? (char *)size : "nothing");
		xmlFree(size);
		*differs = true;
		return ST_OK;
	}
	xmlFree(size);
	if (!(b.md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(b.md, alg, NULL)) {
		EVP_MD_CTX_free(b.md);
		return ST_ENOMEM;
	}
	b.block = next_block(file->children);
	rc = zip_stream(z, e, feed, &b, err, sizeof(err));
	if (rc == ST_OK && b.in_block)
		rc = end_block(&b);
	EVP_MD_CTX_free(b.md);
	if (rc > 0) {
		snprintf(why, whylen, "%s", err);
		*differs = true;
		return ST_OK;
	}
	if (rc)
		return rc;
	if (b.bad >= 0 || b.missing || b.block) {
		*differs = true;
		if (b.bad >= 0)
			snprintf(why, whylen, "'%s': block %ld (bytes from %ld) is not the one the "
				 "block map hashes", e->name, b.bad, b.bad * (long)BLOCK);
		else
			snprintf(why, whylen, "'%s' has %s blocks than the block map lists", e->name,
				 b.missing ? "more" : "fewer");
	}
	return ST_OK;
}

int appx_check_blockmap(struct zip *z, bool bundle, st_reasons *rs, int *hash_nid)
{
	const struct zip_entry *bm = zip_find(z, "AppxBlockMap.xml");
	const EVP_MD *alg = NULL;
	char why[512] = "";
	uint8_t *buf = NULL;
	size_t len = 0;
	bool *listed = NULL;
	xmlDoc *doc = NULL;
	xmlNode *root;
	xmlChar *method = NULL;
	unsigned changed = 0;
	char first[512] = "";
	int rc;

	*hash_nid = NID_undef;
	if (!bm)
		return ST_OK;  /* appx_digest() reports it */
	rc = zip_read(z, bm, ST_LIMIT_APPX_XML, &buf, &len, why, sizeof(why));
	if (rc > 0)
		return st_reasons_add(rs, st_parse_reason(rc, ST_R_MALFORMED_APPX), ST_EFFECT_DEFAULT,
				      "AppxBlockMap.xml cannot be read: %s", why);
	if (rc)
		return rc;
	doc = xmlReadMemory((const char *)buf, (int)len, "AppxBlockMap.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	free(buf);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (root && xmlStrcmp(root->name, BAD_CAST "BlockMap") == 0)
		method = xmlGetProp(root, BAD_CAST "HashMethod");
	for (size_t i = 0; method && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp((char *)method, methods[i].uri) == 0) {
			alg = EVP_get_digestbynid(methods[i].nid);
			*hash_nid = methods[i].nid;
		}
	if (!alg) {
		rc = st_reasons_add(rs, ST_R_MALFORMED_APPX, ST_EFFECT_DEFAULT,
				    "AppxBlockMap.xml is not a block map with a known HashMethod (%s)",
				    method ? (char *)method : "none");
		goto out;
	}
	if (!(listed = calloc(z->n ? z->n : 1, sizeof(*listed)))) {
		rc = ST_ENOMEM;
		goto out;
	}
	for (xmlNode *f = root->children; f && rc == ST_OK; f = f->next) {
		xmlChar *name;
		const struct zip_entry *e = NULL;
		bool differs = false;
		if (f->type != XML_ELEMENT_NODE || xmlStrcmp(f->name, BAD_CAST "File") != 0)
			continue;
		name = xmlGetProp(f, BAD_CAST "Name");
		for (size_t i = 0; name && i < z->n && !e; i++) {
			char bn[1024];
			blockmap_name(z->e[i].name, bn, sizeof(bn));
			if (strcmp(bn, (char *)name) == 0) {
				e = &z->e[i];
				listed[i] = true;
			}
		}
		if (!e) {
			differs = true;
			snprintf(why, sizeof(why), "'%s' is in the block map but not in the package",
				 name ? (char *)name : "?");
		} else {
			rc = check_file(z, e, f, alg, &differs, why, sizeof(why));
		}
		xmlFree(name);
		if (differs && !changed++)
			snprintf(first, sizeof(first), "%s", why);
	}
	for (size_t i = 0; rc == ST_OK && i < z->n; i++) {
		if (listed[i] || exempt(z->e[i].name, bundle))
			continue;
		if (!changed++)
			snprintf(first, sizeof(first), "'%s' is in the package but not in the block map",
				 z->e[i].name);
	}
	if (rc == ST_OK && changed)
		rc = st_reasons_add(rs, ST_R_DIGEST_MISMATCH, ST_EFFECT_DEFAULT,
				    "%u files differ from the signed block map; %s", changed, first);
out:
	free(listed);
	xmlFree(method);
	xmlFreeDoc(doc);
	return rc;
}

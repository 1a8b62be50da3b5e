/*
 * The xar header and table of contents.
 *
 * Header (big-endian): "xar!", u16 header size (28, or more with a
 * checksum name), u16 version 1, u64 compressed TOC length, u64 TOC length,
 * u32 checksum algorithm. The zlib TOC follows the header; the heap follows
 * the TOC, and every offset in the TOC is heap-relative. The TOC is XML
 * (libxml2, no network, no entities); its size is bounded before it is
 * inflated (docs/limits.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "core/limits.h"
#include "xar/xar.h"

const struct evp_md_st *xar_md(const char *style)
{
	if (strcmp(style, "sha1") == 0)
		return EVP_sha1();
	if (strcmp(style, "sha256") == 0)
		return EVP_sha256();
	if (strcmp(style, "sha512") == 0)
		return EVP_sha512();
	if (strcmp(style, "md5") == 0)
		return EVP_md5();
	return NULL;
}

static bool named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

/* The text of n as an unsigned number; false when it is not one. */
static bool number(const xmlNode *n, uint64_t *out)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	char *end;
	bool ok;

	if (!t)
		return false;
	errno = 0;
	*out = strtoull((const char *)t, &end, 10);
	ok = end != (char *)t && *end == '\0' && errno == 0 && t[0] != '-';
	xmlFree(t);
	return ok;
}

static void attr_into(const xmlNode *n, const char *name, char *out, size_t len)
{
	xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;

	out[0] = '\0';
	if (v) {
		size_t k = strlen((const char *)v);
		if (k >= len)
			k = len - 1;
		memcpy(out, v, k);
		out[k] = '\0';
		xmlFree(v);
	}
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
					      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Base64 text (whitespace ignored) into a new buffer. */
static int base64(const xmlNode *n, uint8_t **out, size_t *len)
{
	xmlChar *t = xmlNodeGetContent(n);
	size_t k = 0, tl;
	char *clean;
	int got;

	*out = NULL;
	if (!t)
		return ST_ENOMEM;
	tl = strlen((const char *)t);
	clean = malloc(tl + 1);
	*out = malloc(tl / 4 * 3 + 4);
	if (!clean || !*out) {
		free(clean);
		free(*out);
		*out = NULL;
		xmlFree(t);
		return ST_ENOMEM;
	}
	for (size_t i = 0; i < tl; i++)
		if (t[i] != ' ' && t[i] != '\n' && t[i] != '\r' && t[i] != '\t')
			clean[k++] = (char)t[i];
	xmlFree(t);
	got = k % 4 == 0 ? EVP_DecodeBlock(*out, (unsigned char *)clean, (int)k) : -1;
	if (got >= 0) {
		/* EVP_DecodeBlock counts the padding as zero bytes. */
		while (k && clean[k - 1] == '=' && got > 0) {
			got--;
			k--;
		}
	}
	free(clean);
	if (got <= 0) {
		free(*out);
		*out = NULL;
		return ST_PARSE_MALFORMED;
	}
	*len = (size_t)got;
	return ST_OK;
}

static int read_sig(const xmlNode *n, struct xar_sig *s, char *why, size_t whylen)
{
	const xmlNode *ki, *xd;

	s->present = true;
	attr_into(n, "style", s->style, sizeof(s->style));
	if (!number(child(n, "offset"), &s->offset) || !number(child(n, "size"), &s->size)) {
		snprintf(why, whylen, "a <%s> element has no offset and size", (const char *)n->name);
		return ST_PARSE_MALFORMED;
	}
	ki = child(n, "KeyInfo");
	xd = child(ki, "X509Data");
	for (const xmlNode *c = xd ? xd->children : NULL; c; c = c->next) {
		struct xar_cert *nv;
		int rc;

		if (!named(c, "X509Certificate"))
			continue;
		if (s->ncerts == ST_LIMIT_XAR_CERTS) {
			snprintf(why, whylen, "a signature lists more than %d certificates", ST_LIMIT_XAR_CERTS);
			return ST_PARSE_LIMIT;
		}
		nv = realloc(s->certs, (s->ncerts + 1) * sizeof(*nv));
		if (!nv)
			return ST_ENOMEM;
		s->certs = nv;
		rc = base64(c, &s->certs[s->ncerts].der, &s->certs[s->ncerts].len);
		if (rc == ST_ENOMEM)
			return rc;
		if (rc) {
			snprintf(why, whylen, "a certificate of the <%s> is not base64", (const char *)n->name);
			return rc;
		}
		s->ncerts++;
	}
	return ST_OK;
}

struct walk {
	struct xar *x;
	char *why;
	size_t whylen;
};

/* A <...-checksum style="sha1">hex</...> into style and 64 bytes at most
 * (*len 0 when absent or not hex). */
static void read_cksum(const xmlNode *ck, char style[16], uint8_t out[64], size_t *len)
{
	xmlChar *t;
	size_t tl;

	*len = 0;
	if (!ck)
		return;
	t = xmlNodeGetContent(ck);
	tl = t ? strlen((const char *)t) : 0;
	attr_into(ck, "style", style, 16);
	for (size_t i = 0; t && i < tl && i / 2 < 64 && tl % 2 == 0; i += 2) {
		int hi = hexval(t[i]), lo = hexval(t[i + 1]);
		if (hi < 0 || lo < 0) {
			*len = 0;
			break;
		}
		out[(*len)++] = (uint8_t)(hi << 4 | lo);
	}
	xmlFree(t);
}

static int read_file(struct walk *wk, const xmlNode *n, const char *parent, int depth)
{
	struct xar *x = wk->x;
	const xmlNode *name = child(n, "name"), *data = child(n, "data");
	xmlChar *nm = name ? xmlNodeGetContent(name) : NULL;
	struct xar_file *f, *nv;
	size_t plen, self;
	int rc;

	if (depth > ST_LIMIT_XAR_DEPTH) {
		xmlFree(nm);
		snprintf(wk->why, wk->whylen, "files nested deeper than %d in the TOC", ST_LIMIT_XAR_DEPTH);
		return ST_PARSE_LIMIT;
	}
	if (x->nfiles == ST_LIMIT_XAR_FILES) {
		xmlFree(nm);
		snprintf(wk->why, wk->whylen, "the TOC lists more than %d files", ST_LIMIT_XAR_FILES);
		return ST_PARSE_LIMIT;
	}
	nv = realloc(x->files, (x->nfiles + 1) * sizeof(*nv));
	if (!nv) {
		xmlFree(nm);
		return ST_ENOMEM;
	}
	x->files = nv;
	f = &x->files[x->nfiles];
	memset(f, 0, sizeof(*f));
	plen = strlen(parent) + (nm ? strlen((const char *)nm) : 1) + 2;
	f->path = malloc(plen);
	if (!f->path) {
		xmlFree(nm);
		return ST_ENOMEM;
	}
	snprintf(f->path, plen, "%s%s%s", parent, *parent ? "/" : "", nm ? (const char *)nm : "?");
	xmlFree(nm);
	self = x->nfiles++;
	if (data) {
		const xmlNode *enc = child(data, "encoding");
		f->has_data = true;
		/* <length> is the bytes in the heap (archived, compressed),
		 * <size> the file's extracted size: Distribution in a real
		 * package is gzip-encoded, length 597, size 1466. */
		if (!number(child(data, "offset"), &f->offset) || !number(child(data, "length"), &f->size) ||
		    !number(child(data, "size"), &f->length)) {
			snprintf(wk->why, wk->whylen, "file '%.100s' has no data offset, size and length", f->path);
			return ST_PARSE_MALFORMED;
		}
		attr_into(enc, "style", f->encoding, sizeof(f->encoding));
		read_cksum(child(data, "archived-checksum"), f->cksum_style, f->cksum, &f->cksum_len);
		read_cksum(child(data, "extracted-checksum"), f->xcksum_style, f->xcksum, &f->xcksum_len);
	}
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (named(c, "file")) {
			/* f may move: copy this file's path (by its index) first. */
			char *me = strdup(x->files[self].path);
			if (!me)
				return ST_ENOMEM;
			rc = read_file(wk, c, me, depth + 1);
			free(me);
			if (rc)
				return rc;
		}
	}
	return ST_OK;
}

static int inflate_toc(const uint8_t *src, size_t slen, uint8_t *dst, size_t dlen)
{
	z_stream zs;
	int zr;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return ST_ENOMEM;
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)slen;
	zs.next_out = dst;
	zs.avail_out = (uInt)dlen;
	zr = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	return zr == Z_STREAM_END && zs.total_out == dlen ? ST_OK : ST_PARSE_MALFORMED;
}

int xar_read(struct st_input *in, struct xar *x, char *why, size_t whylen)
{
	st_span h, t;
	uint8_t *toc = NULL;
	xmlDoc *doc = NULL;
	const xmlNode *root, *tc;
	struct walk wk = { x, why, whylen };
	int rc;

	memset(x, 0, sizeof(*x));
	if ((rc = st_input_view(in, 0, XAR_HEADER_MIN, &h)))
		return rc < 0 ? rc : (snprintf(why, whylen, "shorter than a xar header"), ST_PARSE_MALFORMED);
	x->header_size = (uint16_t)(h.data[4] << 8 | h.data[5]);
	x->version = (uint16_t)(h.data[6] << 8 | h.data[7]);
	for (int i = 0; i < 8; i++) {
		x->toc_clen = x->toc_clen << 8 | h.data[8 + i];
		x->toc_len = x->toc_len << 8 | h.data[16 + i];
	}
	x->cksum_alg = (uint32_t)h.data[24] << 24 | (uint32_t)h.data[25] << 16 |
		       (uint32_t)h.data[26] << 8 | h.data[27];
	if (x->header_size < XAR_HEADER_MIN || x->version != 1) {
		snprintf(why, whylen, "xar header size %u, version %u", x->header_size, x->version);
		return ST_PARSE_MALFORMED;
	}
	if (x->toc_clen == 0 || x->toc_len == 0 || x->toc_clen > ST_LIMIT_XAR_TOC ||
	    x->toc_len > ST_LIMIT_XAR_TOC) {
		snprintf(why, whylen, "a table of contents of %llu bytes (%llu compressed)",
			 (unsigned long long)x->toc_len, (unsigned long long)x->toc_clen);
		return x->toc_clen && x->toc_len ? ST_PARSE_LIMIT : ST_PARSE_MALFORMED;
	}
	if (x->toc_clen > in->size - x->header_size || in->size < x->header_size) {
		snprintf(why, whylen, "the table of contents runs past the end of the file");
		return ST_PARSE_MALFORMED;
	}
	x->heap = x->header_size + x->toc_clen;
	if ((rc = st_input_view(in, x->header_size, x->toc_clen, &t)))
		return rc < 0 ? rc : (snprintf(why, whylen, "the table of contents cannot be read"), rc);
	toc = malloc((size_t)x->toc_len);
	if (!toc)
		return ST_ENOMEM;
	rc = inflate_toc(t.data, t.len, toc, (size_t)x->toc_len);
	if (rc) {
		free(toc);
		if (rc > 0)
			snprintf(why, whylen, "the table of contents does not inflate to its stated %llu bytes",
				 (unsigned long long)x->toc_len);
		return rc;
	}
	doc = xmlReadMemory((const char *)toc, (int)x->toc_len, "toc.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	free(toc);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	tc = root && named(root, "xar") ? child(root, "toc") : NULL;
	if (!tc) {
		xmlFreeDoc(doc);
		snprintf(why, whylen, "the table of contents is not a <xar><toc> document");
		return ST_PARSE_MALFORMED;
	}
	rc = ST_OK;
	for (const xmlNode *c = tc->children; c && rc == ST_OK; c = c->next) {
		if (named(c, "checksum")) {
			attr_into(c, "style", x->toc_style, sizeof(x->toc_style));
			x->has_toc_cksum = number(child(c, "offset"), &x->toc_cksum_off) &&
					   number(child(c, "size"), &x->toc_cksum_size);
		} else if (named(c, "signature") && !x->rsa.present) {
			rc = read_sig(c, &x->rsa, why, whylen);
		} else if (named(c, "x-signature") && !x->cms.present) {
			rc = read_sig(c, &x->cms, why, whylen);
		} else if (named(c, "creation-time")) {
			xmlChar *v = xmlNodeGetContent(c);
			if (v && snprintf(x->creation_time, sizeof(x->creation_time), "%s", (const char *)v) < 0)
				x->creation_time[0] = '\0';
			xmlFree(v);
		} else if (named(c, "file")) {
			rc = read_file(&wk, c, "", 0);
		}
	}
	xmlFreeDoc(doc);
	if (rc == ST_OK && xar_md(x->toc_style) && !EVP_Digest(t.data, t.len, x->toc_hash, &x->toc_hash_len,
							       xar_md(x->toc_style), NULL))
		rc = ST_ENOMEM;
	return rc;
}

static void sig_clear(struct xar_sig *s)
{
	for (size_t i = 0; i < s->ncerts; i++)
		free(s->certs[i].der);
	free(s->certs);
}

void xar_clear(struct xar *x)
{
	sig_clear(&x->rsa);
	sig_clear(&x->cms);
	for (size_t i = 0; i < x->nfiles; i++)
		free(x->files[i].path);
	free(x->files);
	memset(x, 0, sizeof(*x));
}

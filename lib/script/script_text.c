/*
 * A script's text as Windows hashes it, and its signature block (script.h).
 *
 * PowerShell's SIP hashes the text before the block, without the CRLF that
 * precedes the header, as UTF-16LE: a UTF-16LE file (BOM FF FE) as stored,
 * BOM included; a UTF-8 file with a BOM re-encoded, the BOM becoming FF FE;
 * a file without a BOM decoded as UTF-8 when it is valid UTF-8, else as
 * Windows-1252 (the ANSI code page of the systems that wrote such files).
 * Line endings are hashed as they are. A UTF-16BE file (BOM FE FF) is
 * re-encoded like a UTF-8 one, its BOM becoming FF FE (inferred from the
 * UTF-8 rule: unconfirmed).
 *
 * Windows Script Host's SIP (wshext.dll: .js, .vbs, .wsf) hashes the text
 * without the block (the line break before the header through the one
 * after the footer), as UTF-16LE without any BOM, then the block's
 * position in UTF-16 units as a 32-bit little-endian number: text after
 * the block is covered. BOM-less .js and .vbs text is read in the ANSI code
 * page (Windows-1252), .wsf text as UTF-8 when it is valid UTF-8. No library
 * knows these layouts.
 */
#include "script/script.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

struct style {
	const char *name;
	const char *begin, *end;    /* header and footer lines */
	const char *pre, *post;     /* around each base64 line */
	bool wsh;                   /* Windows Script Host's digest */
};

static const struct style styles[] = {
	{ "powershell", "# SIG # Begin signature block", "# SIG # End signature block", "# ", "",
	  false },
	{ "xml", "<!-- SIG # Begin signature block -->", "<!-- SIG # End signature block -->",
	  "<!-- ", " -->", false },
	{ "jscript", "// SIG // Begin signature block", "// SIG // End signature block",
	  "// SIG // ", "", true },
	{ "vbscript", "'' SIG '' Begin signature block", "'' SIG '' End signature block",
	  "'' SIG '' ", "", true },
	/* .wsf: an element inside the last <job>, its lines not comments */
	{ "wsf", "<signature>", "</signature>", "** SIG ** ", "", true },
};

const char *script_encoding_name(enum script_encoding e)
{
	switch (e) {
	case SE_UTF8: return "utf-8";
	case SE_UTF8_BOM: return "utf-8-bom";
	case SE_UTF16LE: return "utf-16le";
	case SE_UTF16BE: return "utf-16be";
	default: return "windows-1252";
	}
}

bool script_looks_textual(const uint8_t *h, size_t n)
{
	if (n >= 2 && ((h[0] == 0xff && h[1] == 0xfe) || (h[0] == 0xfe && h[1] == 0xff)))
		return true;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (h[i] == 0)
			return false;
	return true;
}

/* Windows-1252's 0x80-0x9f (the rest is Latin-1). */
static const uint16_t cp1252[32] = {
	0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0x8d, 0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
};

/* Decodes UTF-8 into code points; false when it is not valid UTF-8. */
static bool utf8_next(const uint8_t *p, size_t n, size_t *i, uint32_t *cp)
{
	uint8_t c = p[*i];
	size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	uint32_t v;

	if (!len || *i + len > n)
		return false;
	v = len == 1 ? c : len == 2 ? c & 0x1fu : len == 3 ? c & 0x0fu : c & 0x07u;
	for (size_t k = 1; k < len; k++) {
		if ((p[*i + k] >> 6) != 2)
			return false;
		v = v << 6 | (p[*i + k] & 0x3fu);
	}
	if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return false;
	*i += len;
	*cp = v;
	return true;
}

static bool valid_utf8(const uint8_t *p, size_t n)
{
	uint32_t cp;

	for (size_t i = 0; i < n;)
		if (!utf8_next(p, n, &i, &cp))
			return false;
	return true;
}

/* The text (after any BOM) as UTF-16 code units. */
static uint16_t *to_units(const uint8_t *p, size_t n, enum script_encoding e, size_t *count)
{
	uint16_t *u = malloc((n + 1) * sizeof(*u));
	size_t o = 0;

	if (!u)
		return NULL;
	if (e == SE_UTF16LE || e == SE_UTF16BE) {
		for (size_t i = 0; i + 1 < n; i += 2)
			u[o++] = e == SE_UTF16LE ? (uint16_t)(p[i] | p[i + 1] << 8)
						 : (uint16_t)(p[i] << 8 | p[i + 1]);
	} else if (e == SE_CP1252) {
		for (size_t i = 0; i < n; i++)
			u[o++] = p[i] >= 0x80 && p[i] < 0xa0 ? cp1252[p[i] - 0x80] : p[i];
	} else {
		for (size_t i = 0; i < n;) {
			uint32_t cp = 0;
			if (!utf8_next(p, n, &i, &cp))
				break; /* checked valid before */
			if (cp >= 0x10000) {
				cp -= 0x10000;
				u[o++] = (uint16_t)(0xd800 | cp >> 10);
				u[o++] = (uint16_t)(0xdc00 | (cp & 0x3ff));
			} else {
				u[o++] = (uint16_t)cp;
			}
		}
	}
	*count = o;
	return u;
}

/* Whether units [at, at+len(s)) spell the ASCII string s. */
static bool units_are(const uint16_t *u, size_t n, size_t at, const char *s)
{
	size_t l = strlen(s);

	if (at > n || n - at < l)
		return false;
	for (size_t k = 0; k < l; k++)
		if (u[at + k] != (uint8_t)s[k])
			return false;
	return true;
}

/* The end of the line starting at i (index of its CR or LF, or n). */
static size_t line_end(const uint16_t *u, size_t n, size_t i)
{
	while (i < n && u[i] != '\r' && u[i] != '\n')
		i++;
	return i;
}

static size_t next_line(const uint16_t *u, size_t n, size_t e)
{
	if (e < n && u[e] == '\r')
		e++;
	if (e < n && u[e] == '\n')
		e++;
	return e;
}

/* The last header of any style that starts a line (a .wsf header only
 * when a signature line follows it: <signature> alone is ordinary XML). */
static const struct style *find_header(const uint16_t *u, size_t n, size_t *at)
{
	const struct style *st = NULL;
	size_t head = SIZE_MAX;

	for (size_t s = 0; s < sizeof(styles) / sizeof(styles[0]); s++) {
		for (size_t i = n; i-- > 0;) {
			if (!((i == 0 || u[i - 1] == '\n') && units_are(u, n, i, styles[s].begin) &&
			      line_end(u, n, i) - i == strlen(styles[s].begin)))
				continue;
			if (strcmp(styles[s].name, "wsf") == 0 &&
			    !units_are(u, n, next_line(u, n, line_end(u, n, i)), styles[s].pre))
				continue;
			if (head == SIZE_MAX || i > head) {
				head = i;
				st = &styles[s];
			}
			break;
		}
	}
	*at = head;
	return st;
}

static int find_block(const uint8_t *data, size_t len, int forced, struct script_block *out)
{
	const struct style *st = NULL;
	enum script_encoding enc;
	size_t skip = 0, n = 0, head = SIZE_MAX, after = 0;
	uint16_t *u;
	char *b64 = NULL;
	size_t nb64 = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (len >= 2 && data[0] == 0xff && data[1] == 0xfe) {
		enc = SE_UTF16LE;
		skip = 2;
	} else if (len >= 2 && data[0] == 0xfe && data[1] == 0xff) {
		enc = SE_UTF16BE;
		skip = 2;
	} else if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf) {
		enc = SE_UTF8_BOM;
		skip = 3;
	} else if (forced >= 0) {
		enc = (enum script_encoding)forced;
	} else {
		enc = valid_utf8(data, len) ? SE_UTF8 : SE_CP1252;
	}
	if (enc == SE_UTF8_BOM && !valid_utf8(data + skip, len - skip))
		enc = SE_CP1252; /* a BOM over text that is not UTF-8: hashed as ANSI */
	if (!(u = to_units(data + skip, len - skip, enc, &n)))
		return -1;
	st = find_header(u, n, &head);
	if (!st)
		goto out;
	/* BOM-less JScript and VBScript are read in the ANSI code page, even
	 * when they are valid UTF-8: read again if that changes the text. */
	if (st->wsh && enc == SE_UTF8 && strcmp(st->name, "wsf") != 0) {
		bool ascii = true;
		for (size_t i = 0; i < len && ascii; i++)
			ascii = data[i] < 0x80;
		if (!ascii) {
			free(u);
			return find_block(data, len, SE_CP1252, out);
		}
		enc = SE_CP1252;
	}
	out->style = st->name;
	out->encoding = enc;
	out->wsh = st->wsh;
	/* The base64 lines, up to the footer. */
	b64 = malloc(n + 1);
	if (!b64) {
		rc = -1;
		goto out;
	}
	{
		size_t i = next_line(u, n, line_end(u, n, head));
		bool ended = false;

		while (i < n) {
			size_t e = line_end(u, n, i), pl = strlen(st->pre), ql = strlen(st->post);
			if (units_are(u, n, i, st->end) && e - i == strlen(st->end)) {
				i = next_line(u, n, e);
				ended = true;
				break;
			}
			if (e - i < pl + ql || !units_are(u, n, i, st->pre) ||
			    (ql && !units_are(u, n, e - ql, st->post))) {
				out->bad_base64 = true;
				break;
			}
			for (size_t k = i + pl; k < e - ql; k++) {
				uint16_t c = u[k];
				if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				      (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=')) {
					out->bad_base64 = true;
					break;
				}
				b64[nb64++] = (char)c;
			}
			if (out->bad_base64)
				break;
			i = next_line(u, n, e);
		}
		if (!ended)
			out->bad_base64 = true;
		after = ended ? i : n;
		/* PowerShell: what follows the footer is covered by no
		 * digest. Script Host hashes it. */
		if (ended && i < n && !st->wsh) {
			size_t unit = enc == SE_UTF16LE || enc == SE_UTF16BE ? 2 : 1;
			out->trailing = (n - i) * unit;
		}
	}
	if (!out->bad_base64 && nb64 % 4 == 0 && nb64 > 0) {
		out->pkcs7 = malloc(nb64 / 4 * 3 + 1);
		if (!out->pkcs7) {
			rc = -1;
			goto out;
		}
		int dl = EVP_DecodeBlock(out->pkcs7, (const unsigned char *)b64, (int)nb64);
		if (dl < 0) {
			out->bad_base64 = true;
		} else {
			/* EVP_DecodeBlock counts the padding as zero bytes. */
			size_t pad = (b64[nb64 - 1] == '=') + (b64[nb64 - 2] == '=');
			out->pkcs7_len = (size_t)dl - pad;
		}
	} else {
		out->bad_base64 = true;
	}
	/* The digest input: the text before the header without the line
	 * break that precedes it, as UTF-16LE; for Script Host the text after
	 * the block and the block's position too. */
	{
		size_t end = head, tail = st->wsh ? n - after : 0;
		if (end > 0 && u[end - 1] == '\n')
			end--;
		if (end > 0 && u[end - 1] == '\r')
			end--;
		out->hashed = malloc(2 + (end + tail) * 2 + 4);
		if (!out->hashed) {
			rc = -1;
			goto out;
		}
		if (!st->wsh && enc != SE_UTF8 && enc != SE_CP1252) {
			out->hashed[out->hashed_len++] = 0xff;
			out->hashed[out->hashed_len++] = 0xfe;
		}
		for (size_t k = 0; k < end; k++) {
			out->hashed[out->hashed_len++] = (uint8_t)(u[k] & 0xff);
			out->hashed[out->hashed_len++] = (uint8_t)(u[k] >> 8);
		}
		for (size_t k = after; k < after + tail; k++) {
			out->hashed[out->hashed_len++] = (uint8_t)(u[k] & 0xff);
			out->hashed[out->hashed_len++] = (uint8_t)(u[k] >> 8);
		}
		if (st->wsh) {
			uint32_t pos = (uint32_t)end;
			for (int k = 0; k < 4; k++)
				out->hashed[out->hashed_len++] = (uint8_t)(pos >> (8 * k));
		}
	}
	rc = 1;
out:
	free(b64);
	free(u);
	if (rc != 1 && rc != 0)
		script_block_clear(out);
	return rc;
}

int script_find_block(const uint8_t *data, size_t len, struct script_block *out)
{
	return find_block(data, len, -1, out);
}

void script_block_clear(struct script_block *b)
{
	free(b->pkcs7);
	free(b->hashed);
	memset(b, 0, sizeof(*b));
}

/* Text from arbitrary bytes (cli.h: utf8_repaired). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

char *utf8_repaired(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t n = strlen(v), o = 0;
	char *out = malloc(3 * n + 1);

	if (!out)
		return NULL;
	while (*p) {
		size_t len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
		bool ok = len > 0;
		uint32_t cp = len == 1 ? *p : len == 2 ? *p & 0x1Fu : len == 3 ? *p & 0x0Fu : *p & 0x07u;

		for (size_t k = 1; ok && k < len; k++) {
			ok = (p[k] & 0xC0) == 0x80;
			cp = (cp << 6) | (p[k] & 0x3Fu);
		}
		/* No overlong forms, surrogates or values past U+10FFFF. */
		if (ok && ((len == 2 && cp < 0x80) || (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
			   (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))))
			ok = false;
		if (ok) {
			memcpy(out + o, p, len);
			o += len;
			p += len;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			p++;
		}
	}
	out[o] = '\0';
	return out;
}


/* The join key of a logged Windows path (telemetry.h). */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "telemetry/pathkey.h"

static bool prefix(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

int image_key(const char *in, char *out, size_t outlen)
{
	const char *p = in;
	size_t o = 0;

	if (!in || outlen < 1)
		return -1;
	/* Win32 device and NT object namespace prefixes. */
	if (prefix(p, "\\\\?\\") || prefix(p, "\\??\\") || prefix(p, "\\\\.\\"))
		p += 4;
	if (prefix(p, "\\Device\\HarddiskVolume")) {
		p += strlen("\\Device\\HarddiskVolume");
		while (isdigit((unsigned char)*p))
			p++;
	} else if (prefix(p, "\\SystemRoot\\")) {
		p += strlen("\\SystemRoot\\");
		if (outlen <= strlen("windows/"))
			return -1;
		memcpy(out, "windows/", 8);
		o = 8;
	} else if (isalpha((unsigned char)p[0]) && p[1] == ':') {
		p += 2;
	}
	while (*p == '\\' || *p == '/')
		p++;
	for (; *p; p++) {
		char c = *p == '\\' ? '/' : (char)tolower((unsigned char)*p);
		if (c == '/' && o > 0 && out[o - 1] == '/')
			continue;
		if (o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

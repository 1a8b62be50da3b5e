/* Canonical paths of the inventory (inventory.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "inventory/inventory.h"

int inventory_canon_path(const char *in, char *out, size_t outlen)
{
	char buf[8192];
	size_t o = 0, n;
	const char *p;

	if (!in || !*in || outlen < 2)
		return -1;
	if (in[0] == '/') {
		n = (size_t)snprintf(buf, sizeof(buf), "%s", in);
	} else {
		char cwd[4096];
		if (!getcwd(cwd, sizeof(cwd)))
			return -1;
		n = (size_t)snprintf(buf, sizeof(buf), "%s/%s", cwd, in);
	}
	if (n >= sizeof(buf))
		return -1;
	/* Component by component: "" and "." vanish, ".." takes one back. */
	out[o++] = '/';
	for (p = buf; *p;) {
		const char *e;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (o > 1) {
				o--;                       /* the slash after the last component */
				while (o > 1 && out[o - 1] != '/')
					o--;
			}
		} else {
			if (o + len + 2 > outlen)
				return -1;
			memcpy(out + o, p, len);
			o += len;
			out[o++] = '/';
		}
		p += len;
	}
	if (o > 1)
		o--;                                       /* no trailing slash */
	out[o] = '\0';
	return 0;
}

/*
 * Publisher names for the rules: the library's list of well-known
 * publishers (data/publishers.tsv, st_publisher_claimed) through a context
 * of their own, and the organisation of a distinguished name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hunt/hunt.h"
#include "sigtrace.h"

static st_context *names_ctx;

void publishers_load(void)
{
	if (!names_ctx && st_context_new(&names_ctx) != ST_OK)
		names_ctx = NULL;
}

void publishers_free(void)
{
	st_context_free(names_ctx);
	names_ctx = NULL;
}

const char *publisher_claimed_name(const char *name, bool *exact)
{
	int e = 0;
	const char *p;

	if (!names_ctx || !name)
		return NULL;
	p = st_publisher_claimed(names_ctx, name, &e);
	if (exact)
		*exact = e != 0;
	return p;
}

const char *dn_attr(const char *dn, const char *attr, char *buf, size_t len)
{
	size_t al = strlen(attr);
	const char *o = dn;

	buf[0] = '\0';
	/* An attribute starts the DN or follows an unescaped comma. */
	while (o && (o = strstr(o, attr)) != NULL) {
		if (o[al] == '=' && (o == dn || (o[-1] == ',' && (o - 1 == dn || o[-2] != '\\'))))
			break;
		o += al;
	}
	if (o) {
		size_t n = 0;
		for (o += al + 1; *o && n + 1 < len; o++) {
			if (*o == '\\' && o[1]) {
				buf[n++] = *++o;
				continue;
			}
			if (*o == ',')
				break;
			buf[n++] = *o;
		}
		buf[n] = '\0';
	}
	return buf;
}

const char *dn_org(const char *dn, char *buf, size_t len)
{
	return dn_attr(dn, "O", buf, len);
}


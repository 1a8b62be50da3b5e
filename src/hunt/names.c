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

const char *dn_org(const char *dn, char *buf, size_t len)
{
	const char *o = dn ? strstr(dn, "O=") : NULL;

	buf[0] = '\0';
	while (o && o != dn && o[-1] != ',')
		o = strstr(o + 2, "O=");
	if (o) {
		size_t n = 0;
		for (o += 2; *o && *o != ',' && n + 1 < len; o++)
			buf[n++] = *o;
		buf[n] = '\0';
	}
	return buf;
}


#include "report/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int push_part(struct record *r, const st_part *p, int parent, size_t *cap)
{
	size_t me;

	if (r->nparts == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		const st_part **np = realloc(r->parts, nc * sizeof(*np));
		int *npar;
		if (!np)
			return -1;
		r->parts = np;
		npar = realloc(r->parent, nc * sizeof(*npar));
		if (!npar)
			return -1;
		r->parent = npar;
		*cap = nc;
	}
	me = r->nparts++;
	r->parts[me] = p;
	r->parent[me] = parent;
	for (size_t i = 0; i < st_part_child_count(p); i++) {
		const st_part *c = st_part_child(p, i);
		if (st_part_is_constituent(c) && push_part(r, c, (int)me, cap))
			return -1;
	}
	return 0;
}

int record_init(struct record *r, const char *file_path, const st_part *p)
{
	size_t cap = 0, n = 0, k = 0;
	const char *pp = st_part_path(p);

	memset(r, 0, sizeof(*r));
	r->part = p;
	r->path = malloc(strlen(file_path) + strlen(pp) + 3);
	if (!r->path)
		return -1;
	sprintf(r->path, "%s%s%s", file_path, *pp ? "//" : "", pp);
	if (push_part(r, p, -1, &cap))
		goto fail;
	for (size_t i = 0; i < r->nparts; i++)
		n += st_part_signature_count(r->parts[i]);
	r->sigs = n ? calloc(n, sizeof(*r->sigs)) : NULL;
	if (n && !r->sigs)
		goto fail;
	for (size_t i = 0; i < r->nparts; i++) {
		size_t first = k;
		for (size_t j = 0; j < st_part_signature_count(r->parts[i]); j++, k++) {
			const st_signature *s = st_part_signature(r->parts[i], j);
			r->sigs[k].sig = s;
			r->sigs[k].part = i;
			r->sigs[k].parent = st_signature_parent(s) >= 0
						    ? (int)first + st_signature_parent(s) : -1;
		}
	}
	r->nsigs = n;
	return 0;
fail:
	record_clear(r);
	return -1;
}

void record_clear(struct record *r)
{
	free(r->path);
	free(r->parts);
	free(r->parent);
	free(r->sigs);
	memset(r, 0, sizeof(*r));
}

static void each(const st_part *p, const char *file_path, bool self,
		 void (*fn)(const struct record *r, void *arg), void *arg)
{
	if (self) {
		struct record r;
		if (record_init(&r, file_path, p) == 0) {
			fn(&r, arg);
			record_clear(&r);
		}
	}
	for (size_t i = 0; i < st_part_child_count(p); i++) {
		const st_part *c = st_part_child(p, i);
		each(c, file_path, !st_part_is_constituent(c), fn, arg);
	}
}

void record_each(const st_result *res, const char *file_path,
		 void (*fn)(const struct record *r, void *arg), void *arg)
{
	each(st_result_part(res), file_path, true, fn, arg);
}

int record_primary(const struct record *r)
{
	const st_signature *p = st_part_primary_signature(r->part);

	for (size_t i = 0; p && i < r->nsigs; i++)
		if (r->sigs[i].sig == p)
			return (int)i;
	return -1;
}

void property_text(const st_property *pr, char *buf, size_t len)
{
	const st_property_decl *d = st_property_declaration(pr);
	int64_t v = st_property_int(pr);
	size_t used;

	switch (st_property_type_of(pr)) {
	case ST_PROPERTY_STRING:
		snprintf(buf, len, "%s", st_property_string(pr) ? st_property_string(pr) : "");
		return;
	case ST_PROPERTY_BOOL:
		snprintf(buf, len, "%s", v ? "true" : "false");
		return;
	case ST_PROPERTY_TIME:
		fmt_time(v, buf, len);
		return;
	case ST_PROPERTY_INT:
		break;
	}
	if (!(d->flags & ST_PROPERTY_HEX)) {
		snprintf(buf, len, "%lld", (long long)v);
		return;
	}
	snprintf(buf, len, "0x%llx", (unsigned long long)v);
	used = strlen(buf);
	for (int bit = 0; d->bit_names && bit < 32 && used < len; bit++) {
		if ((v >> bit & 1) && d->bit_names[bit]) {
			snprintf(buf + used, len - used, " %s", d->bit_names[bit]);
			used = strlen(buf);
		}
	}
}

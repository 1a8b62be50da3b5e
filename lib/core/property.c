/* Properties of parts and signatures, and their public accessors. */
#include <stdlib.h>
#include <string.h>

#include "core/result.h"

static struct st_property *slot(st_props *p, const st_property_decl *d)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].decl == d) {
			free(p->v[i].s);
			p->v[i].s = NULL;
			return &p->v[i];
		}
	}
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 4;
		struct st_property *nv = realloc(p->v, ncap * sizeof(*nv));
		if (!nv)
			return NULL;
		p->v = nv;
		p->cap = ncap;
	}
	memset(&p->v[p->n], 0, sizeof(p->v[p->n]));
	p->v[p->n].decl = d;
	return &p->v[p->n++];
}

int st_props_set_str(st_props *p, const st_property_decl *d, const char *value)
{
	struct st_property *pr;
	char *copy;

	if (!value)
		return ST_OK;
	copy = st_strdup(value);
	if (!copy || !(pr = slot(p, d))) {
		free(copy);
		return ST_ENOMEM;
	}
	pr->s = copy;
	return ST_OK;
}

int st_props_set_int(st_props *p, const st_property_decl *d, int64_t value)
{
	struct st_property *pr = slot(p, d);

	if (!pr)
		return ST_ENOMEM;
	pr->i = value;
	return ST_OK;
}

const struct st_property *st_props_find(const st_props *p, const char *key)
{
	for (size_t i = 0; key && i < p->n; i++)
		if (strcmp(p->v[i].decl->key, key) == 0)
			return &p->v[i];
	return NULL;
}

void st_props_clear(st_props *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].s);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

const st_property_decl *st_property_declaration(const st_property *pr) { return pr->decl; }
const char *st_property_key(const st_property *pr) { return pr->decl->key; }
st_property_type st_property_type_of(const st_property *pr) { return pr->decl->type; }

const char *st_property_string(const st_property *pr)
{
	return pr->decl->type == ST_PROPERTY_STRING ? pr->s : NULL;
}

int64_t st_property_int(const st_property *pr)
{
	return pr->decl->type == ST_PROPERTY_STRING ? 0 : pr->i;
}

size_t st_part_property_count(const st_part *p) { return p->props.n; }

const st_property *st_part_property(const st_part *p, size_t i)
{
	return i < p->props.n ? &p->props.v[i] : NULL;
}

const st_property *st_part_property_find(const st_part *p, const char *key)
{
	return st_props_find(&p->props, key);
}

size_t st_signature_property_count(const st_signature *s) { return s->props.n; }

const st_property *st_signature_property(const st_signature *s, size_t i)
{
	return i < s->props.n ? &s->props.v[i] : NULL;
}

const st_property *st_signature_property_find(const st_signature *s, const char *key)
{
	return st_props_find(&s->props, key);
}

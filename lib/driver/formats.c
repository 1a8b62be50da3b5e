/* The format registry (lib/formats.def) and the declared properties. */
#include "core/format.h"

#define ST_FORMAT(name) extern const struct st_format st_format_##name;
#include "formats.def"
#undef ST_FORMAT

const struct st_format *const st_formats[] = {
#define ST_FORMAT(name) &st_format_##name,
#include "formats.def"
#undef ST_FORMAT
};

const size_t st_nformats = sizeof(st_formats) / sizeof(st_formats[0]);

size_t st_format_count(void)
{
	return st_nformats;
}

const char *st_format_name(size_t i)
{
	return i < st_nformats ? st_formats[i]->name : NULL;
}

const char *st_format_description(size_t i)
{
	return i < st_nformats ? st_formats[i]->description : NULL;
}

size_t st_property_decl_count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < st_nformats; i++)
		n += st_formats[i]->nproperties;
	return n;
}

const st_property_decl *st_property_decl_at(size_t i)
{
	for (size_t f = 0; f < st_nformats; f++) {
		if (i < st_formats[f]->nproperties)
			return &st_formats[f]->properties[i];
		i -= st_formats[f]->nproperties;
	}
	return NULL;
}

#ifndef ST_PE_VERSION_H
#define ST_PE_VERSION_H

#include "core/utf16.h"
#include "pe/pe_image.h"

/* The StringFileInfo keys read, in the order of the declarations passed
 * to pe_version_read(). */
#define PE_VERSION_KEYS 5
extern const char *const pe_version_keys[PE_VERSION_KEYS];
/* The PE properties the keys fill (pe_format.c), in the same order. */
extern const st_property_decl *const pe_version_decls[PE_VERSION_KEYS];

/* Reads the StringFileInfo strings of pe_version_keys from the RT_VERSION
 * resource into part properties (decls[i] for key i; the first string
 * table that has a key wins). Best effort: a broken resource leaves the
 * values absent and never changes the verdict. ST_OK or ST_ENOMEM. */
int pe_version_read(const struct pe_image *img, struct st_part *part,
		    const st_property_decl *const *decls);


#endif

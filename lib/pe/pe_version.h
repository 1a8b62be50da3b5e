#ifndef ST_PE_VERSION_H
#define ST_PE_VERSION_H

#include "pe/pe_image.h"

/* Reads the StringFileInfo strings listed in st_version_keys from the
 * RT_VERSION resource into res->version. Best effort: a broken resource
 * leaves the values absent and never changes the verdict. */
int pe_version_read(const struct pe_image *img, st_result *res);

/* UTF-16LE (len bytes) to NUL-terminated UTF-8, at most max_chars
 * characters; invalid code units become U+FFFD. NULL on ENOMEM. */
char *st_utf16le_to_utf8(const uint8_t *p, size_t len, size_t max_chars);

#endif

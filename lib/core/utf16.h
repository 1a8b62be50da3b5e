#ifndef ST_UTF16_H
#define ST_UTF16_H

#include <stddef.h>
#include <stdint.h>

/* UTF-16LE (len bytes) to NUL-terminated UTF-8, at most max_chars
 * characters; invalid code units become U+FFFD. NULL on ENOMEM. */
char *st_utf16le_to_utf8(const uint8_t *p, size_t len, size_t max_chars);

#endif

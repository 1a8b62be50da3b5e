/*
 * Signed scripts: PowerShell (.ps1, .psm1, .psd1) and its XML files
 * (.ps1xml, .psc1, .cdxml). The signature is a base64 PKCS#7 in comment
 * lines at the end of the text; the digest covers the text before it as
 * UTF-16LE (docs/scripts.md has the rules and their sources). Windows
 * Script Host files (.js, .vbs, .wsf) carry the block in their own comment
 * styles and hash the text around it and its position.
 */
#ifndef ST_SCRIPT_H
#define ST_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum script_encoding { SE_UTF8, SE_UTF8_BOM, SE_UTF16LE, SE_CP1252, SE_UTF16BE };

struct script_block {
	const char *style;        /* "powershell", "xml", "jscript", "vbscript",
				   * "wsf" */
	uint8_t *pkcs7;           /* decoded DER (malloc'd) */
	size_t pkcs7_len;
	/* What the digest covers: the text before the block as UTF-16LE,
	 * with the BOM where Windows hashes one (malloc'd). */
	uint8_t *hashed;
	size_t hashed_len;
	enum script_encoding encoding;
	size_t trailing;          /* bytes after the block's last line no
				   * digest covers (PowerShell's rule) */
	bool wsh;                 /* Windows Script Host's digest */
	bool bad_base64;
};

/*
 * Finds the signature block of a script held in `data` and prepares the
 * digest input. Returns 1 found, 0 not a signed script, -1 ENOMEM.
 */
int script_find_block(const uint8_t *data, size_t len, struct script_block *out);
void script_block_clear(struct script_block *b);
/* Whether the first bytes could be script text (no NUL bytes except in a
 * UTF-16LE text with its BOM). */
bool script_looks_textual(const uint8_t *head, size_t len);
const char *script_encoding_name(enum script_encoding e);

#endif

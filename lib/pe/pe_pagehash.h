#ifndef ST_PE_PAGEHASH_H
#define ST_PE_PAGEHASH_H

#include "pe/pe_image.h"

/* Checks a page-hash table (concatenated (u32 offset, hash) entries) with
 * digest nid against the image; adds page_hash_mismatch to rs. ST_OK,
 * ST_EIO or ST_ENOMEM. */
int pe_page_hashes_check(const struct pe_image *img, int nid,
			 const uint8_t *table, size_t len, st_reasons *rs);

#endif

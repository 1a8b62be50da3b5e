/*
 * The UEFI forbidden-signature database (dbx): images (by Authenticode
 * SHA-256) and certificates that firmware with a current dbx refuses.
 * Two sources: the built-in list generated from Microsoft's published dbx
 * (data/trust/uefi-dbx.tsv), and dbx contents a user gives (--dbx): EFI
 * signature lists as firmware stores them, read from a machine's efivarfs
 * (a 4-byte attribute prefix) or from an update file (an authenticated
 * variable: EFI_VARIABLE_AUTHENTICATION_2 before the lists).
 */
#ifndef ST_DBX_H
#define ST_DBX_H

#include <stddef.h>
#include <stdint.h>

#include "x509/trust.h"

/* Takes in the lines of a uefi-dbx.tsv text (kind, architecture, hash,
 * name, date, description). Returns the number of entries or ST_ENOMEM. */
int st_dbx_add_tsv(struct st_trust *t, const char *text);

/*
 * Takes in EFI_SIGNATURE_LISTs: EFI_CERT_SHA256 entries are image hashes,
 * EFI_CERT_X509 entries certificates (matched by their SHA-1 thumbprint).
 * Other signature types (EFI_CERT_X509_SHA256: TBS hashes with revocation
 * times; SHA-1 image hashes) are skipped and counted in *skipped. Returns
 * the number of entries taken, 0 with why filled when the data is not a
 * signature list, or ST_ENOMEM.
 */
int st_dbx_add_lists(struct st_trust *t, const uint8_t *d, size_t len, const char *origin,
		     size_t *skipped, char *why, size_t whylen);

/* The entry for an image's Authenticode SHA-256 (certificate false) or a
 * certificate's SHA-1 thumbprint, or NULL. */
const struct st_dbx_entry *st_trust_dbx(const struct st_trust *t, const uint8_t *hash,
					bool certificate);

#endif

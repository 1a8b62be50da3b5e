/*
 * Windows app packages (.appx, .msix) and bundles (.appxbundle,
 * .msixbundle): ZIP files signed with Authenticode in their last entry,
 * AppxSignature.p7x ("PKCX" and a DER PKCS#7).
 *
 *   zip_directory.c   the ZIP layout: end records, central directory, the
 *                     extent of each entry's local record
 *   zip_entry.c       an entry's bytes, inflated
 *   appx_digest.c     the APPX digest: "APPX" and tagged hashes of the
 *                     local records (AXPC), the central directory (AXCD),
 *                     [Content_Types].xml (AXCT), the block map (AXBM) and
 *                     the code integrity catalog (AXCI)
 *   appx_blockmap.c   every file against AppxBlockMap.xml
 *   appx_publisher.c  the manifest's Publisher against the signer
 *   appx_format.c     the format: probe, verify, properties, members
 *
 * The ZIP layout is read here, not through libarchive: the digests cover
 * the local records and the central directory as byte structures (their
 * fields re-serialized as the signer wrote them), which libarchive's entry
 * stream does not expose.
 */
#ifndef ST_APPX_H
#define ST_APPX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/format.h"

struct zip_entry {
	char *name;                 /* NUL-terminated copy (names with NUL
				     * bytes are malformed) */
	uint16_t name_len;
	/* central directory fields */
	uint16_t made_by, needed, flags, method, mtime, mdate, comment_len, internal;
	uint32_t crc, external, disk;
	uint64_t csize, usize, local;
	bool csize64, usize64, local64, disk64;
	uint64_t cd_off;            /* where its central record lies */
	uint32_t cd_len;
	/* the local record */
	uint16_t l_needed, l_flags, l_method, l_mtime, l_mdate, l_name_len, l_extra_len;
	uint64_t data_off;          /* first byte of the compressed data */
	uint64_t end;               /* after the data and its descriptor */
};

struct zip {
	struct st_input *in;
	struct zip_entry *e;
	size_t n;
	struct zip_entry **by_offset;     /* the entries by local offset, after
					   * zip_read_locals() */
	bool zip64;
	/* the end records as read */
	uint64_t eocd_off, cd_off, cd_size;
	uint16_t eocd_entries_disk, eocd_entries, eocd_comment_len;
	uint32_t eocd_cd_size, eocd_cd_off;
	uint64_t z64_off, z64_size;       /* zip64 end record */
	uint16_t z64_made_by, z64_needed;
	uint32_t z64_disk, z64_cd_disk;
	uint32_t loc_disk, loc_disks;     /* zip64 locator */
};

/* Reads the end records and the central directory. ST_OK;
 * ST_PARSE_MALFORMED / ST_PARSE_LIMIT with why; ST_E*. zip_close() in
 * every case. */
int zip_open(struct zip *z, struct st_input *in, char *why, size_t whylen);
/* Then every entry's local header and the extent of its local record (a
 * package's; other ZIP files are left after zip_open()). */
int zip_read_locals(struct zip *z, char *why, size_t whylen);
void zip_close(struct zip *z);
/* The entry named `name` (exactly), or NULL. */
const struct zip_entry *zip_find(const struct zip *z, const char *name);

/* Passes the entry's uncompressed bytes to cb in pieces (cb returns ST_OK
 * to go on; anything else stops the stream and is returned as is), then
 * checks their count (ST_PARSE_MALFORMED with why otherwise) and CRC-32
 * (ZIP_CRC_MISMATCH with why: every byte was passed, but not the bytes the
 * directory describes) against the central directory. */
#define ZIP_CRC_MISMATCH 3
int zip_stream(struct zip *z, const struct zip_entry *e, int (*cb)(void *, const uint8_t *, size_t),
	       void *arg, char *why, size_t whylen);
/* The entry's uncompressed bytes (stored or deflated), at most `max`
 * (else ST_PARSE_LIMIT), into a malloc'd buffer; a size or CRC that does
 * not match the central directory is ST_PARSE_MALFORMED. */
int zip_read(struct zip *z, const struct zip_entry *e, uint64_t max, uint8_t **buf,
	     size_t *len, char *why, size_t whylen);

/* The APPX digest (appx_digest.c) with md_nid: "APPX" and the records, into
 * out (at most ST_SPC_DIGEST_MAX bytes). `sig` is the AppxSignature.p7x
 * entry, left out of every record. ST_OK, 1 when the package lacks what the
 * digest needs (a reason is added to rs), or ST_E*. */
int appx_digest(struct zip *z, const struct zip_entry *sig, int md_nid, uint8_t *out,
		unsigned *outlen, st_reasons *rs);
/* Names the records of a signed and a computed APPX digest that differ
 * ("AXPC (the files' local records)", ...) into buf. */
void appx_digest_diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, char *buf,
		      size_t len);

/* Checks every file against AppxBlockMap.xml (appx_blockmap.c): adds
 * digest_mismatch for a modified, added or removed file, malformed_appx for
 * a block map that cannot be read. Sets *hash_nid to the block map's hash
 * algorithm (NID_undef if unknown). ST_OK or ST_E*. */
int appx_check_blockmap(struct zip *z, bool bundle, st_reasons *rs, int *hash_nid);

/* The manifest's Identity Publisher, Name and Version (out[0..2],
 * malloc'd UTF-8, NULL when absent): ST_OK or ST_ENOMEM. */
int appx_manifest_identity(struct zip *z, bool bundle, char **out);
/* Whether a Publisher string names the same distinguished name as the
 * certificate subject (the RDNs as CertNameToStr prints them). */
bool appx_publisher_matches(const char *publisher, const char *rfc2253_subject);

#endif

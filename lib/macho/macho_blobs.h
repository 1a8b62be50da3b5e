/*
 * Apple code-signature structures (all big-endian): the SuperBlob and its
 * index, and the CodeDirectory.
 */
#ifndef ST_MACHO_BLOBS_H
#define ST_MACHO_BLOBS_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/reader.h"

#define CSMAGIC_REQUIREMENTS 0xfade0c01u
#define CSMAGIC_CODEDIRECTORY 0xfade0c02u
#define CSMAGIC_EMBEDDED_SIGNATURE 0xfade0cc0u
#define CSMAGIC_BLOBWRAPPER 0xfade0b01u
#define CSMAGIC_ENTITLEMENTS 0xfade7171u
#define CSMAGIC_DER_ENTITLEMENTS 0xfade7172u
#define CSMAGIC_LAUNCH_CONSTRAINT 0xfade8181u

#define CSSLOT_CODEDIRECTORY 0u
#define CSSLOT_INFOSLOT 1u
#define CSSLOT_REQUIREMENTS 2u
#define CSSLOT_RESOURCEDIR 3u
#define CSSLOT_APPLICATION 4u
#define CSSLOT_ENTITLEMENTS 5u
#define CSSLOT_DER_ENTITLEMENTS 7u
#define CSSLOT_ALTERNATE_CODEDIRECTORIES 0x1000u
#define CSSLOT_ALTERNATE_CODEDIRECTORY_MAX 5u
#define CSSLOT_SIGNATURESLOT 0x10000u

#define CS_ADHOC 0x2u
#define CS_RUNTIME 0x10000u
#define CS_LINKER_SIGNED 0x20000u

struct cs_blob {
	uint32_t type;   /* slot */
	uint32_t magic;
	st_span data;    /* the whole blob, header included */
};

struct cs_superblob {
	struct cs_blob blobs[ST_LIMIT_SUPERBLOB_BLOBS];
	size_t n;
	uint32_t length;  /* SuperBlob length field */
};

/* Parses the SuperBlob at the start of sig (the LC_CODE_SIGNATURE range).
 * Every indexed blob must lie inside the SuperBlob and carry a length that
 * fits; slot types must be unique. Returns ST_OK, ST_PARSE_MALFORMED or
 * ST_PARSE_LIMIT (why filled). */
int cs_superblob_parse(st_span sig, struct cs_superblob *sb, char *why,
		       size_t whylen);
/* The blob in slot `type`, or NULL. */
const struct cs_blob *cs_superblob_find(const struct cs_superblob *sb, uint32_t type);

struct cs_codedir {
	st_span raw;             /* the whole CodeDirectory blob */
	uint32_t slot;
	uint32_t version, flags;
	uint32_t hash_offset, n_special, n_code;
	uint64_t code_limit;     /* codeLimit64 when set */
	uint8_t hash_type, hash_size, page_log2, platform;
	int md_nid;              /* digest of hash_type (SHA-256 for type 3) */
	const char *hash_name;   /* "sha1", "sha256", "sha256-truncated", "sha384" */
	int strength;            /* preference among CodeDirectories */
	const char *ident;       /* NUL-terminated inside raw */
	const char *team;        /* NULL before version 0x20200 or when 0 */
	uint64_t exec_seg_base, exec_seg_limit, exec_seg_flags;
	uint8_t cdhash[EVP_MAX_MD_SIZE];  /* hash of raw, full length */
	unsigned cdhash_len;
};

/* Parses and bounds-checks a CodeDirectory blob: header per version,
 * identifier and team strings, hash type and size, page size, and that
 * the special and code slots lie inside the blob. Computes its CDHash.
 * Returns ST_OK, ST_PARSE_MALFORMED / ST_PARSE_LIMIT (why filled) or
 * ST_ENOMEM. */
int cs_codedir_parse(st_span blob, uint32_t slot, struct cs_codedir *cd,
		     char *why, size_t whylen);

/* Hash stored in special slot i (1-based) / code slot k. */
const uint8_t *cs_codedir_special(const struct cs_codedir *cd, uint32_t i);
const uint8_t *cs_codedir_code(const struct cs_codedir *cd, uint32_t k);

/* Page size in bytes (0 for "one page"). */
uint64_t cs_codedir_page_size(const struct cs_codedir *cd);

/* Digest of data with the CodeDirectory's hash type, truncated to its
 * hash size. */
bool cs_hash(const struct cs_codedir *cd, const uint8_t *data, size_t len,
	     uint8_t *out);

#endif

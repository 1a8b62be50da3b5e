/*
 * Windows Installer files (.msi, .msm, .msp, .mst): compound files (MS-CFB)
 * signed with Authenticode in the root stream "\x05DigitalSignature".
 *
 *   cfb_tables.c     the header and the sector tables (DIFAT, FAT, mini FAT)
 *   cfb_directory.c  the directory tree and where each stream's bytes lie
 *   msi_digest.c     the digest Windows takes over the streams (and the
 *                    MsiDigitalSignatureEx pre-hash over their metadata)
 *   msi_uncovered.c  bytes of the file no digest covers (GlueBall)
 *   msi_suminfo.c    the summary information (title, author, ...)
 *   msi_format.c     the format: probe, verify, properties
 *
 * The compound file is read here, not through libolecf or libgsf: the
 * digest hashes what those libraries do not expose (each entry's name as
 * stored, UTF-16LE ordered by its raw bytes; its CLSID, state bits and
 * FILETIMEs: libolecf 20181231 has no CLSID or state bits, libgsf no state
 * bits), and finding the bytes no digest covers needs the allocation
 * tables themselves, which neither exposes.
 */
#ifndef ST_MSI_H
#define ST_MSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/format.h"
#include "core/hash_pass.h"

#define CFB_FREESECT 0xFFFFFFFFu
#define CFB_ENDOFCHAIN 0xFFFFFFFEu
#define CFB_FATSECT 0xFFFFFFFDu
#define CFB_DIFSECT 0xFFFFFFFCu
#define CFB_MAXREGSECT 0xFFFFFFFAu
#define CFB_NOSTREAM 0xFFFFFFFFu
#define CFB_ENTRY_SIZE 128u
#define CFB_MINI_SIZE 64u

enum cfb_type { CFB_UNUSED = 0, CFB_STORAGE = 1, CFB_STREAM = 2, CFB_ROOT = 5 };

/* What a sector of the file holds, as found by following the tables. */
enum cfb_use {
	CU_NONE = 0,   /* in no chain: free, or allocated and orphaned */
	CU_FAT,
	CU_DIFAT,
	CU_DIRECTORY,
	CU_MINIFAT,
	CU_MINISTREAM,
	CU_STREAM
};

struct cfb_entry {
	uint8_t raw[CFB_ENTRY_SIZE];  /* as stored: name, CLSID, state, times */
	uint16_t name_len;            /* bytes, with the terminating NUL */
	uint8_t type;                 /* enum cfb_type */
	uint32_t left, right, child, start;
	uint64_t size;
	bool reached;                 /* in the tree under the root */
	uint32_t *kids;               /* storages: their children */
	uint32_t nkids;
	size_t range0, nranges;       /* streams: their bytes (cfb.ranges) */
};

struct cfb {
	struct st_input *in;
	unsigned major;
	uint32_t ssz, shift;          /* sector size (512 or 4096) */
	uint64_t nsect;               /* sectors that start inside the file */
	uint32_t first_dir, first_minifat;
	uint32_t *fat;                /* nsect entries */
	uint8_t *use;                 /* nsect entries, enum cfb_use */
	uint32_t *minifat;
	uint64_t nminifat;
	uint32_t *mini_sectors;       /* the mini stream's sectors, in order */
	uint64_t nmini_sectors, ministream_size;
	uint8_t *mini_used;           /* per mini sector */
	struct cfb_entry *e;
	uint32_t ne;
	struct st_range *ranges;
	size_t nranges, cap;
	long ds, dse;                 /* the root's signature streams, or -1 */
	uint32_t storages;            /* reached storages, the root included */
	uint32_t streams;             /* reached streams */
};

/* The byte offset of sector s. */
static inline uint64_t cfb_sector_off(const struct cfb *c, uint64_t s)
{
	return (s + 1) << c->shift;
}

/*
 * Reads the compound file `in`: header, tables, directory tree and every
 * reached stream's byte ranges. ST_OK; ST_PARSE_MALFORMED or
 * ST_PARSE_LIMIT with `why`; ST_ENOMEM or ST_EIO. cfb_close() in every
 * case.
 */
int cfb_open(struct cfb *c, struct st_input *in, char *why, size_t whylen);
void cfb_close(struct cfb *c);

/* Header and tables (cfb_tables.c), then the directory (cfb_directory.c):
 * the steps of cfb_open(). */
int cfb_read_tables(struct cfb *c, char *why, size_t whylen);
int cfb_read_directory(struct cfb *c, char *why, size_t whylen);

/* Follows the FAT chain from `start`, claiming each sector for `use`, into
 * a malloc'd array (*out, *n). A sector claimed twice, a chain leaving the
 * file or running into a free or table sector is malformed. */
int cfb_chain(struct cfb *c, uint32_t start, enum cfb_use use, const char *what,
	      uint32_t **out, uint64_t *n, char *why, size_t whylen);

/* The child of storage `st` named `name` (ASCII with an optional leading
 * control character, compared with the stored UTF-16LE name), or -1. */
long cfb_find(const struct cfb *c, uint32_t st, const char *name);

/* Reads a stream's bytes (at most `max`: else ST_PARSE_LIMIT) into a
 * malloc'd buffer. */
int cfb_read_stream(struct cfb *c, const struct cfb_entry *e, uint64_t max, uint8_t **buf,
		    size_t *len);

/* The entry's name for messages, as UTF-8 (MSI's compressed table names
 * are shown as \uXXXX). */
void cfb_name(const struct cfb_entry *e, char *buf, size_t len);

/*
 * The MSI Authenticode digest with md_nid (msi_digest.c): the streams in
 * Windows' order and the storages' CLSIDs, preceded when `prehash` is set
 * by the MsiDigitalSignatureEx pre-hash (which is also returned in
 * prehash_out, prehash_len). ST_OK, ST_EIO, ST_ENOMEM, ST_EINVAL.
 */
int msi_digest(struct cfb *c, int md_nid, bool prehash, uint8_t *out, unsigned *outlen,
	       uint8_t *prehash_out, unsigned *prehash_len);

/* What the digest does not cover (msi_uncovered.c). */
struct msi_uncovered {
	/* After the last sector a table or chain uses, when any of it is not
	 * zero: appended content (GlueBall). */
	uint64_t end;                 /* where the compound file ends */
	uint64_t appended;            /* bytes from there to the end of file */
	uint64_t appended_allocated;  /* sectors of it the FAT marks in use */
	/* Inside the compound file, holding non-zero bytes: */
	uint64_t free_sectors;        /* free sectors */
	uint64_t orphan_sectors;      /* allocated, in no chain */
	uint64_t slack_bytes;         /* a stream's last sector after its end,
				       * unused mini sectors, the header's pad */
	uint64_t first_off;           /* where the first of these lies */
	uint32_t orphan_entries;      /* entries in the directory, not the tree */
	char orphan_name[96];         /* the first of them */
};
int msi_find_uncovered(struct cfb *c, struct msi_uncovered *u);

/* The summary information stream's strings (msi_suminfo.c). */
enum { MSI_SI_TITLE, MSI_SI_SUBJECT, MSI_SI_AUTHOR, MSI_SI_COMMENTS, MSI_SI_TEMPLATE,
       MSI_SI_REVISION, MSI_SI_APPNAME, MSI_SI_COUNT };
struct msi_suminfo {
	char *s[MSI_SI_COUNT];        /* UTF-8, malloc'd, or NULL */
};
/* Parses a property set stream; malformed parts are skipped (the summary
 * is information, not signed structure). ST_OK or ST_ENOMEM. */
int msi_suminfo_parse(const uint8_t *data, size_t len, struct msi_suminfo *si);
void msi_suminfo_clear(struct msi_suminfo *si);

#endif

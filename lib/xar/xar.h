/*
 * Flat installer packages (.pkg) and other xar archives: a big-endian
 * header, a zlib-compressed XML table of contents (TOC) and a heap. The
 * TOC's <checksum> locates, in the heap, the hash of the compressed TOC;
 * <signature style="RSA"> is a PKCS#1 signature over that hash and
 * <x-signature style="CMS"> a detached CMS signature over it, each with
 * its certificates (leaf first) in the TOC. Every file's archived bytes
 * have their own checksum in the TOC, so the signature covers the whole
 * archive through the TOC.
 *
 *   xar_toc.c        header, TOC inflation, the TOC's elements (libxml2)
 *   xar_signature.c  the TOC hash, the RSA and CMS signatures, the chain
 *   xar_heap.c       every file's archived checksum
 *   xar_format.c     the format: probe, verify, properties, members
 *
 * Written by hand: no Debian library reads xar (libarchive extracts xar
 * files but exposes neither the TOC hash nor the signatures).
 */
#ifndef ST_XAR_H
#define ST_XAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/format.h"

#define XAR_HEADER_MIN 28

struct xar_cert {
	uint8_t *der;
	size_t len;
};

struct xar_sig {
	bool present;
	char style[16];              /* "RSA", "CMS" */
	uint64_t offset, size;       /* in the heap */
	struct xar_cert *certs;      /* leaf first */
	size_t ncerts;
};

struct xar_file {
	char *path;                  /* from the TOC's nested <file> names */
	bool has_data;
	uint64_t offset, size, length;   /* heap offset, archived size, extracted size */
	char encoding[48];           /* "application/octet-stream", "application/x-gzip", ... */
	char cksum_style[16];        /* archived-checksum style */
	uint8_t cksum[64];
	size_t cksum_len;
	char xcksum_style[16];       /* extracted-checksum: of the decoded bytes */
	uint8_t xcksum[64];
	size_t xcksum_len;
};

struct xar {
	uint16_t header_size, version;
	uint64_t toc_clen, toc_len;
	uint32_t cksum_alg;          /* header: 0 none, 1 SHA-1, 2 MD5, 3 other, 4 SHA-512 */
	uint64_t heap;               /* where the heap starts in the file */
	char toc_style[16];          /* <checksum style=...> */
	uint64_t toc_cksum_off, toc_cksum_size;
	bool has_toc_cksum;
	/* The compressed TOC's digest under toc_style (toc_hash_len 0 when
	 * the style is unknown): what the signatures and a stapled ticket
	 * name the package by. */
	uint8_t toc_hash[64];
	unsigned toc_hash_len;
	struct xar_sig rsa, cms;
	struct xar_file *files;
	size_t nfiles;
	char creation_time[40];
};

/* Reads the header and the TOC of `in`. ST_OK; a positive ST_PARSE_* with
 * why filled; ST_ENOMEM; ST_EIO. */
int xar_read(struct st_input *in, struct xar *x, char *why, size_t whylen);
void xar_clear(struct xar *x);
/* The OpenSSL digest for a TOC checksum style ("sha1", "sha256", "md5",
 * "sha512"), or NULL. */
const struct evp_md_st *xar_md(const char *style);

/* xar_signature.c: the TOC hash and the signatures into part. */
int xar_check_signatures(struct st_walk *w, struct st_input *in, const struct xar *x,
			 struct st_part *part);

/* xar_heap.c: every file's archived checksum; stored files that a format
 * claims become members. */
int xar_check_files(struct st_walk *w, struct st_input *in, const struct xar *x,
		    struct st_part *part, bool judge);

/* xar_decode.c: whether f is stored compressed in a way sigtrace decodes;
 * its decoded bytes (*out, malloc'd, f->length of them) when a format
 * claims their head; *why set when it cannot be decoded (or is too large).
 * ST_OK, ST_ENOMEM, ST_EIO. */
bool xar_decodable(const struct xar_file *f);
int xar_decode_member(struct st_walk *w, struct st_input *in, const struct xar *x, const struct xar_file *f,
		      uint8_t **out, const char **why);

/* xar_ticket.c: a notarization ticket stapled after the archive (t8lr
 * trailers): `present` set when there is one, its check in `state`,
 * ticket_mismatch unless it is Apple's and names this package. */
int xar_check_ticket(struct st_walk *w, struct st_input *in, const struct xar *x, struct st_part *part,
		     const st_property_decl *present, const st_property_decl *state);

#endif

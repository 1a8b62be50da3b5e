/*
 * The contract between the verification driver and one file format.
 *
 * Each format (pe_format.c, macho_format.c; MSI, CAB, scripts later) provides
 * one table: a cheap probe on the first bytes, and a verify function that
 * fills a result. Formats are identified by content, never by file name.
 */
#ifndef ST_FORMAT_H
#define ST_FORMAT_H

#include "core/context.h"
#include "core/hash_pass.h"
#include "core/reader.h"
#include "core/result.h"

/* Bytes read to identify a format: non-executables are rejected after this
 * one read. */
#define ST_PROBE_LEN 4096

enum st_probe {
	ST_PROBE_NO = 0,    /* not this format */
	ST_PROBE_YES,       /* this format */
	ST_PROBE_MAYBE      /* cannot tell from the head: read the file */
};

struct st_format {
	const char *name;
	/* Looks at the first bytes (at most ST_PROBE_LEN, fewer for short
	 * files) of a file of file_size bytes. */
	enum st_probe (*probe)(st_span head, uint64_t file_size);
	/* Verifies the whole file. Returns ST_OK (verdict in res) or
	 * ST_ENOMEM; never fails because of the content. A format that hashes
	 * the file should let st_hash_pass() compute in->sha256 in the same
	 * pass; the driver hashes what is left. */
	int (*verify)(const st_context *ctx, struct st_input *in, st_result *res);
};

extern const struct st_format st_format_pe;
extern const struct st_format st_format_macho;

#endif

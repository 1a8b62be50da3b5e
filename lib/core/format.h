/*
 * The contract between the verification driver and one file format.
 *
 * Each format (pe_format.c now; Mach-O, MSI, CAB, scripts later) provides
 * one table: a cheap probe on the first bytes, and a verify function that
 * fills a result. Formats are identified by content, never by file name.
 */
#ifndef ST_FORMAT_H
#define ST_FORMAT_H

#include "core/context.h"
#include "core/reader.h"
#include "core/result.h"

struct st_format {
	const char *name;
	/* Bytes the probe needs at most; it must cope with fewer. */
	size_t probe_len;
	bool (*probe)(st_span head);
	/* Verifies the whole file. Returns ST_OK (verdict in res) or
	 * ST_ENOMEM; never fails because of the content. */
	int (*verify)(const st_context *ctx, st_span file, st_result *res);
};

extern const struct st_format st_format_pe;

#endif

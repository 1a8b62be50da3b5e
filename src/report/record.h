/*
 * One output record: a file, or a file inside a container (a member part),
 * with the constituent parts that belong to its verdict (the slices of a
 * universal binary) and their signatures, numbered in pre-order. Reports
 * and the inventory walk records; nothing here knows a format.
 */
#ifndef SIGTRACE_RECORD_H
#define SIGTRACE_RECORD_H

#include <stddef.h>

#include "sigtrace.h"

struct record_sig {
	const st_signature *sig;
	size_t part;    /* index in record.parts */
	int parent;     /* index in record.sigs of its parent, -1 for primaries */
};

struct record {
	const st_part *part;       /* the record's own part (parts[0]) */
	char *path;                /* the file path, "//" and the part's path */
	const st_part **parts;     /* the part and its constituents, pre-order */
	int *parent;               /* parent index of each part, -1 for parts[0] */
	size_t nparts;
	struct record_sig *sigs;   /* every signature of those parts, pre-order */
	size_t nsigs;
};

/* Builds the record of part p of a file at file_path. 0, or -1 on ENOMEM. */
int record_init(struct record *r, const char *file_path, const st_part *p);
void record_clear(struct record *r);

/* Calls fn for the root of res and for every part inside it that is a file
 * of its own (not constituent), in pre-order. */
void record_each(const st_result *res, const char *file_path,
		 void (*fn)(const struct record *r, void *arg), void *arg);

/* Index in r->sigs of the record's primary signature (st_part_primary_signature), -1. */
int record_primary(const struct record *r);

/* A property value rendered as text into buf ("0x20002 adhoc linker-signed"
 * for flags with bit names, ISO 8601 for times). */
void property_text(const st_property *pr, char *buf, size_t len);

#endif

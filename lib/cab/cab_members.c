/*
 * The files inside a cabinet, decoded by libarchive (MSZIP, LZX, Quantum)
 * and verified as members: a signed cabinet vouches for its own bytes, each
 * file inside has its own signature or none (a driver update's .sys, an
 * installer's DLLs).
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "cab/cab.h"
#include "core/limits.h"

int cab_walk_members(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct archive_feed f;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc = ST_OK, r;

	if (!a)
		return ST_ENOMEM;
	archive_read_support_format_cab(a);
	archive_feed(a, &f, in);
	if (archive_read_open1(a) != ARCHIVE_OK)
		goto broken;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		la_int64_t size = archive_entry_size(e);
		const char *name = archive_entry_pathname(e);
		struct st_member m = { .kind = "member", .name = name ? name : "?" };
		struct st_part *child;
		uint8_t *buf;
		la_ssize_t got;

		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (size < 0 || (uint64_t)size > ST_LIMIT_DECODED_BYTES - w->decoded) {
			rc = st_reasons_add(&part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
					    "member '%s' (%lld bytes) would pass the %llu bytes of "
					    "decoded members one file may hold; it and the rest are "
					    "not verified", m.name, (long long)size,
					    (unsigned long long)ST_LIMIT_DECODED_BYTES);
			break;
		}
		buf = malloc(size ? (size_t)size : 1);
		if (!buf) {
			rc = ST_ENOMEM;
			break;
		}
		got = size ? archive_read_data(a, buf, (size_t)size) : 0;
		if (got != size) {
			free(buf);
			goto broken;
		}
		m.data = buf;
		m.size = (uint64_t)size;
		rc = st_walk_member(w, in, part, &m, &child);
		free(buf);
		if (rc)
			break;
	}
	if (rc == ST_OK && r != ARCHIVE_EOF && r != ARCHIVE_OK)
		goto broken;
	archive_read_free(a);
	return rc;
broken:
	if (f.err == ST_EIO || f.err == ST_ENOMEM)
		rc = f.err;
	else
		rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
				    "the files inside cannot all be read: %s",
				    archive_error_string(a) ? archive_error_string(a) : "?");
	archive_read_free(a);
	return rc;
}

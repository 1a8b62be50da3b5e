/*
 * Archives read by libarchive: tar (plain, gzip, bzip2, xz, zstd, lzip),
 * cpio, 7-Zip, RAR and RAR 5, ISO 9660 images, ar, single compressed files
 * (a gzip'd executable), and ZIP files that are not app packages (lib/appx
 * hands them over). Every regular file inside is a member: its first bytes
 * are decoded and identified, and only the ones a format claims are decoded
 * whole and verified (nested archives recurse under the part limits).
 * Encrypted ZIP, 7-Zip and RAR members are opened with the context's
 * archive passwords (st_context_add_archive_password, `--archive-password`).
 *
 *   archive_format.c   the format: probe, verify, the walk over entries
 *   archive_feed.c     libarchive reading through the input's window (also
 *                      lib/cab's)
 *   archive_pbzx.c     the pbzx payloads of macOS packages, decoded chunk
 *                      by chunk for libarchive
 *   archive_bundles.c  Apple bundles inside an archive: copied out and
 *                      verified as bundles
 *
 * The decompressed bytes an archive may expand to are bounded
 * (docs/limits.md): a bomb costs the limit, not the disk.
 */
#ifndef ST_ARCHIVE_H
#define ST_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/format.h"

struct archive;

/* libarchive reading an input through its window (no copy of the whole
 * file; a file that shrinks while read is an error, not a signal): the
 * callback data, and the callbacks installed on `a` by archive_feed(). */
struct archive_feed {
	struct st_input *in;
	uint64_t off;
	int err;         /* ST_EIO or ST_ENOMEM when a read failed */
};
/* Sets f's read, skip and seek callbacks on a (before archive_read_open1). */
void archive_feed(struct archive *a, struct archive_feed *f, struct st_input *in);

/* A pbzx stream read by libarchive (archive_pbzx.c): the feed, one
 * decoded chunk, and whether a chunk was bad. */
struct archive_pbzx {
	struct archive_feed feed;
	uint8_t *buf;
	size_t cap;
	bool bad;
};
/* Whether the first bytes are pbzx's. */
bool archive_is_pbzx(st_span head);
/* Sets p's read callback on a (before archive_read_open1); clear frees
 * the decoded chunk. */
void archive_feed_pbzx(struct archive *a, struct archive_pbzx *p, struct st_input *in);
void archive_pbzx_clear(struct archive_pbzx *p);

/*
 * Apple bundles inside an archive (archive_bundles.c): the entries under a
 * directory a directory format may claim are copied out as the walk reads
 * them, and verified as bundles once it has read the archive.
 *
 * archive_copy_entry looks at entry e (its header just read): *taken when
 * it was copied (or skipped: a device inside a bundle) and is no member;
 * *unreadable when its data was read in part and the copy was refused (the
 * walk records it as a file that cannot be decoded). archive_copies_finish
 * verifies each copy into a child of part (its files one by one when no
 * format claims it or it was refused, with a reason) and clears cs.
 */
struct archive_copy;
struct archive_copies {
	struct archive_copy *v;
	size_t n;
	bool limited;   /* more bundles than ST_LIMIT_ARCHIVE_BUNDLES */
	bool no_tmp;    /* no temporary directory could be made */
};
struct archive_entry;
int archive_copy_entry(struct archive_copies *cs, struct archive *a, struct archive_entry *e, bool *taken,
		       bool *unreadable);
int archive_copies_finish(struct archive_copies *cs, struct st_walk *w, struct st_part *part);
void archive_copies_clear(struct archive_copies *cs);

/* Walks the archive `in` into part (ZIP files from lib/appx; every
 * archive from this format's verify) and finishes part. `kind` names it
 * when libarchive cannot ("zip"). */
int archive_walk(struct st_walk *w, struct st_input *in, struct st_part *part);

extern const struct st_format st_format_archive;

#endif

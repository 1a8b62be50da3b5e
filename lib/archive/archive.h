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
 *
 * The decompressed bytes an archive may expand to are bounded
 * (docs/limits.md): a bomb costs the limit, not the disk.
 */
#ifndef ST_ARCHIVE_H
#define ST_ARCHIVE_H

#include "core/format.h"

/* Walks the archive `in` into part (ZIP files from lib/appx; every
 * archive from this format's verify) and finishes part. `kind` names it
 * when libarchive cannot ("zip"). */
int archive_walk(struct st_walk *w, struct st_input *in, struct st_part *part);

extern const struct st_format st_format_archive;

#endif

/* Apple disk images (dmg_format.c: the trailer and its signature;
 * dmg_volume.c: the volume inside). */
#ifndef SIGTRACE_DMG_H
#define SIGTRACE_DMG_H

#include <stdint.h>

#include "core/format.h"

/* The disk-image format (lib/image), which walks the volume. */
extern const struct st_format st_format_image;

/* Reads the image's volume through its blkx chunk table (in the resource
 * plist at xml_off) and verifies it as the member "disk": ST_OK (what it
 * cannot read is a reason of part), ST_ENOMEM, ST_EIO. */
int dmg_volume(struct st_walk *w, struct st_input *in, struct st_part *part, uint64_t data_off, uint64_t data_len,
	       uint64_t xml_off, uint64_t xml_len);

#endif

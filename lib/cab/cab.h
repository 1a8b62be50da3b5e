/* Cabinet files (.cab): the signature (cab_format.c) and the files inside
 * (cab_members.c). */
#ifndef ST_CAB_H
#define ST_CAB_H

#include "core/format.h"

/* Verifies every file inside the cabinet as a member of `part` (a file of
 * its own). A cabinet that libarchive cannot decode gets the information
 * malformed_container. ST_OK, ST_ENOMEM, ST_EIO. */
int cab_walk_members(struct st_walk *w, struct st_input *in, struct st_part *part);

#endif

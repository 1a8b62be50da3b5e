/*
 * What the disk image walk's files share (image_format.c, image_bundles.c).
 */
#ifndef ST_IMAGE_H
#define ST_IMAGE_H

#include <tsk/libtsk.h>

#include "core/format.h"

/* A file's data stream inside the image, read through TSK. */
struct image_src {
	TSK_FS_FILE *file;
	const TSK_FS_ATTR *attr;   /* NULL: the default data */
};

/* Reads exactly len bytes at off (st_source.read over a struct image_src). */
int image_src_read(void *arg, uint64_t off, void *buf, size_t len);

/*
 * The directory `dir` of the walked file system, named `name` in records
 * (its path with the partition's prefix), verified as a directory format
 * (an Apple bundle) when one may claim it: copied out of the image
 * (st_stage), probed, verified into a child of parent. *child is NULL when
 * no format claims it, or when it cannot be copied out (the reason is then
 * parent's): the walk then verifies its files one by one. ST_OK or
 * ST_ENOMEM.
 */
int image_directory(struct st_walk *w, struct st_part *parent, TSK_FS_FILE *dir, const char *name,
		    struct st_part **child);

#endif

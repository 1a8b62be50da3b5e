/*
 * Apple bundles inside a disk image or a DMG's volume: the directory is
 * copied out of the file system (driver/staged_tree.c) and verified as a
 * bundle on disk is, seal and nested code included. Without this, a
 * bundle in an image was a heap of files: its main executable valid on its
 * own, an executable dropped beside it after signing (WindTail, S0466)
 * reported as a lone linker-signed file, and the image valid.
 *
 * Only directories a directory format may claim from their name and
 * listing are copied (st_directory_candidate): an image's thousands of
 * other directories cost one listing at most.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/limits.h"
#include "image/image.h"

/* Entries of a directory's listing shown to the formats' listing probe. */
#define LISTING 256

struct copy {
	struct st_stage *stage;
	TSK_FS_INFO *fs;
	char why[256];   /* a refusal of the walk's own (the stage has its own) */
	bool limited;
};

/* A name as the directory on disk holds it: HFS+ keeps a POSIX '/' as ':'
 * and shows a POSIX ':' as '/' (the seal lists POSIX names). */
static void posix_name(const TSK_FS_INFO *fs, const char *in, char *out, size_t cap)
{
	snprintf(out, cap, "%s", in);
	if (TSK_FS_TYPE_ISHFS(fs->ftype))
		for (char *p = out; *p; p++)
			if (*p == '/')
				*p = ':';
}

static int link_target(TSK_FS_FILE *f, char *out, size_t cap)
{
	struct image_src s = { f, NULL };
	uint64_t size = f->meta->size > 0 ? (uint64_t)f->meta->size : 0;

	if (f->meta->link && *f->meta->link) {
		snprintf(out, cap, "%s", f->meta->link);
		return ST_OK;
	}
	/* HFS+ and others keep the target as the link's data. */
	if (size == 0 || size >= cap || image_src_read(&s, 0, out, (size_t)size) != ST_OK)
		return ST_STAGE_REFUSED;
	out[size] = '\0';
	return strlen(out) == size ? ST_OK : ST_STAGE_REFUSED;
}

static int copy_dir(struct copy *c, TSK_INUM_T inum, int dirfd, int depth)
{
	TSK_FS_DIR *d;
	int rc = ST_OK;

	if (depth > ST_LIMIT_BUNDLE_DEPTH) {
		snprintf(c->why, sizeof(c->why), "directories nested deeper than %d", ST_LIMIT_BUNDLE_DEPTH);
		c->limited = true;
		return ST_STAGE_REFUSED;
	}
	if (!(d = tsk_fs_dir_open_meta(c->fs, inum))) {
		tsk_error_reset();
		snprintf(c->why, sizeof(c->why), "a directory (inode %llu) cannot be read",
			 (unsigned long long)inum);
		return ST_STAGE_REFUSED;
	}
	for (size_t i = 0; rc == ST_OK && i < tsk_fs_dir_getsize(d); i++) {
		const TSK_FS_NAME *nm = tsk_fs_dir_get_name(d, i);
		TSK_FS_FILE *f;
		char name[512];

		if (!nm || !nm->name || !(nm->flags & TSK_FS_NAME_FLAG_ALLOC) ||
		    strcmp(nm->name, ".") == 0 || strcmp(nm->name, "..") == 0)
			continue;
		if (!(f = tsk_fs_dir_get(d, i)))
			continue;
		posix_name(c->fs, nm->name, name, sizeof(name));
		if (!f->meta) {
			/* A name without metadata: nothing to copy. */
		} else if (f->meta->type == TSK_FS_META_TYPE_DIR) {
			int sub;
			rc = st_stage_dir(c->stage, dirfd, name, &sub);
			if (rc == ST_OK) {
				rc = copy_dir(c, f->meta->addr, sub, depth + 1);
				close(sub);
			}
		} else if (f->meta->type == TSK_FS_META_TYPE_REG) {
			struct image_src s = { f, NULL };
			rc = st_stage_file(c->stage, dirfd, name, f->meta->size > 0 ? (uint64_t)f->meta->size : 0,
					   image_src_read, &s);
		} else if (f->meta->type == TSK_FS_META_TYPE_LNK) {
			char target[4096];
			if ((rc = link_target(f, target, sizeof(target))) != ST_OK)
				snprintf(c->why, sizeof(c->why), "link '%.64s': its target cannot be read", name);
			else
				rc = st_stage_link(c->stage, dirfd, name, target);
		}
		/* Devices, pipes and sockets have no place in a bundle's seal. */
		tsk_fs_file_close(f);
	}
	tsk_fs_dir_close(d);
	return rc;
}

/* Whether a directory format may claim dir, from its name and listing. */
static bool candidate(TSK_FS_FILE *dir)
{
	const char *names[LISTING];
	size_t n = 0;
	TSK_FS_DIR *d;
	bool yes;

	if (!strchr(dir->name->name, '.'))
		return false;   /* every directory format has an extension: no listing read */
	if (!(d = tsk_fs_dir_open_meta(dir->fs_info, dir->meta->addr))) {
		tsk_error_reset();
		return false;
	}
	for (size_t i = 0; i < tsk_fs_dir_getsize(d) && n < LISTING; i++) {
		const TSK_FS_NAME *nm = tsk_fs_dir_get_name(d, i);
		if (nm && nm->name && (nm->flags & TSK_FS_NAME_FLAG_ALLOC))
			names[n++] = nm->name;
	}
	yes = st_directory_candidate(dir->name->name, names, n) != NULL;
	tsk_fs_dir_close(d);
	return yes;
}

int image_directory(struct st_walk *w, struct st_part *parent, TSK_FS_FILE *dir, const char *name,
		    struct st_part **child)
{
	struct copy c = { .fs = dir->fs_info };
	char top[512];
	int rc, sub = -1;

	*child = NULL;
	if (!dir->meta || !dir->name || !dir->name->name || !candidate(dir))
		return ST_OK;
	if ((rc = st_stage_new(&c.stage)) != ST_OK)
		return st_reasons_add(&parent->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
				      "'%s' is not verified as a bundle: no temporary directory to copy it to (%s); its files are verified one by one",
				      name, strerror(errno));
	posix_name(c.fs, dir->name->name, top, sizeof(top));
	rc = st_stage_dir(c.stage, st_stage_root(c.stage), top, &sub);
	if (rc == ST_OK) {
		rc = copy_dir(&c, dir->meta->addr, sub, 1);
		close(sub);
	}
	if (rc == ST_OK)
		rc = st_stage_verify(w, parent, c.stage, top, name, child);
	else if (rc == ST_STAGE_REFUSED) {
		bool limited;
		const char *why = st_stage_why(c.stage, &limited);

		if (*c.why)
			why = c.why, limited = c.limited;
		rc = st_reasons_add(&parent->reasons, limited ? ST_R_LIMIT_EXCEEDED : ST_R_MALFORMED_CONTAINER,
				    ST_EFFECT_DEFAULT,
				    "'%s' is not verified as a bundle: it cannot be copied out of the image (%s); its files are verified one by one",
				    name, why);
	}
	st_stage_free(c.stage);
	return rc;
}

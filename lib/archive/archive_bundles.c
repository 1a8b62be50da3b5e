/*
 * Apple bundles inside archives (a zipped .app, as apps are mailed and
 * downloaded; WindTail, S0466, travelled so): the entries under a
 * directory a directory format may claim are copied out as the archive
 * is read (driver/staged_tree.c), and once the archive is read, each copy
 * is verified as a bundle on disk is, seal and nested code included.
 * Without this, a bundle in an archive was a heap of files: its main
 * executable valid on its own, an executable dropped beside it after
 * signing a lone linker-signed file.
 *
 * Which directory: the outermost one in an entry's path whose name and
 * the entry that follows it in the path a directory format's listing
 * probe accepts ("X.app" then "Contents"), or one the archive already
 * holds a copy of. A copy nothing claims, or one refused half-way (a
 * limit, a name no directory can hold, a file that cannot be decoded),
 * has its files verified one by one, as any member would be; the entries
 * after a refusal are members again.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/archive.h"
#include "core/limits.h"

struct archive_copy {
	char *root;      /* its path in the archive ("dir/X.app") */
	const char *top; /* its last component, the copy's top directory */
	struct st_stage *stage;
	bool refused;
};

/* Path components of an entry, "." and empty ones dropped. */
#define MAX_COMPONENTS 256

static size_t split(char *path, char **c)
{
	size_t n = 0;
	char *save = NULL;

	for (char *p = strtok_r(path, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (n == MAX_COMPONENTS)
			return 0;
		c[n++] = p;
	}
	return n;
}

static int join(char **c, size_t from, size_t to, char **out)
{
	size_t len = 1;
	char *s;

	for (size_t i = from; i < to; i++)
		len += strlen(c[i]) + 1;
	if (!(s = malloc(len)))
		return ST_ENOMEM;
	*s = '\0';
	for (size_t i = from; i < to; i++) {
		if (i > from)
			strcat(s, "/");
		strcat(s, c[i]);
	}
	*out = s;
	return ST_OK;
}

/* Reads an entry's data in order: st_stage_file asks from offset 0 up. */
struct entry_data {
	struct archive *a;
	bool started;   /* some of it was read: the walk cannot read it again */
};

static int entry_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct entry_data *d = arg;
	size_t done = 0;

	(void)off;
	d->started = true;
	while (done < len) {
		la_ssize_t got = archive_read_data(d->a, (char *)buf + done, len - done);
		if (got <= 0)
			return ST_EIO;
		done += (size_t)got;
	}
	return ST_OK;
}

/* The copy of the directory rooted at components [0, k] (made when new),
 * or NULL when no more copies may be made. */
static int copy_for(struct archive_copies *cs, char **c, size_t k, struct archive_copy **out)
{
	char *root;
	struct archive_copy *cp;
	int rc;

	*out = NULL;
	if ((rc = join(c, 0, k + 1, &root)))
		return rc;
	for (size_t i = 0; i < cs->n; i++)
		if (strcmp(cs->v[i].root, root) == 0) {
			free(root);
			*out = &cs->v[i];
			return ST_OK;
		}
	if (cs->n == ST_LIMIT_ARCHIVE_BUNDLES) {
		free(root);
		cs->limited = true;
		return ST_OK;
	}
	if (!cs->v && !(cs->v = calloc(ST_LIMIT_ARCHIVE_BUNDLES, sizeof(*cs->v)))) {
		free(root);
		return ST_ENOMEM;
	}
	cp = &cs->v[cs->n];
	*cp = (struct archive_copy){ .root = root };
	cp->top = strrchr(root, '/') ? strrchr(root, '/') + 1 : root;
	if ((rc = st_stage_new(&cp->stage)) != ST_OK) {
		free(root);
		cs->no_tmp = true;
		return ST_OK;   /* no temporary directory: members as before */
	}
	cs->n++;
	*out = cp;
	return ST_OK;
}

int archive_copy_entry(struct archive_copies *cs, struct archive *a, struct archive_entry *e,
		       bool *taken, bool *unreadable)
{
	const char *name = archive_entry_pathname(e);
	char *path, *c[MAX_COMPONENTS];
	struct archive_copy *cp = NULL;
	size_t n, k = 0;
	int rc = ST_OK, fd = -1;
	char *rel = NULL;

	*taken = *unreadable = false;
	if (!name || !*name || !(path = strdup(name)))
		return name && *name ? ST_ENOMEM : ST_OK;
	n = split(path, c);
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i], "..") == 0)
			n = 0;   /* leaves the archive: a member as any, never copied */
	/* A directory already copied, else the outermost a format may claim. */
	for (size_t i = 0; i < cs->n && !cp; i++) {
		size_t d = 0;   /* the index of the copy's top among c[] */
		char *joined;

		for (const char *p = cs->v[i].root; *p; p++)
			d += *p == '/';
		if (d + 1 >= n)
			continue;
		if ((rc = join(c, 0, d + 1, &joined)))
			goto out;
		if (strcmp(joined, cs->v[i].root) == 0)
			cp = &cs->v[i], k = d;
		free(joined);
	}
	for (; !cp && k + 1 < n; k++) {
		const char *next = c[k + 1];
		if (st_directory_candidate(c[k], &next, 1)) {
			if ((rc = copy_for(cs, c, k, &cp)))
				goto out;
			break;
		}
	}
	if (!cp || cp->refused)
		goto out;
	/* rel: the entry's path from the copy's top (its component k on). */
	*taken = true;
	/* A tar hard link's type may be left unset: it is the file's. */
	switch (archive_entry_hardlink(e) ? AE_IFREG : archive_entry_filetype(e)) {
	case AE_IFDIR:
		if ((rc = join(c, k, n, &rel)) == ST_OK)
			rc = st_stage_dirs(cp->stage, rel, &fd);
		break;
	case AE_IFREG:
	case AE_IFLNK:
		if (k + 1 >= n) {
			rc = ST_STAGE_REFUSED;   /* the top itself as a file */
			break;
		}
		if ((rc = join(c, k, n - 1, &rel)) != ST_OK || (rc = st_stage_dirs(cp->stage, rel, &fd)) != ST_OK)
			break;
		if (archive_entry_hardlink(e) && archive_entry_size_is_set(e) && archive_entry_size(e) == 0) {
			/* tar stores a hard link's data once: the link names
			 * the file copied before (one outside this bundle's
			 * copy refuses it: "" names nothing). */
			char *tpath = strdup(archive_entry_hardlink(e)), *t[MAX_COMPONENTS], *trel = NULL;
			size_t tn;
			if (!tpath) {
				rc = ST_ENOMEM;
				break;
			}
			tn = split(tpath, t);
			if (tn > k + 1) {
				char *troot = NULL;
				if ((rc = join(t, 0, k + 1, &troot)) == ST_OK && strcmp(troot, cp->root) == 0)
					rc = join(t, k, tn, &trel);
				free(troot);
			}
			if (rc == ST_OK)
				rc = st_stage_hardlink(cp->stage, trel ? trel : "", fd, c[n - 1]);
			free(trel);
			free(tpath);
		} else if (!archive_entry_hardlink(e) && archive_entry_filetype(e) == AE_IFLNK) {
			const char *target = archive_entry_symlink(e);
			rc = st_stage_link(cp->stage, fd, c[n - 1], target ? target : "");
		} else if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0) {
			rc = ST_STAGE_REFUSED;
		} else {
			struct entry_data d = { a, false };
			rc = st_stage_file(cp->stage, fd, c[n - 1], (uint64_t)archive_entry_size(e), entry_read, &d);
			/* Its data read in part: the walk cannot take it again. */
			*unreadable = rc == ST_STAGE_REFUSED && d.started;
		}
		break;
	default:
		break;   /* devices and pipes: no place in a bundle */
	}
	if (rc == ST_STAGE_REFUSED) {
		cp->refused = true;
		*taken = *unreadable;
		rc = ST_OK;
	}
out:
	if (fd >= 0)
		close(fd);
	free(rel);
	free(path);
	return rc;
}

int archive_copies_finish(struct archive_copies *cs, struct st_walk *w, struct st_part *part)
{
	int rc = ST_OK;

	for (size_t i = 0; i < cs->n; i++) {
		struct archive_copy *cp = &cs->v[i];
		struct st_part *child = NULL;

		if (rc == ST_OK && cp->refused) {
			bool limited;
			const char *why = st_stage_why(cp->stage, &limited);
			rc = st_reasons_add(&part->reasons, limited ? ST_R_LIMIT_EXCEEDED : ST_R_MALFORMED_CONTAINER,
					    ST_EFFECT_DEFAULT,
					    "'%s' is not verified as a bundle: it cannot be copied out of the archive (%s); its files are verified one by one",
					    cp->root, why);
		} else if (rc == ST_OK) {
			rc = st_stage_verify(w, part, cp->stage, cp->top, cp->root, &child);
		}
		if (rc == ST_OK && !child)
			rc = st_stage_walk_files(w, part, cp->stage, cp->top, cp->root);
	}
	if (rc == ST_OK && cs->limited)
		rc = st_reasons_add(&part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				    "more than %d bundles in one archive: the files of the rest are verified one by one",
				    ST_LIMIT_ARCHIVE_BUNDLES);
	if (rc == ST_OK && cs->no_tmp)
		rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
				    "bundles are not verified as bundles: no temporary directory to copy them to; their files are verified one by one");
	archive_copies_clear(cs);
	return rc;
}

void archive_copies_clear(struct archive_copies *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->v[i].root);
		st_stage_free(cs->v[i].stage);
	}
	free(cs->v);
	*cs = (struct archive_copies){ 0 };
}

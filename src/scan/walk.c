/*
 * The directory walker of `scan`: trees in name order, symbolic links
 * counted and not followed (a tree cannot loop or lead out of the
 * evidence), cycles and depth bounded, every path handed to the engine.
 * A directory the library verifies whole (an Apple bundle: its seal covers
 * every file in it) is handed over as one path and not descended into.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scan/engine.h"

#define MAX_TREE_DEPTH 256

struct walker {
	struct engine *e;
	/* directories on the walk path, for cycle detection */
	struct { dev_t dev; ino_t ino; } stack[MAX_TREE_DEPTH + 1];
	int depth;
};


struct dentry {
	char *name;
	unsigned char type;   /* d_type: DT_UNKNOWN when the file system does not say */
};

static int cmp_dentry(const void *a, const void *b)
{
	return strcmp(((const struct dentry *)a)->name, ((const struct dentry *)b)->name);
}

static const char *kind_of(mode_t m)
{
	if (S_ISFIFO(m)) return "a FIFO";
	if (S_ISSOCK(m)) return "a socket";
	if (S_ISCHR(m)) return "a character device";
	if (S_ISBLK(m)) return "a block device";
	return "not a regular file";
}

static void walk(struct walker *w, const char *dir, const struct stat *dst)
{
	DIR *d;
	struct dirent *ent;
	struct dentry *names = NULL;
	size_t n = 0, cap = 0;
	char msg[96];

	if (w->depth >= MAX_TREE_DEPTH) {
		snprintf(msg, sizeof(msg), "directory nesting exceeds %d levels; not descended",
			 MAX_TREE_DEPTH);
		engine_add_error(w->e, dir, msg);
		return;
	}
	/* A directory that is its own ancestor (bind mounts, loops in a
	 * file system image) would never end. */
	for (int i = 0; i < w->depth; i++) {
		if (w->stack[i].dev == dst->st_dev && w->stack[i].ino == dst->st_ino) {
			engine_add_error(w->e, dir, "directory cycle: already being walked; not descended");
			return;
		}
	}
	d = opendir(dir);
	if (!d) {
		engine_add_error(w->e, dir, strerror(errno));
		return;
	}
	while ((ent = readdir(d)) != NULL) {
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct dentry *nn = realloc(names, nc * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
			cap = nc;
		}
		names[n].type = ent->d_type;
		if ((names[n].name = strdup(ent->d_name)) != NULL)
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_dentry);
	w->stack[w->depth].dev = dst->st_dev;
	w->stack[w->depth].ino = dst->st_ino;
	w->depth++;
	for (size_t i = 0; i < n; i++) {
		size_t dl = strlen(dir);
		size_t len = dl + strlen(names[i].name) + 2;
		char *full = malloc(len);
		struct stat st;

		if (!full)
			break;
		snprintf(full, len, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names[i].name);
		/* Regular files need no lstat here: the worker opens and
		 * checks them anyway. */
		if (names[i].type == DT_REG)
			engine_add_file(w->e, full);
		else if (lstat(full, &st) != 0)
			engine_add_error(w->e, full, strerror(errno));
		else if (S_ISDIR(st.st_mode) && st_directory_format(engine_context(w->e), full))
			engine_add_file(w->e, full);
		else if (S_ISDIR(st.st_mode))
			walk(w, full, &st);
		else if (S_ISREG(st.st_mode))
			engine_add_file(w->e, full);
		else if (S_ISLNK(st.st_mode))
			engine_note_symlink(w->e);
		else
			engine_add_error(w->e, full, kind_of(st.st_mode));
		free(full);
	}
	w->depth--;
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
}

void engine_walk(struct engine *e, const char *dir)
{
	struct walker w = { .e = e };
	struct stat st;

	if (stat(dir, &st) != 0) {
		engine_add_error(e, dir, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode) || st_directory_format(engine_context(e), dir)) {
		engine_add_file(e, dir);
		return;
	}
	walk(&w, dir, &st);
}


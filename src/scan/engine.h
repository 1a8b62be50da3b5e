/* The parallel verification engine behind `verify` and `scan`: a walker
 * feeds paths into a bounded ring, worker threads verify them, and the
 * main thread prints results in input order as they complete. */
#ifndef SIGTRACE_ENGINE_H
#define SIGTRACE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "inventory/inventory.h"

enum render { RENDER_VERBOSE, RENDER_LINE, RENDER_NDJSON, RENDER_CSV, RENDER_SIGCHECK, RENDER_TIMESKETCH };

struct engine_opts {
	st_context *ctx;
	enum render render;
	int jobs;
	bool all;        /* also list non-executables */
	bool progress;   /* progress line on stderr */
	bool summary;    /* summary on stderr at the end */
	struct inventory *inv;  /* --db: record every verified file */
	bool resume;     /* --resume: skip files the inventory already has */
};

struct engine;

int engine_start(struct engine **out, const struct engine_opts *o);
/* Queues one file (any kind: the worker reports what it is). */
void engine_add_file(struct engine *e, const char *path);
/* The context the engine verifies with (the walker asks it which
 * directories are verified whole: Apple bundles). */
st_context *engine_context(struct engine *e);
/* Queues an error record for a path the walker could not handle. */
void engine_add_error(struct engine *e, const char *path, const char *msg);
/* Walks a directory tree (walk.c; symbolic links are not followed). */
void engine_walk(struct engine *e, const char *dir);
/* Counts a symbolic link the walker did not follow. */
void engine_note_symlink(struct engine *e);
/* Waits for everything, prints the summary; returns the exit status. */
int engine_finish(struct engine *e);

#endif

/* Command-line options of every subcommand: one table (options.c) that the
 * parser and the usage text are both made from. */
#ifndef SIGTRACE_OPTIONS_H
#define SIGTRACE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"

struct opts {
	const char *cmd;             /* "verify", "scan", "outliers" */
	enum out_format format;
	bool no_default_trust, system_trust;
	const char **trust, **crl, **dbx, **catalogs, **hives, **passwords, **vulnlists;
	size_t ntrust, ncrl, ndbx, ncatalogs, nhives, npasswords, nvulnlists;
	bool no_catalogs;            /* scan: no CatRoot discovery */
	bool no_host_trust;          /* scan: no registry hive discovery */
	int64_t at;
	bool at_set;
	uint64_t max_size;
	int jobs;
	bool all, quiet, no_file_hash, legacy_hashes, hash_images, resume, deleted;
	const char *db, *allow, *baseline;
	const char *host;            /* scan --host: the host name the inventory records */
	int min_score;               /* outliers --min-score (default 50) */
	bool min_score_set;
	bool rates;                  /* outliers --rates */
	const char *files_from;
	char **paths;                /* operands */
	size_t npaths;
};

/* Parses argv (argv[1] is the subcommand). Returns -1 when the command may
 * run, else the exit status to leave with (after --help: 0; a usage error:
 * 64, with the message printed). */
int options_parse(int argc, char **argv, struct opts *o);
void options_free(struct opts *o);
void usage(FILE *out);

#endif

/* `sigtrace verify` and `sigtrace scan`: the context from the options, the
 * inventory, the engine, the paths. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/commands.h"
#include "telemetry/found_logs.h"
#include "inventory/inventory.h"
#include "scan/engine.h"

/* The entry of dir whose name equals name ignoring ASCII case (Windows
 * trees copied to case-sensitive file systems keep their own case:
 * "System32", "system32", "CatRoot", "catroot"), malloc'd, or NULL. */
static char *child_ci(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *found = NULL;

	if (!d)
		return NULL;
	while (!found && (e = readdir(d)) != NULL) {
		if (strcasecmp(e->d_name, name) == 0) {
			size_t n = strlen(dir) + strlen(e->d_name) + 2;
			if ((found = malloc(n)))
				snprintf(found, n, "%s/%s", dir, e->d_name);
		}
	}
	closedir(d);
	return found;
}

/* root/steps[0]/steps[1]/... matching each name in any letter case
 * (malloc'd), or NULL; steps end at NULL or after 4. */
static char *path_ci(const char *root, const char *const *steps)
{
	char *cur = strdup(root);

	for (size_t k = 0; cur && k < 4 && steps[k]; k++) {
		char *next = child_ci(cur, steps[k]);
		free(cur);
		cur = next;
	}
	return cur;
}

/* The first of the step lists that exists under root (path_ci). */
static char *first_path_ci(const char *root, const char *const (*lists)[4], size_t n)
{
	char *found = NULL;

	for (size_t s = 0; s < n && !found; s++)
		found = path_ci(root, lists[s]);
	return found;
}

/* The CatRoot of a Windows tree at or under root: root itself being the
 * system drive, its Windows directory or System32. */
static char *find_catroot(const char *root)
{
	static const char *const steps[][4] = {
		{ "Windows", "System32", "CatRoot", NULL },
		{ "System32", "CatRoot", NULL, NULL },
		{ "CatRoot", NULL, NULL, NULL },
	};

	return first_path_ci(root, steps, sizeof(steps) / sizeof(steps[0]));
}

/* The hives of a Windows tree at root: the machine's SOFTWARE and each
 * user's NTUSER.DAT. Adds their paths to *out (malloc'd). */
static size_t find_hives(const char *root, char **out, size_t max)
{
	static const char *const machine[][4] = {
		{ "Windows", "System32", "config", "SOFTWARE" },
		{ "System32", "config", "SOFTWARE", NULL },
	};
	size_t n = 0;
	char *software = first_path_ci(root, machine, sizeof(machine) / sizeof(machine[0]));

	if (software && max)
		out[n++] = software;
	else
		free(software);
	for (size_t u = 0; u < 2 && n < max; u++) {
		char *users = child_ci(root, u ? "Documents and Settings" : "Users");
		DIR *d = users ? opendir(users) : NULL;
		struct dirent *e;

		while (d && n < max && (e = readdir(d)) != NULL) {
			char *dir, *hive;
			size_t len;
			if (e->d_name[0] == '.')
				continue;
			len = strlen(users) + strlen(e->d_name) + 2;
			if (!(dir = malloc(len)))
				break;
			snprintf(dir, len, "%s/%s", users, e->d_name);
			if ((hive = child_ci(dir, "NTUSER.DAT")) != NULL)
				out[n++] = hive;
			free(dir);
		}
		if (d)
			closedir(d);
		free(users);
	}
	return n;
}

/* Says what a host's stores add that the platform does not trust. */
static void report_host_roots(st_context *ctx, size_t from, bool quiet)
{
	for (size_t i = from; !quiet && i < st_context_host_cert_count(ctx); i++) {
		const st_host_cert *h = st_context_host_cert(ctx, i);
		const char *store = st_host_cert_store(h);
		const char *bare = strncmp(store, "Policy/", 7) == 0 ? store + 7 : store;

		if ((strcmp(bare, "Root") == 0 || strcmp(bare, "AuthRoot") == 0) &&
		    !st_host_cert_in_program(h))
			fprintf(stderr, "sigtrace: host trust: %s adds the root '%s' (SHA-1 %s) to its %s "
				"store, outside Microsoft's root program (T1553.004)\n",
				st_host_cert_hive(h), st_cert_subject_cn(st_host_cert_certificate(h)),
				st_cert_sha1(st_host_cert_certificate(h)), store);
	}
}

static int add_host_trust(st_context *ctx, const struct opts *o)
{
	size_t n = 0, before = st_context_host_cert_count(ctx);

	for (size_t i = 0; i < o->nhives; i++) {
		if (st_context_add_host_trust(ctx, o->hives[i], &n) != ST_OK) {
			fprintf(stderr, "sigtrace: --host-trust %s: %s\n", o->hives[i],
				st_context_trust_error(ctx));
			return -1;
		}
	}
	if (strcmp(o->cmd, "scan") == 0 && !o->no_host_trust) {
		for (size_t i = 0; i < o->npaths; i++) {
			char *hives[64];
			size_t nh = find_hives(o->paths[i], hives, 64);
			for (size_t k = 0; k < nh; k++) {
				if (st_context_add_host_trust(ctx, hives[k], &n) == ST_OK && !o->quiet)
					fprintf(stderr, "sigtrace: host trust: %zu certificates and lists "
						"from %s (--no-host-trust: not)\n", n, hives[k]);
				free(hives[k]);
			}
		}
	}
	report_host_roots(ctx, before, o->quiet || strcmp(o->cmd, "trust") == 0);
	return 0;
}

static int add_catalogs(st_context *ctx, const struct opts *o)
{
	size_t n = 0;

	for (size_t i = 0; i < o->ncatalogs; i++) {
		if (st_context_add_catalogs(ctx, o->catalogs[i], &n) != ST_OK) {
			fprintf(stderr, "sigtrace: --catalogs %s: %s\n", o->catalogs[i], strerror(errno));
			return -1;
		}
		if (!n)
			fprintf(stderr, "sigtrace: warning: --catalogs %s: no catalog found\n",
				o->catalogs[i]);
	}
	if (strcmp(o->cmd, "scan") != 0 || o->no_catalogs)
		return 0;
	for (size_t i = 0; i < o->npaths; i++) {
		char *cat = find_catroot(o->paths[i]);
		if (!cat)
			continue;
		if (st_context_add_catalogs(ctx, cat, &n) == ST_OK && !o->quiet)
			fprintf(stderr, "sigtrace: using %zu catalogs of %s (--no-catalogs: not)\n",
				n, cat);
		free(cat);
	}
	return 0;
}

st_context *make_context(const struct opts *o, int *rc)
{
	st_context *ctx = NULL;

	if (st_context_new(&ctx) != ST_OK) {
		fprintf(stderr, "sigtrace: out of memory\n");
		*rc = EXIT_UNREADABLE;
		return NULL;
	}
	if (!o->no_default_trust && st_context_add_default_trust(ctx) != ST_OK) {
		fprintf(stderr, "sigtrace: the built-in trust store could not be loaded\n");
		st_context_free(ctx);
		*rc = EXIT_UNREADABLE;
		return NULL;
	}
	if (o->system_trust && st_context_add_system_trust(ctx) != ST_OK)
		fprintf(stderr, "sigtrace: warning: the system CA bundle could not be loaded\n");
	for (size_t i = 0; i < o->ntrust; i++) {
		if (st_context_add_trust(ctx, o->trust[i]) != ST_OK) {
			fprintf(stderr, "sigtrace: --trust %s: %s\n", o->trust[i],
				st_context_trust_error(ctx));
			goto usage;
		}
	}
	for (size_t i = 0; i < o->ndbx; i++) {
		if (st_context_add_dbx(ctx, o->dbx[i]) != ST_OK) {
			fprintf(stderr, "sigtrace: --dbx %s: %s\n", o->dbx[i], st_context_trust_error(ctx));
			goto usage;
		}
	}
	for (size_t i = 0; i < o->ncrl; i++) {
		if (st_context_add_crl(ctx, o->crl[i]) != ST_OK) {
			fprintf(stderr, "sigtrace: --crl %s: no CRL could be loaded\n", o->crl[i]);
			goto usage;
		}
	}
	for (size_t i = 0; i < o->nvulnlists; i++) {
		if (st_context_add_vulnerable_drivers(ctx, o->vulnlists[i], NULL) != ST_OK) {
			fprintf(stderr, "sigtrace: --vulnerable-drivers %s: cannot be read, or too large\n",
				o->vulnlists[i]);
			goto usage;
		}
	}
	for (size_t i = 0; i < o->npasswords; i++) {
		if (st_context_add_archive_password(ctx, o->passwords[i]) != ST_OK) {
			fprintf(stderr, "sigtrace: --archive-password: at most 16 passwords\n");
			goto usage;
		}
	}
	if (add_host_trust(ctx, o) || add_catalogs(ctx, o))
		goto usage;
	if (o->at_set)
		st_context_set_time(ctx, o->at);
	if (o->no_file_hash)
		st_context_set_file_hash(ctx, 0);
	if (o->legacy_hashes)
		st_context_set_legacy_hashes(ctx, 1);
	if (o->hash_images)
		st_context_set_image_hash(ctx, 1);
	if (o->deleted)
		st_context_set_deleted_files(ctx, 1);
	/* The files inside one disk image get as many threads as -j gives
	 * files. */
	st_context_set_member_threads(ctx, o->jobs ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN));
	if (o->max_size)
		st_context_set_max_file_size(ctx, o->max_size);
	return ctx;
usage:
	st_context_free(ctx);
	*rc = EXIT_USAGE;
	return NULL;
}

/* Opens the inventory of --db, recording the scan's roots and options. */
static struct inventory *open_inventory(const struct opts *o, int argc, char **argv)
{
	char roots[4096] = "", opts[4096] = "", err[512];
	size_t ru = 0, ou = 0;
	struct inventory *inv = NULL;

	for (size_t i = 0; i < o->npaths && ru < sizeof(roots); i++)
		ru += (size_t)snprintf(roots + ru, sizeof(roots) - ru, "%s%s", i ? "\n" : "",
				       o->paths[i]);
	for (int i = 2; i < argc && argv[i] != o->paths[0] && ou < sizeof(opts); i++)
		ou += (size_t)snprintf(opts + ou, sizeof(opts) - ou, "%s%s", i > 2 ? " " : "", argv[i]);
	if (inventory_open(&inv, o->db, o->host, roots, opts, o->resume, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigtrace: --db %s: %s\n", o->db, err);
		return NULL;
	}
	return inv;
}

/* Paths from --files-from: walked (scan) or verified (verify). */
static void read_paths(struct engine *eng, const char *from, bool scan)
{
	FILE *f = strcmp(from, "-") == 0 ? stdin : fopen(from, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		engine_add_error(eng, from, strerror(errno));
		return;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (scan)
			engine_walk(eng, line);
		else
			engine_add_file(eng, line);
	}
	free(line);
	if (f != stdin)
		fclose(f);
}

int cmd_verify(const struct opts *o, int argc, char **argv)
{
	bool scan = strcmp(o->cmd, "scan") == 0;
	struct engine_opts eo = { 0 };
	struct engine *eng = NULL;
	struct inventory *inv = NULL;
	struct found_logs *logs = NULL;
	st_context *ctx;
	int rc = EXIT_USAGE;

	if (!(ctx = make_context(o, &rc)))
		return rc;
	eo.ctx = ctx;
	switch (o->format) {
	case OUT_NDJSON: eo.render = RENDER_NDJSON; break;
	case OUT_CSV: eo.render = RENDER_CSV; break;
	case OUT_SIGCHECK: eo.render = RENDER_SIGCHECK; break;
	case OUT_TIMESKETCH: eo.render = RENDER_TIMESKETCH; break;
	case OUT_TEXT: eo.render = scan ? RENDER_LINE : RENDER_VERBOSE; break;
	}
	eo.jobs = o->jobs ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	eo.all = o->all || !scan; /* verify reports every file it is given */
	eo.progress = scan && !o->quiet && isatty(STDERR_FILENO);
	eo.summary = scan && !o->quiet;
	if (o->db) {
		if (!(inv = open_inventory(o, argc, argv))) {
			rc = EXIT_UNREADABLE;
			goto out;
		}
		eo.inv = inv;
		eo.resume = o->resume;
		/* Event logs inside the disk images and archives scanned are
		 * ingested after the scan (docs/telemetry.md). */
		if (scan && found_logs_attach(&logs, ctx))
			fprintf(stderr, "sigtrace: warning: no temporary folder: event logs inside containers are not read\n");
	}
	if (o->format == OUT_CSV || o->format == OUT_SIGCHECK)
		report_csv_header(stdout, o->format == OUT_SIGCHECK); /* once, before any row */
	if (engine_start(&eng, &eo) != 0) {
		fprintf(stderr, "sigtrace: cannot start worker threads\n");
		rc = EXIT_UNREADABLE;
		goto out;
	}
	for (size_t i = 0; i < o->npaths; i++) {
		if (scan)
			engine_walk(eng, o->paths[i]);
		else
			engine_add_file(eng, o->paths[i]);
	}
	if (o->files_from)
		read_paths(eng, o->files_from, scan);
	rc = engine_finish(eng);
	if (inv) {
		if (inventory_close(inv, true) != 0) {
			fprintf(stderr, "sigtrace: --db %s: cannot finish the inventory\n", o->db);
			rc = EXIT_UNREADABLE;
		}
		inv = NULL;
		if (logs && found_logs_count(logs) + found_logs_skipped(logs)) {
			if (!o->quiet)
				fprintf(stderr, "sigtrace: %zu event log%s found inside the evidence, ingested for sigtrace executed\n",
					found_logs_count(logs), found_logs_count(logs) == 1 ? "" : "s");
			if (ingest_found(o->db, logs, o->quiet) == EXIT_UNREADABLE)
				rc = EXIT_UNREADABLE;
		}
	}
out:
	found_logs_free(logs, ctx);
	inventory_close(inv, false);
	st_context_free(ctx);
	return rc;
}

/* sigtrace: command-line front end. Uses only the public sigtrace.h. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

#define MAX_TREE_DEPTH 256

struct opts {
	enum out_format format;
	bool no_system_trust;
	const char **trust;
	size_t ntrust;
	int64_t at;
	bool at_set;
	uint64_t max_size;
	bool verbose;  /* verify: full report */
};

struct run {
	st_context *ctx;
	struct opts *o;
	bool finding, unreadable;
	unsigned long files;
};

static void usage(FILE *out)
{
	fputs("usage: sigtrace verify [options] FILE...\n"
	      "       sigtrace scan [options] PATH...\n"
	      "\n"
	      "verify  full report per file: verdict, reasons, every signature\n"
	      "scan    one line (or NDJSON record) per executable found under PATHs\n"
	      "\n"
	      "options:\n"
	      "  --trust PATH        add trust anchors from a PEM/DER file or a directory\n"
	      "                      (repeatable)\n"
	      "  --no-system-trust   do not load the system CA bundle\n"
	      "  --at TIME           verification time when no valid timestamp proves the\n"
	      "                      signing time: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @EPOCH\n"
	      "                      (default: now)\n"
	      "  --format FMT        text (default) or ndjson\n"
	      "  --max-file-size N   largest file verified, in bytes (default 4294967296)\n"
	      "  -h, --help          this help\n"
	      "  --version           print the version\n"
	      "\n"
	      "exit status: 0 nothing found, 1 a file was invalid or malformed,\n"
	      "             2 some input could not be read, 64 usage error\n", out);
}

static bool parse_time(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	char *end;
	const char *rest;

	if (s[0] == '@') {
		long long v;
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno || *end || end == s + 1)
			return false;
		*out = v;
		return true;
	}
	rest = strptime(s, "%Y-%m-%d", &tm);
	if (!rest)
		return false;
	if (*rest == 'T' || *rest == ' ') {
		rest = strptime(rest + 1, "%H:%M:%S", &tm);
		if (!rest)
			return false;
		if (*rest == 'Z')
			rest++;
	}
	if (*rest)
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

static void report(struct run *r, const char *path, const st_result *res, bool scan)
{
	st_verdict v = st_result_verdict(res);

	if (v == ST_VERDICT_INVALID || v == ST_VERDICT_MALFORMED)
		r->finding = true;
	if (scan && v == ST_VERDICT_NOT_EXECUTABLE)
		return;
	if (r->o->format == OUT_NDJSON)
		report_ndjson(stdout, path, res);
	else if (scan)
		report_text_line(stdout, path, res);
	else
		report_text_verbose(stdout, path, res);
}

static void report_error(struct run *r, const char *path, const char *msg)
{
	r->unreadable = true;
	if (r->o->format == OUT_NDJSON)
		report_ndjson_error(stdout, path, msg);
	fprintf(stderr, "sigtrace: %s: %s\n", path, msg);
}

static void verify_path(struct run *r, const char *path, bool scan)
{
	st_result *res = NULL;
	int rc = st_verify_file(r->ctx, path, &res);

	r->files++;
	if (rc == ST_EIO) {
		report_error(r, path, strerror(errno));
		return;
	}
	if (rc != ST_OK) {
		report_error(r, path, st_strerror(rc));
		return;
	}
	report(r, path, res, scan);
	st_result_free(res);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks a directory in name order (stable output), not following
 * symbolic links. */
static void walk(struct run *r, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (depth > MAX_TREE_DEPTH) {
		report_error(r, dir, "directory nesting exceeds 256 levels; not descended");
		return;
	}
	d = opendir(dir);
	if (!d) {
		report_error(r, dir, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nn = realloc(names, nc * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
			cap = nc;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *full = malloc(len);
		struct stat st;

		if (!full)
			break;
		snprintf(full, len, "%s%s%s", dir,
			 dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		if (lstat(full, &st) != 0)
			report_error(r, full, strerror(errno));
		else if (S_ISDIR(st.st_mode))
			walk(r, full, depth + 1);
		else if (S_ISREG(st.st_mode))
			verify_path(r, full, true);
		free(full);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "no-system-trust", no_argument, NULL, 'N' },
		{ "at", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "max-file-size", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .format = OUT_TEXT };
	struct run r = { .o = &o };
	const char *cmd;
	bool scan;
	int c, rc = EXIT_USAGE;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(cmd, "--version") == 0) {
		puts("sigtrace 0.1.0");
		return EXIT_CLEAN;
	}
	if (strcmp(cmd, "verify") == 0)
		scan = false;
	else if (strcmp(cmd, "scan") == 0)
		scan = true;
	else {
		fprintf(stderr, "sigtrace: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	o.trust = calloc((size_t)argc, sizeof(*o.trust));
	if (!o.trust)
		return EXIT_UNREADABLE;
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o.trust[o.ntrust++] = optarg;
			break;
		case 'N':
			o.no_system_trust = true;
			break;
		case 'a':
			if (!parse_time(optarg, &o.at)) {
				fprintf(stderr, "sigtrace: --at: cannot parse '%s'\n", optarg);
				goto out;
			}
			o.at_set = true;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o.format = OUT_TEXT;
			else if (strcmp(optarg, "ndjson") == 0)
				o.format = OUT_NDJSON;
			else {
				fprintf(stderr, "sigtrace: --format: expected text or ndjson\n");
				goto out;
			}
			break;
		case 'm': {
			char *end;
			errno = 0;
			o.max_size = strtoull(optarg, &end, 10);
			if (errno || *end || o.max_size == 0) {
				fprintf(stderr, "sigtrace: --max-file-size: expected a byte count\n");
				goto out;
			}
			break;
		}
		case 'h':
			usage(stdout);
			rc = EXIT_CLEAN;
			goto out;
		case 'V':
			puts("sigtrace 0.1.0");
			rc = EXIT_CLEAN;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "sigtrace: %s needs at least one path\n", cmd);
		goto out;
	}
	if (st_context_new(&r.ctx) != ST_OK) {
		fprintf(stderr, "sigtrace: out of memory\n");
		rc = EXIT_UNREADABLE;
		goto out;
	}
	if (!o.no_system_trust && st_context_add_system_trust(r.ctx) != ST_OK)
		fprintf(stderr, "sigtrace: warning: the system CA bundle could not be loaded\n");
	for (size_t i = 0; i < o.ntrust; i++) {
		if (st_context_add_trust(r.ctx, o.trust[i]) != ST_OK) {
			fprintf(stderr, "sigtrace: --trust %s: no certificate could be loaded\n",
				o.trust[i]);
			goto out;
		}
	}
	if (o.at_set)
		st_context_set_time(r.ctx, o.at);
	if (o.max_size)
		st_context_set_max_file_size(r.ctx, o.max_size);

	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (scan && stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			walk(&r, argv[i], 0);
		else
			verify_path(&r, argv[i], scan);
	}
	fflush(stdout);
	rc = r.unreadable ? EXIT_UNREADABLE : r.finding ? EXIT_FINDING : EXIT_CLEAN;
out:
	st_context_free(r.ctx);
	free(o.trust);
	return rc;
}

/* sigtrace: command-line front end. Uses only the public sigtrace.h. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "outliers.h"


struct opts {
	enum out_format format;
	bool no_system_trust;
	const char **trust, **crl;
	size_t ntrust, ncrl;
	int64_t at;
	bool at_set;
	uint64_t max_size;
	int jobs;
	bool all, quiet, no_file_hash, resume;
	const char *db, *allow, *baseline;
	const char *files_from;
};

static void usage(FILE *out)
{
	fputs("usage: sigtrace verify [options] FILE...\n"
	      "       sigtrace scan [options] PATH...\n"
	      "       sigtrace outliers --db FILE [--allow FILE] [--baseline DB] [--format F]\n"
	      "\n"
	      "verify  full report per file: verdict, reasons, every signature\n"
	      "scan    one line (or NDJSON record) per executable found under PATHs\n"
	      "outliers  ranked findings across an inventory written by scan --db\n"
	      "\n"
	      "options:\n"
	      "  --trust PATH        add trust anchors from a PEM/DER file or a directory\n"
	      "                      (repeatable)\n"
	      "  --no-system-trust   do not load the system CA bundle\n"
	      "  --crl PATH          certificate revocation lists, PEM/DER file or directory\n"
	      "                      (repeatable; never fetched from the network)\n"
	      "  --at TIME           verification time when no valid timestamp proves the\n"
	      "                      signing time: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @EPOCH\n"
	      "                      (default: now)\n"
	      "  --format FMT        text (default) or ndjson\n"
	      "  --max-file-size N   largest file verified, in bytes (default 4294967296);\n"
	      "                      larger files are reported as errors\n"
	      "  -j, --jobs N        files verified in parallel (default: all cores)\n"
	      "  --files-from FILE   also read paths, one per line, from FILE ('-': stdin)\n"
	      "  --all               scan: also list files that are not executables\n"
	      "  -q, --quiet         no progress line and no summary on stderr\n"
	      "  --no-file-hash      skip the whole-file SHA-256 (file.hash.sha256)\n"
	      "  --db FILE           scan: record files, signatures and certificates in the\n"
	      "                      SQLite inventory FILE (created if needed)\n"
	      "  --resume            with --db: skip files already recorded unchanged\n"
	      "  --allow FILE        outliers: drop findings for allowed files and signers\n"
	      "  --baseline DB       outliers: report only findings not in inventory DB\n"
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "crl", required_argument, NULL, 'C' },
		{ "no-system-trust", no_argument, NULL, 'N' },
		{ "at", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "max-file-size", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "files-from", required_argument, NULL, 'F' },
		{ "all", no_argument, NULL, 'A' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-file-hash", no_argument, NULL, 'H' },
		{ "db", required_argument, NULL, 'D' },
		{ "resume", no_argument, NULL, 'R' },
		{ "allow", required_argument, NULL, 'L' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .format = OUT_TEXT };
	struct engine_opts eo = { 0 };
	struct engine *eng = NULL;
	struct inventory *inv = NULL;
	st_context *ctx = NULL;
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
	if (strcmp(cmd, "outliers") == 0)
		scan = false;
	else if (strcmp(cmd, "verify") == 0)
		scan = false;
	else if (strcmp(cmd, "scan") == 0)
		scan = true;
	else {
		fprintf(stderr, "sigtrace: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	o.trust = calloc((size_t)argc, sizeof(*o.trust));
	o.crl = calloc((size_t)argc, sizeof(*o.crl));
	if (!o.trust || !o.crl)
		return EXIT_UNREADABLE;
	optind = 2;
	while ((c = getopt_long(argc, argv, "hj:q", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o.trust[o.ntrust++] = optarg;
			break;
		case 'C':
			o.crl[o.ncrl++] = optarg;
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
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 256) {
				fprintf(stderr, "sigtrace: --jobs: expected 1..256\n");
				goto out;
			}
			o.jobs = (int)v;
			break;
		}
		case 'F':
			o.files_from = optarg;
			break;
		case 'A':
			o.all = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'H':
			o.no_file_hash = true;
			break;
		case 'D':
			o.db = optarg;
			break;
		case 'R':
			o.resume = true;
			break;
		case 'L':
			o.allow = optarg;
			break;
		case 'B':
			o.baseline = optarg;
			break;
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
	if (o.resume && !o.db) {
		fprintf(stderr, "sigtrace: --resume needs --db\n");
		goto out;
	}
	if (strcmp(cmd, "outliers") == 0) {
		if (!o.db || optind < argc) {
			fprintf(stderr, "sigtrace: outliers needs --db FILE and no paths\n");
			goto out;
		}
		struct outliers_opts oo = { .db = o.db, .ndjson = o.format == OUT_NDJSON,
					    .allow = o.allow, .baseline = o.baseline };
		rc = outliers_run(&oo);
		goto out;
	}
	if ((o.allow || o.baseline) && strcmp(cmd, "outliers") != 0) {
		fprintf(stderr, "sigtrace: --allow and --baseline are options of outliers\n");
		goto out;
	}
	if (o.db && !scan) {
		fprintf(stderr, "sigtrace: --db is an option of scan and outliers\n");
		goto out;
	}
	if (optind >= argc && !o.files_from) {
		fprintf(stderr, "sigtrace: %s needs at least one path\n", cmd);
		goto out;
	}
	if (st_context_new(&ctx) != ST_OK) {
		fprintf(stderr, "sigtrace: out of memory\n");
		rc = EXIT_UNREADABLE;
		goto out;
	}
	if (!o.no_system_trust && st_context_add_system_trust(ctx) != ST_OK)
		fprintf(stderr, "sigtrace: warning: the system CA bundle could not be loaded\n");
	for (size_t i = 0; i < o.ntrust; i++) {
		if (st_context_add_trust(ctx, o.trust[i]) != ST_OK) {
			fprintf(stderr, "sigtrace: --trust %s: no certificate could be loaded\n",
				o.trust[i]);
			goto out;
		}
	}
	for (size_t i = 0; i < o.ncrl; i++) {
		if (st_context_add_crl(ctx, o.crl[i]) != ST_OK) {
			fprintf(stderr, "sigtrace: --crl %s: no CRL could be loaded\n", o.crl[i]);
			goto out;
		}
	}
	if (o.at_set)
		st_context_set_time(ctx, o.at);
	if (o.no_file_hash)
		st_context_set_file_hash(ctx, 0);
	if (o.max_size)
		st_context_set_max_file_size(ctx, o.max_size);

	eo.ctx = ctx;
	eo.render = o.format == OUT_NDJSON ? RENDER_NDJSON : scan ? RENDER_LINE : RENDER_VERBOSE;
	eo.jobs = o.jobs ? o.jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	eo.all = o.all || !scan; /* verify reports every file it is given */
	eo.progress = scan && !o.quiet && isatty(STDERR_FILENO);
	eo.summary = scan && !o.quiet;
	if (o.db) {
		char roots[4096] = "", opts[4096] = "", err[256];
		size_t ru = 0, ou = 0;
		for (int i = optind; i < argc && ru < sizeof(roots); i++)
			ru += (size_t)snprintf(roots + ru, sizeof(roots) - ru, "%s%s", i > optind ? "\n" : "", argv[i]);
		for (int i = 2; i < optind && ou < sizeof(opts); i++)
			ou += (size_t)snprintf(opts + ou, sizeof(opts) - ou, "%s%s", i > 2 ? " " : "", argv[i]);
		if (inventory_open(&inv, o.db, roots, opts, o.resume, err, sizeof(err)) != 0) {
			fprintf(stderr, "sigtrace: --db %s: %s\n", o.db, err);
			rc = EXIT_UNREADABLE;
			goto out;
		}
		eo.inv = inv;
		eo.resume = o.resume;
	}
	if (engine_start(&eng, &eo) != 0) {
		fprintf(stderr, "sigtrace: cannot start worker threads\n");
		rc = EXIT_UNREADABLE;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		if (scan)
			engine_walk(eng, argv[i]);
		else
			engine_add_file(eng, argv[i]);
	}
	if (o.files_from) {
		FILE *f = strcmp(o.files_from, "-") == 0 ? stdin : fopen(o.files_from, "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;

		if (!f) {
			engine_add_error(eng, o.files_from, strerror(errno));
		} else {
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
	}
	rc = engine_finish(eng);
	if (inv) {
		if (inventory_close(inv, true) != 0) {
			fprintf(stderr, "sigtrace: --db %s: cannot finish the inventory\n", o.db);
			rc = EXIT_UNREADABLE;
		}
		inv = NULL;
	}
out:
	inventory_close(inv, false);
	st_context_free(ctx);
	free(o.trust);
	free(o.crl);
	return rc;
}

/* Option parsing and the usage text (options.h). */
#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VERSION "sigtrace 0.1.0"

void usage(FILE *out)
{
	fputs("usage: sigtrace verify [options] FILE...\n"
	      "       sigtrace scan [options] PATH...\n"
	      "       sigtrace outliers --db DB [--allow FILE] [--baseline DB] [--min-score N]\n"
	      "                         [--rates] [--format F]\n"
	      "       sigtrace trust [show FINGERPRINT] [trust options] [--format F]\n"
	      "       sigtrace ingest --db DB LOG...\n"
	      "       sigtrace executed --db DB [--format F]\n"
	      "       sigtrace explain [REASON]\n"
	      "\n"
	      "verify  full report per file: verdict, reasons, every signature\n"
	      "scan    one line (or NDJSON record) per executable found under PATHs\n"
	      "outliers  ranked findings across an inventory written by scan --db\n"
	      "trust   the trust anchors in use and the built-in store's snapshot\n"
	      "ingest  read execution events from Windows event logs (Sysmon 1, 6, 7;\n"
	      "        Security 4688; Code Integrity 3033, 3034, 3076, 3077; CAPI2 81) and macOS\n"
	      "        eslogger exec events into the inventory\n"
	      "executed  what ran, joined with the verdicts of the inventory: findings on\n"
	      "        executed files first, executed files not in the evidence, and\n"
	      "        where the platform's judgement at load time and sigtrace's differ\n"
	      "explain the ATT&CK card of T1036.001 with what catches each procedure\n"
	      "        example; with REASON, what a reason code means and what to do\n"
	      "\n"
	      "options:\n"
	      "  --trust PATH        add trust anchors (PEM, DER, PKCS#7, .sst) or a Microsoft\n"
	      "                      root list (.stl) from a file or a directory (repeatable)\n"
	      "  --no-default-trust  do not use the built-in trust store (Microsoft's root\n"
	      "                      program, Apple's roots, UEFI db and dbx)\n"
	      "  --system-trust      also trust the system CA bundle (TLS roots, not\n"
	      "                      code-signing roots)\n"
	      "  --crl PATH          certificate revocation lists, PEM/DER file or directory\n"
	      "                      (repeatable; never fetched from the network)\n"
	      "  --vulnerable-drivers FILE  also flag the drivers this list names by SHA-256\n"
	      "                      (vulnerable_driver; repeatable; verify, scan, executed)\n"
	      "  --dbx FILE          also refuse what this UEFI dbx lists (EFI signature lists,\n"
	      "                      e.g. a machine's efivarfs dbx variable; repeatable)\n"
	      "  --catalogs PATH     Windows security catalogs (.cat file, or a directory such\n"
	      "                      as CatRoot, searched recursively; repeatable): files they\n"
	      "                      list are verified through them\n"
	      "  --no-catalogs       scan: do not use the CatRoot of a Windows tree found\n"
	      "                      under PATH (used by default)\n"
	      "  --host-trust HIVE   also judge as a Windows host would: its SOFTWARE hive or a\n"
	      "                      user's NTUSER.DAT (Root, Disallowed, ... stores; repeatable)\n"
	      "  --no-host-trust     scan: do not read the hives of a Windows tree found under\n"
	      "                      PATH (read by default)\n"
	      "  --at TIME           verification time when no valid timestamp proves the\n"
	      "                      signing time: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @EPOCH\n"
	      "                      (default: now)\n"
	      "  --format FMT        text (default) or ndjson; verify and scan also csv\n"
	      "                      (sigcheck -c -h columns, then sigtrace's), sigcheck\n"
	      "                      (exactly sigcheck -c -h -vt's columns, as Timeline\n"
	      "                      Explorer expects) and timesketch (JSONL, one event\n"
	      "                      per time)\n"
	      "  --archive-password PW  a password for encrypted ZIP, 7-Zip and RAR members\n"
	      "                      (repeatable, tried in order; malware collections use\n"
	      "                      \"infected\")\n"
	      "  --deleted           disk images: also verify files the file system marks\n"
	      "                      deleted, where they survive (marked image.deleted)\n"
	      "  --max-file-size N   largest file verified, in bytes (default 4294967296);\n"
	      "                      larger files are reported as errors\n"
	      "  -j, --jobs N        files verified in parallel, and threads over the files\n"
	      "                      of one disk image (default: all cores)\n"
	      "  --files-from FILE   also read paths, one per line, from FILE ('-': stdin)\n"
	      "  --all               scan: also list files that are not executables\n"
	      "  -q, --quiet         no progress line and no summary on stderr\n"
	      "  --no-file-hash      skip the whole-file SHA-256 (file.hash.sha256)\n"
	      "  --legacy-hashes     also the whole-file SHA-1 and MD5 (file.hash.sha1, .md5),\n"
	      "                      which execution logs may name files by\n"
	      "  --hash-images       also the SHA-256 of disk images, which costs a read of\n"
	      "                      every byte of them (the scan reads what verdicts need)\n"
	      "  --db DB             scan: record files, signatures and certificates in the\n"
	      "                      inventory DB: a SQLite file (created if needed) or a\n"
	      "                      postgresql:// URL; outliers: the inventory to read\n"
	      "  --resume            with --db: skip files already recorded unchanged\n"
	      "  --host NAME         with --db: the host name to record (default: this\n"
	      "                      machine's)\n"
	      "  --allow FILE        outliers: drop findings for allowed files and signers\n"
	      "  --baseline DB       outliers: report only findings not in inventory DB\n"
	      "  --min-score N       outliers: show findings scoring N or more (default 50;\n"
	      "                      0 shows every one)\n"
	      "  --rates             outliers: how common each outlier trait is in the\n"
	      "                      inventory and in the benign reference profile\n"
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

static const struct option longopts[] = {
	{ "trust", required_argument, NULL, 't' },
	{ "crl", required_argument, NULL, 'C' },
	{ "vulnerable-drivers", required_argument, NULL, 'K' },
	{ "archive-password", required_argument, NULL, 'P' },
	{ "dbx", required_argument, NULL, 'X' },
	{ "catalogs", required_argument, NULL, 'c' },
	{ "no-catalogs", no_argument, NULL, 'n' },
	{ "host-trust", required_argument, NULL, 'W' },
	{ "no-host-trust", no_argument, NULL, 'w' },
	{ "no-default-trust", no_argument, NULL, 'N' },
	{ "system-trust", no_argument, NULL, 'S' },
	{ "at", required_argument, NULL, 'a' },
	{ "format", required_argument, NULL, 'f' },
	{ "max-file-size", required_argument, NULL, 'm' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "files-from", required_argument, NULL, 'F' },
	{ "all", no_argument, NULL, 'A' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "no-file-hash", no_argument, NULL, 'H' },
	{ "legacy-hashes", no_argument, NULL, 'G' },
	{ "hash-images", no_argument, NULL, 'I' },
	{ "deleted", no_argument, NULL, 'E' },
	{ "db", required_argument, NULL, 'D' },
	{ "resume", no_argument, NULL, 'R' },
	{ "host", required_argument, NULL, 'O' },
	{ "allow", required_argument, NULL, 'L' },
	{ "baseline", required_argument, NULL, 'B' },
	{ "min-score", required_argument, NULL, 'M' },
	{ "rates", no_argument, NULL, 'T' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int usage_error(const char *msg)
{
	fprintf(stderr, "sigtrace: %s\n", msg);
	return EXIT_USAGE;
}

int options_parse(int argc, char **argv, struct opts *o)
{
	const char *cmd;
	int c;

	memset(o, 0, sizeof(*o));
	o->min_score = 50;
	o->format = OUT_TEXT;
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
		puts(VERSION);
		return EXIT_CLEAN;
	}
	if (strcmp(cmd, "outliers") != 0 && strcmp(cmd, "verify") != 0 && strcmp(cmd, "scan") != 0 &&
	    strcmp(cmd, "trust") != 0 && strcmp(cmd, "ingest") != 0 && strcmp(cmd, "executed") != 0 &&
	    strcmp(cmd, "explain") != 0) {
		fprintf(stderr, "sigtrace: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	o->cmd = cmd;
	o->trust = calloc((size_t)argc, sizeof(*o->trust));
	o->crl = calloc((size_t)argc, sizeof(*o->crl));
	o->dbx = calloc((size_t)argc, sizeof(*o->dbx));
	o->catalogs = calloc((size_t)argc, sizeof(*o->catalogs));
	o->hives = calloc((size_t)argc, sizeof(*o->hives));
	o->passwords = calloc((size_t)argc, sizeof(*o->passwords));
	o->vulnlists = calloc((size_t)argc, sizeof(*o->vulnlists));
	if (!o->trust || !o->crl || !o->dbx || !o->catalogs || !o->hives || !o->passwords || !o->vulnlists)
		return EXIT_UNREADABLE;
	optind = 2;
	while ((c = getopt_long(argc, argv, "hj:q", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->trust[o->ntrust++] = optarg;
			break;
		case 'C':
			o->crl[o->ncrl++] = optarg;
			break;
		case 'K':
			o->vulnlists[o->nvulnlists++] = optarg;
			break;
		case 'P':
			o->passwords[o->npasswords++] = optarg;
			break;
		case 'X':
			o->dbx[o->ndbx++] = optarg;
			break;
		case 'c':
			o->catalogs[o->ncatalogs++] = optarg;
			break;
		case 'n':
			o->no_catalogs = true;
			break;
		case 'W':
			o->hives[o->nhives++] = optarg;
			break;
		case 'w':
			o->no_host_trust = true;
			break;
		case 'N':
			o->no_default_trust = true;
			break;
		case 'S':
			o->system_trust = true;
			break;
		case 'a':
			if (!parse_time(optarg, &o->at)) {
				fprintf(stderr, "sigtrace: --at: cannot parse '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o->at_set = true;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->format = OUT_TEXT;
			else if (strcmp(optarg, "ndjson") == 0)
				o->format = OUT_NDJSON;
			else if (strcmp(optarg, "csv") == 0)
				o->format = OUT_CSV;
			else if (strcmp(optarg, "sigcheck") == 0)
				o->format = OUT_SIGCHECK;
			else if (strcmp(optarg, "timesketch") == 0)
				o->format = OUT_TIMESKETCH;
			else
				return usage_error("--format: expected text, ndjson, csv, sigcheck or timesketch");
			break;
		case 'm': {
			char *end;
			errno = 0;
			o->max_size = strtoull(optarg, &end, 10);
			if (errno || *end || o->max_size == 0)
				return usage_error("--max-file-size: expected a byte count");
			break;
		}
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 256)
				return usage_error("--jobs: expected 1..256");
			o->jobs = (int)v;
			break;
		}
		case 'F':
			o->files_from = optarg;
			break;
		case 'A':
			o->all = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'E':
			o->deleted = true;
			break;
		case 'H':
			o->no_file_hash = true;
			break;
		case 'G':
			o->legacy_hashes = true;
			break;
		case 'I':
			o->hash_images = true;
			break;
		case 'D':
			o->db = optarg;
			break;
		case 'R':
			o->resume = true;
			break;
		case 'O':
			o->host = optarg;
			break;
		case 'L':
			o->allow = optarg;
			break;
		case 'B':
			o->baseline = optarg;
			break;
		case 'M': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 || v > 100)
				return usage_error("--min-score takes a score from 0 to 100");
			o->min_score = (int)v;
			o->min_score_set = true;
			break;
		}
		case 'T':
			o->rates = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_CLEAN;
		case 'V':
			puts(VERSION);
			return EXIT_CLEAN;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	o->paths = argv + optind;
	o->npaths = (size_t)(argc - optind);
	if (o->resume && !o->db)
		return usage_error("--resume needs --db");
	if (o->host && (!o->db || strcmp(cmd, "scan") != 0))
		return usage_error("--host is an option of scan --db");
	if ((o->format == OUT_CSV || o->format == OUT_SIGCHECK || o->format == OUT_TIMESKETCH) &&
	    strcmp(cmd, "verify") != 0 && strcmp(cmd, "scan") != 0)
		return usage_error("--format csv, sigcheck and timesketch are formats of verify and scan");
	if (strcmp(cmd, "outliers") == 0 || strcmp(cmd, "executed") == 0) {
		if (!o->db || o->npaths)
			return usage_error(strcmp(cmd, "outliers") == 0 ? "outliers needs --db DB and no paths"
									: "executed needs --db DB and no paths");
		if (strcmp(cmd, "executed") == 0 && (o->allow || o->baseline || o->min_score_set || o->rates))
			return usage_error("--allow, --baseline, --min-score and --rates are options of outliers");
		if (strcmp(cmd, "outliers") == 0 && o->nvulnlists)
			return usage_error("--vulnerable-drivers is an option of verify, scan and executed");
		return -1;
	}
	if (strcmp(cmd, "explain") == 0) {
		if (o->npaths > 1 || o->db || o->format != OUT_TEXT || o->allow || o->baseline || o->min_score_set ||
		    o->rates)
			return usage_error("explain takes no options and at most one reason code");
		return -1;
	}
	if (strcmp(cmd, "ingest") == 0) {
		if (!o->db || !o->npaths)
			return usage_error("ingest needs --db DB and at least one log");
		if (o->format != OUT_TEXT || o->allow || o->baseline || o->min_score_set || o->rates)
			return usage_error("ingest takes --db and logs");
		return -1;
	}
	if (o->allow || o->baseline || o->min_score_set || o->rates)
		return usage_error("--allow, --baseline, --min-score and --rates are options of outliers");
	if (strcmp(cmd, "trust") == 0) {
		if (o->npaths && !(o->npaths == 2 && strcmp(o->paths[0], "show") == 0))
			return usage_error("trust takes no paths, or show FINGERPRINT");
		if (o->db || o->files_from || o->ncatalogs)
			return usage_error("--db, --files-from and --catalogs are not options of trust");
		return -1;
	}
	if (o->db && strcmp(cmd, "scan") != 0)
		return usage_error("--db is an option of scan and outliers");
	if (!o->npaths && !o->files_from) {
		fprintf(stderr, "sigtrace: %s needs at least one path\n", cmd);
		return EXIT_USAGE;
	}
	return -1;
}

void options_free(struct opts *o)
{
	free(o->trust);
	free(o->crl);
	free(o->passwords);
	free(o->vulnlists);
	free(o->dbx);
	free(o->catalogs);
	free(o->hives);
}

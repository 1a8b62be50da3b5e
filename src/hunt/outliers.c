/*
 * `sigtrace outliers --db FILE`: findings across an inventory, ranked, each
 * with its evidence (docs/outliers.md); --allow and --baseline filter them.
 */
#include "hunt/outliers.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "hunt/hunt.h"

void findings_add(struct findings *f, int severity, bool outlier, const char *code,
		  const char *group, const char *label, const char *path, const char *evidence)
{
	struct finding *x;

	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 64;
		struct finding *nv = realloc(f->v, nc * sizeof(*nv));
		if (!nv)
			return;
		f->v = nv;
		f->cap = nc;
	}
	x = &f->v[f->n];
	memset(x, 0, sizeof(*x));
	x->severity = x->score = severity;
	x->outlier = outlier;
	x->code = strdup(code);
	x->path = strdup(path ? path : "");
	x->evidence = strdup(evidence ? evidence : "");
	x->group = strdup(group && *group ? group : path ? path : "");
	x->label = strdup(label ? label : "");
	if (!x->code || !x->path || !x->evidence || !x->group || !x->label) {
		free(x->code);
		free(x->path);
		free(x->evidence);
		free(x->group);
		free(x->label);
		return;
	}
	f->n++;
}

static void findings_clear_one(struct finding *x)
{
	free(x->code);
	free(x->path);
	free(x->evidence);
	free(x->group);
	free(x->label);
	free(x->file_sha256);
	free(x->signer_sha256);
	free(x->signer);
	free(x->team);
}

void findings_clear(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		findings_clear_one(&f->v[i]);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* Groups together (code, group), strongest first; paths sorted. */
static int cmp_findings(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c;

	if ((c = strcmp(x->code, y->code)) != 0 || (c = strcmp(x->group, y->group)) != 0)
		return c;
	if (x->score != y->score)
		return y->score - x->score;
	return strcmp(x->path, y->path);
}

static int cmp_groups(const void *a, const void *b, void *arg)
{
	const struct group *x = a, *y = b;
	const struct finding *v = arg;
	int c;

	if (x->score != y->score)
		return y->score - x->score;
	if (x->files != y->files)
		return x->files < y->files ? 1 : -1;
	if ((c = strcmp(v[x->first].code, v[y->first].code)) != 0)
		return c;
	return strcmp(v[x->first].group, v[y->first].group);
}

/* --allow FILE: lines "sha256 HEX" (file hash), "thumbprint HEX" (signer
 * certificate SHA-256), "subject NAME" (signer common name), "team ID"
 * (Apple team ID of a certificate-signed Mach-O), "path PREFIX";
 * '#' comments. */
struct allow {
	char **kind, **value;
	size_t n;
};

static int load_allow(const char *path, struct allow *a)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!fp)
		return -1;
	while ((len = getline(&line, &cap, fp)) > 0) {
		char *sp;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#' || !(sp = strchr(line, ' ')))
			continue;
		*sp = '\0';
		a->kind = realloc(a->kind, (a->n + 1) * sizeof(char *));
		a->value = realloc(a->value, (a->n + 1) * sizeof(char *));
		if (!a->kind || !a->value)
			break;
		a->kind[a->n] = strdup(line);
		a->value[a->n] = strdup(sp + 1);
		a->n++;
	}
	free(line);
	fclose(fp);
	return 0;
}

static bool allowed(const struct allow *a, const struct finding *x)
{
	for (size_t i = 0; i < a->n; i++) {
		const char *k = a->kind[i], *v = a->value[i];
		if ((strcmp(k, "sha256") == 0 && x->file_sha256 && strcasecmp(v, x->file_sha256) == 0) ||
		    (strcmp(k, "thumbprint") == 0 && x->signer_sha256 && strcasecmp(v, x->signer_sha256) == 0) ||
		    (strcmp(k, "subject") == 0 && x->signer && strcmp(v, x->signer) == 0) ||
		    (strcmp(k, "team") == 0 && x->team && strcmp(v, x->team) == 0) ||
		    (strcmp(k, "path") == 0 && strncmp(x->path, v, strlen(v)) == 0))
			return true;
	}
	return false;
}

/* A finding already present in the baseline: same finding for the same
 * file content (or, without a hash, the same path). */
static bool in_baseline(const struct findings *b, const struct finding *x)
{
	for (size_t i = 0; i < b->n; i++) {
		if (strcmp(b->v[i].code, x->code) != 0)
			continue;
		if (x->file_sha256 && *x->file_sha256 && b->v[i].file_sha256 &&
		    strcmp(b->v[i].file_sha256, x->file_sha256) == 0)
			return true;
		if (strcmp(b->v[i].path, x->path) == 0)
			return true;
	}
	return false;
}

int groups_make(struct findings *f, struct group **out, size_t *nout)
{
	struct group *groups;
	size_t ngroups = 0;

	*out = NULL;
	*nout = 0;
	if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), cmp_findings);
	groups = calloc(f->n ? f->n : 1, sizeof(*groups));
	if (!groups)
		return -1;
	for (size_t i = 0; i < f->n; i++) {
		struct group *g = ngroups ? &groups[ngroups - 1] : NULL;
		if (!g || strcmp(f->v[g->first].code, f->v[i].code) != 0 ||
		    strcmp(f->v[g->first].group, f->v[i].group) != 0) {
			g = &groups[ngroups++];
			g->first = i;
			g->score = f->v[i].score;
		}
		if (g->n == 0 || strcmp(f->v[i].path, f->v[i - 1].path) != 0)
			g->files++;
		g->n++;
		if (f->v[i].score > g->score)
			g->score = f->v[i].score;
	}
	qsort_r(groups, ngroups, sizeof(*groups), cmp_groups, f->v);
	*out = groups;
	*nout = ngroups;
	return 0;
}

static void print_group(const struct outliers_opts *o, const struct finding *v, const struct group *g)
{
	const struct finding *x = &v[g->first];

	if (o->ndjson) {
		json_t *r = json_object(), *file = json_object(), *st = json_object(), *paths = json_array();
		char *line;
		for (size_t i = 0; i < g->n; i++)
			if (i == 0 || strcmp(v[g->first + i].path, v[g->first + i - 1].path) != 0)
				json_array_append_new(paths, json_string(v[g->first + i].path));
		json_object_set_new(file, "path", paths);
		json_object_set_new(r, "file", file);
		json_object_set_new(st, "finding", json_string(x->code));
		json_object_set_new(st, "score", json_integer(g->score));
		json_object_set_new(st, "count", json_integer((json_int_t)g->files));
		json_object_set_new(st, "group", json_string(x->label));
		json_object_set_new(st, "group_key", json_string(x->group));
		json_object_set_new(st, "evidence", json_string(x->evidence));
		json_object_set_new(r, "sigtrace", st);
		line = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (line)
			puts(line);
		free(line);
		json_decref(r);
		return;
	}
	printf("%3d %-30s %s (%zu file%s)\n    %s\n", g->score, x->code, *x->label ? x->label : x->path,
	       g->files, g->files == 1 ? "" : "s", x->evidence);
	for (size_t i = 0, shown = 0; i < g->n; i++) {
		if (i > 0 && strcmp(v[g->first + i].path, v[g->first + i - 1].path) == 0)
			continue;
		if (shown++ == 3) {
			printf("    ... and %zu more (--format ndjson lists every path)\n", g->files - 3);
			break;
		}
		printf("    %s\n", v[g->first + i].path);
	}
}

int outliers_run(const struct outliers_opts *o)
{
	struct findings f = { 0 }, base = { 0 };
	struct allow allow = { 0 };
	struct group *groups = NULL;
	size_t ngroups = 0, signed_files = 0, base_signed = 0, kept = 0;
	int rc = EXIT_CLEAN;

	if (o->allow && load_allow(o->allow, &allow) != 0) {
		fprintf(stderr, "sigtrace: --allow %s: cannot be read\n", o->allow);
		return EXIT_UNREADABLE;
	}
	if (rules_collect(o->db, o->allow || o->baseline, &f, &signed_files) != 0 ||
	    (o->baseline && rules_collect(o->baseline, true, &base, &base_signed) != 0)) {
		rc = EXIT_UNREADABLE;
		goto out;
	}
	rarity_score(&f, signed_files);
	if (o->rates) {
		rarity_print(&f, signed_files);
		goto out;
	}
	/* Filter per file, then group what is left. */
	for (size_t i = 0; i < f.n; i++) {
		if (allowed(&allow, &f.v[i]) || (o->baseline && in_baseline(&base, &f.v[i]))) {
			findings_clear_one(&f.v[i]);
			continue;
		}
		f.v[kept++] = f.v[i];
	}
	f.n = kept;
	if (groups_make(&f, &groups, &ngroups) != 0) {
		rc = EXIT_UNREADABLE;
		goto out;
	}
	for (size_t i = 0; i < ngroups; i++) {
		if (groups[i].score < o->min_score)
			continue;
		print_group(o, f.v, &groups[i]);
		rc = EXIT_FINDING;
	}
out:
	free(groups);
	findings_clear(&f);
	findings_clear(&base);
	for (size_t i = 0; i < allow.n; i++) {
		free(allow.kind[i]);
		free(allow.value[i]);
	}
	free(allow.kind);
	free(allow.value);
	publishers_free();
	return rc;
}

int cmd_outliers(const struct opts *o)
{
	struct outliers_opts oo = { .db = o->db, .ndjson = o->format == OUT_NDJSON,
				    .allow = o->allow, .baseline = o->baseline,
				    .min_score = o->min_score, .rates = o->rates };

	return outliers_run(&oo);
}

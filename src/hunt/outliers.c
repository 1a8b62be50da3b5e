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

void findings_add(struct findings *f, int score, const char *code, const char *path,
		const char *evidence)
{
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 64;
		struct finding *nv = realloc(f->v, nc * sizeof(*nv));
		if (!nv)
			return;
		f->v = nv;
		f->cap = nc;
	}
	f->v[f->n].score = score;
	f->v[f->n].code = strdup(code);
	f->v[f->n].path = strdup(path ? path : "");
	f->v[f->n].evidence = strdup(evidence ? evidence : "");
	f->v[f->n].file_sha256 = f->v[f->n].signer_sha256 = f->v[f->n].signer = NULL;
	f->v[f->n].team = NULL;
	f->n++;
}


void findings_clear(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].code);
		free(f->v[i].path);
		free(f->v[i].evidence);
		free(f->v[i].file_sha256);
		free(f->v[i].signer_sha256);
		free(f->v[i].signer);
		free(f->v[i].team);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int cmp_findings(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->score != y->score)
		return y->score - x->score;
	if (strcmp(x->code, y->code) != 0)
		return strcmp(x->code, y->code);
	return strcmp(x->path, y->path);
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

int outliers_run(const struct outliers_opts *o)
{
	struct findings f = { 0 }, base = { 0 };
	struct allow allow = { 0 };
	size_t shown = 0;
	int rc = EXIT_CLEAN;

	if (o->allow && load_allow(o->allow, &allow) != 0) {
		fprintf(stderr, "sigtrace: --allow %s: cannot be read\n", o->allow);
		return EXIT_UNREADABLE;
	}
	if (rules_collect(o->db, &f) != 0 || (o->baseline && rules_collect(o->baseline, &base) != 0)) {
		rc = EXIT_UNREADABLE;
		goto out;
	}
	if (f.n)
		qsort(f.v, f.n, sizeof(*f.v), cmp_findings);
	for (size_t i = 0; i < f.n; i++) {
		if (allowed(&allow, &f.v[i]) || (o->baseline && in_baseline(&base, &f.v[i])))
			continue;
		shown++;
		if (o->ndjson) {
			json_t *r = json_object(), *file = json_object(), *st = json_object();
			char *line;
			json_object_set_new(file, "path", json_string(f.v[i].path));
			json_object_set_new(r, "file", file);
			json_object_set_new(st, "finding", json_string(f.v[i].code));
			json_object_set_new(st, "score", json_integer(f.v[i].score));
			json_object_set_new(st, "evidence", json_string(f.v[i].evidence));
			json_object_set_new(r, "sigtrace", st);
			line = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (line)
				puts(line);
			free(line);
			json_decref(r);
		} else {
			printf("%3d %-30s %s\n    %s\n", f.v[i].score, f.v[i].code, f.v[i].path,
			       f.v[i].evidence);
		}
	}
	rc = shown ? EXIT_FINDING : EXIT_CLEAN;
out:
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
				    .allow = o->allow, .baseline = o->baseline };

	return outliers_run(&oo);
}

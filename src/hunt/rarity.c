/*
 * How rare a trait is (hunt.h). An outlier rule's severity says how much
 * a trait would matter if it were rare; its score is that severity times
 * the share of signed files that do not have the trait, in this inventory
 * and in a benign reference profile (data/outlier-profile.tsv, made by
 * tools/make-outlier-profile.sh from the benign corpus of tests/benign),
 * whichever share is smaller. A trait half of all genuine software shows
 * scores half its severity. Evidence rules are facts and keep theirs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hunt/hunt.h"

extern const char st_cli_outlier_profile[];

double profile_rate(const char *code)
{
	const char *p = st_cli_outlier_profile;
	size_t cl = strlen(code);

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		/* code, files, signed files, rate */
		if (*p != '#' && len > cl && strncmp(p, code, cl) == 0 && p[cl] == '\t') {
			unsigned long files = 0, total = 0;
			if (sscanf(p + cl + 1, "%lu\t%lu", &files, &total) == 2 && total > 0)
				return (double)files / (double)total;
			return 0;
		}
		p += len + (eol ? 1 : 0);
	}
	return 0;
}

/* The outlier codes of f with the number of files (distinct paths) that
 * carry each. */
struct trait {
	const char *code;
	size_t files;
	double factor;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t traits_of(const struct findings *f, size_t signed_files, struct trait **out)
{
	struct trait *t = NULL;
	size_t nt = 0;
	const char **paths = malloc((f->n ? f->n : 1) * sizeof(*paths));

	*out = NULL;
	if (!paths)
		return 0;
	for (size_t i = 0; i < f->n; i++) {
		const char *code = f->v[i].code;
		size_t np = 0, files = 0;
		bool seen = !f->v[i].outlier;
		struct trait *nv;
		double rate, inv;

		for (size_t k = 0; k < nt && !seen; k++)
			seen = strcmp(t[k].code, code) == 0;
		if (seen)
			continue;
		for (size_t j = i; j < f->n; j++)
			if (f->v[j].outlier && strcmp(f->v[j].code, code) == 0)
				paths[np++] = f->v[j].path;
		qsort(paths, np, sizeof(*paths), cmp_str);
		for (size_t j = 0; j < np; j++)
			files += j == 0 || strcmp(paths[j], paths[j - 1]) != 0;
		if (!(nv = realloc(t, (nt + 1) * sizeof(*t))))
			break;
		t = nv;
		rate = profile_rate(code);
		inv = signed_files ? (double)files / (double)signed_files : 0;
		if (inv > 1)
			inv = 1;
		t[nt++] = (struct trait){ code, files, 1 - (inv > rate ? inv : rate) };
	}
	free(paths);
	*out = t;
	return nt;
}

void rarity_score(struct findings *f, size_t signed_files)
{
	struct trait *t;
	size_t nt = traits_of(f, signed_files, &t);

	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];
		x->score = x->severity;
		for (size_t k = 0; x->outlier && k < nt; k++)
			if (strcmp(t[k].code, x->code) == 0)
				x->score = (int)lround(x->severity * t[k].factor);
	}
	free(t);
}

void rarity_print(const struct findings *f, size_t signed_files)
{
	struct trait *t;
	size_t nt = traits_of(f, signed_files, &t);

	printf("# code\tfiles\tsigned files\trate\tprofile rate\n");
	for (size_t k = 0; k < nt; k++)
		printf("%s\t%zu\t%zu\t%.4f\t%.4f\n", t[k].code, t[k].files, signed_files,
		       signed_files ? (double)t[k].files / (double)signed_files : 0.0,
		       profile_rate(t[k].code));
	free(t);
}

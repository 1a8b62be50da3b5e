/*
 * The registries against the documentation: every reason of
 * sigtrace_reasons.h has its row in docs/reasons.md with the same default
 * effect and is listed under its ECS status in docs/output.md; no document
 * names a reason the registry lacks; every reason has a status and a
 * summary, and ranks are distinct.
 *
 * usage: test_registry [SOURCE_ROOT] (default: the tree it was built from)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigtrace.h"
#include "harness.h"

static char *slurp(const char *root, const char *rel)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The text between `from` and the next line starting with `until` (or the
 * end). */
static char *section(const char *doc, const char *from, const char *until)
{
	const char *a = strstr(doc, from), *b;
	char *out;

	if (!a)
		return NULL;
	b = strstr(a + strlen(from), until);
	if (!b)
		b = a + strlen(a);
	out = malloc((size_t)(b - a) + 1);
	if (out) {
		memcpy(out, a, (size_t)(b - a));
		out[b - a] = '\0';
	}
	return out;
}

/* Each table row "| `code` | effect | ..." of a section: calls fn with the
 * code and the second cell. */
typedef void (*row_fn)(const char *code, const char *cell2, void *arg);

static void rows(const char *text, row_fn fn, void *arg)
{
	const char *p = text;

	while ((p = strstr(p, "\n| `")) != NULL) {
		char code[96], cell[256];
		const char *q = p + 4, *e = strchr(q, '`'), *c2, *c2e;
		size_t n;

		p++;
		if (!e || (size_t)(e - q) >= sizeof(code))
			continue;
		memcpy(code, q, (size_t)(e - q));
		code[e - q] = '\0';
		c2 = strchr(e, '|');
		if (!c2)
			continue;
		c2++;
		while (*c2 == ' ')
			c2++;
		c2e = strchr(c2, '|');
		n = c2e ? (size_t)(c2e - c2) : strlen(c2);
		if (n >= sizeof(cell))
			n = sizeof(cell) - 1;
		memcpy(cell, c2, n);
		cell[n] = '\0';
		fn(code, cell, arg);
	}
}

struct seen {
	int count[ST_R__COUNT];
	int unknown;
	char unknown_name[96];
	int bad_effect;
	char bad_name[96];
};

static void reason_row(const char *code, const char *cell, void *arg)
{
	struct seen *s = arg;
	st_reason r = st_reason_by_name(code);
	const char *eff;

	if (r == ST_R__COUNT) {
		s->unknown++;
		snprintf(s->unknown_name, sizeof(s->unknown_name), "%s", code);
		return;
	}
	s->count[r]++;
	eff = st_verdict_name(st_reason_effect(r));
	if (strncmp(cell, eff, strlen(eff)) != 0) {
		s->bad_effect++;
		snprintf(s->bad_name, sizeof(s->bad_name), "%s", code);
	}
}

/* The row of docs/output.md's status table for `status`, or NULL. */
static const char *status_row(const char *table, const char *status, char *buf, size_t len)
{
	char key[96];
	const char *p, *e;
	size_t n;

	snprintf(key, sizeof(key), "\n| `%s` |", status);
	p = strstr(table, key);
	if (!p)
		return NULL;
	e = strchr(p + 1, '\n');
	n = e ? (size_t)(e - p) : strlen(p);
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : SOURCE_ROOT;
	char *reasons_md = slurp(root, "docs/reasons.md");
	char *output_md = slurp(root, "docs/output.md");
	char *rtable, *stable;
	struct seen s = { 0 };
	bool all_once = true, all_listed = true, all_meta = true, ranks_distinct = true;
	char missing[512] = "";

	CHECK(reasons_md && output_md, "docs/reasons.md and docs/output.md are readable");
	if (!reasons_md || !output_md)
		return harness_done();
	rtable = section(reasons_md, "\n## Reasons", "\n## ");
	stable = section(output_md, "### `file.code_signature.status`", "\n## ");
	CHECK(rtable != NULL, "docs/reasons.md has a Reasons section");
	CHECK(stable != NULL, "docs/output.md has the status table");
	if (!rtable || !stable)
		return harness_done();

	rows(rtable, reason_row, &s);
	for (int r = 0; r < ST_R__COUNT; r++) {
		if (s.count[r] != 1) {
			all_once = false;
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), " %s(%d)",
				 st_reason_name((st_reason)r), s.count[r]);
		}
	}
	CHECK(all_once, "every reason has exactly one row in docs/reasons.md");
	if (!all_once)
		printf("  rows per reason:%s\n", missing);
	CHECK(s.unknown == 0, "docs/reasons.md names no reason the registry lacks");
	if (s.unknown)
		printf("  unknown: %s\n", s.unknown_name);
	CHECK(s.bad_effect == 0, "docs/reasons.md gives each reason its registry effect first");
	if (s.bad_effect)
		printf("  effect differs: %s (registry: %s)\n", s.bad_name,
		       st_verdict_name(st_reason_effect(st_reason_by_name(s.bad_name))));

	missing[0] = '\0';
	for (int r = 0; r < ST_R__COUNT; r++) {
		const char *st = st_reason_ecs_status((st_reason)r);
		char row[2048], want[128];

		if (!st || !*st || !st_reason_summary((st_reason)r) || !*st_reason_summary((st_reason)r)) {
			all_meta = false;
			continue;
		}
		if (!status_row(stable, st, row, sizeof(row))) {
			all_listed = false;
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				 " %s(no row %s)", st_reason_name((st_reason)r), st);
			continue;
		}
		/* Malformed reasons share one row: "any malformed file". */
		if (strcmp(st, "errorMalformed") == 0)
			continue;
		snprintf(want, sizeof(want), "`%s`", st_reason_name((st_reason)r));
		if (!strstr(row, want)) {
			all_listed = false;
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), " %s",
				 st_reason_name((st_reason)r));
		}
	}
	CHECK(all_meta, "every reason has an ECS status and a summary");
	CHECK(all_listed, "docs/output.md lists every reason under its ECS status");
	if (!all_listed)
		printf("  not listed:%s\n", missing);

	/* Distinct ranks make the status of a file independent of the order in
	 * which its reasons were found. */
	{
		static const int ranks[] = {
#define ST_REASON(id, name, effect, ecs, rank, summary) rank,
#include "sigtrace_reasons.h"
#undef ST_REASON
		};
		for (size_t a = 0; a < sizeof(ranks) / sizeof(ranks[0]); a++)
			for (size_t b = a + 1; b < sizeof(ranks) / sizeof(ranks[0]); b++)
				if (ranks[a] == ranks[b])
					ranks_distinct = false;
	}
	CHECK(ranks_distinct, "ECS ranks are distinct");
	for (int r = 0; r < ST_R__COUNT; r++)
		CHECK(st_reason_by_name(st_reason_name((st_reason)r)) == (st_reason)r,
		      st_reason_name((st_reason)r));
	CHECK(st_reason_by_name("no_such_reason") == ST_R__COUNT, "unknown names are rejected");

	/* Formats: each registered format is named in docs/output.md's
	 * sigtrace.format row. */
	{
		char row[2048];
		const char *r = strstr(output_md, "| `sigtrace.format`");
		bool all = r != NULL;
		size_t n;

		if (r) {
			const char *e = strchr(r, '\n');
			n = e ? (size_t)(e - r) : strlen(r);
			if (n >= sizeof(row))
				n = sizeof(row) - 1;
			memcpy(row, r, n);
			row[n] = '\0';
		}
		for (size_t i = 0; all && i < st_format_count(); i++) {
			char want[64];
			snprintf(want, sizeof(want), "`%s`", st_format_name(i));
			if (!strstr(row, want) || !st_format_description(i)) {
				all = false;
				printf("  format %s is not in the sigtrace.format row\n", st_format_name(i));
			}
		}
		CHECK(st_format_count() >= 2 && all, "docs/output.md names every registered format");
	}

	/* Properties: one row each in docs/output.md's properties table with
	 * the declaration's type, scope and ECS field, and no row for an
	 * undeclared key. */
	{
		static const char *const types[] = { "string", "int", "bool", "time" };
		char *ptable = section(output_md, "### Properties", "\n### ");
		bool all = ptable != NULL, unique = true;

		for (size_t i = 0; ptable && i < st_property_decl_count(); i++) {
			const st_property_decl *d = st_property_decl_at(i);
			char want[512];

			snprintf(want, sizeof(want), "\n| `%s` | %s | %s | %s%s%s|", d->key, types[d->type],
				 d->scope == ST_SCOPE_PART ? "part" : "signature", d->ecs ? "`" : "",
				 d->ecs ? d->ecs : "", d->ecs ? "` " : "");
			if (!strstr(ptable, want)) {
				all = false;
				printf("  no row: %s\n", want + 1);
			}
			for (size_t k = 0; k < i; k++)
				if (strcmp(st_property_decl_at(k)->key, d->key) == 0)
					unique = false;
		}
		CHECK(all, "docs/output.md has a row for every declared property");
		CHECK(unique, "property keys are unique");
		if (ptable) {
			const char *p = ptable;
			int undeclared = 0;
			while ((p = strstr(p, "\n| `")) != NULL) {
				char key[96];
				const char *q = p + 4, *e = strchr(q, '`');
				bool found = false;
				p++;
				if (!e || (size_t)(e - q) >= sizeof(key))
					continue;
				memcpy(key, q, (size_t)(e - q));
				key[e - q] = '\0';
				for (size_t i = 0; i < st_property_decl_count(); i++)
					if (strcmp(st_property_decl_at(i)->key, key) == 0)
						found = true;
				if (!found) {
					undeclared++;
					printf("  undeclared: %s\n", key);
				}
			}
			CHECK(undeclared == 0, "docs/output.md lists no undeclared property");
		}
		free(ptable);
	}

	free(rtable);
	free(stable);
	free(reasons_md);
	free(output_md);
	return harness_done();
}

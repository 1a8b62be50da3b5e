/*
 * `sigtrace trust`: the anchors the trust options give (the built-in store
 * unless --no-default-trust), one line each, with the built-in store's
 * snapshot; `sigtrace trust show FINGERPRINT`: one anchor in full.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/commands.h"

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void date(int64_t t, char *buf, size_t len)
{
	fmt_time(t, buf, len);
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* Whether the anchor's SHA-256 or SHA-1 starts with fp (hex, colons and
 * case ignored; at least 8 digits). */
static bool matches(const st_anchor *a, const char *fp)
{
	const st_cert *c = st_anchor_certificate(a);
	char want[80];
	size_t n = 0;

	for (const char *p = fp; *p && n + 1 < sizeof(want); p++)
		if (*p != ':' && *p != ' ')
			want[n++] = *p;
	want[n] = '\0';
	return c && n >= 8 && (strncasecmp(st_cert_sha256(c), want, n) == 0 ||
			       strncasecmp(st_cert_sha1(c), want, n) == 0);
}

static json_t *anchor_json(const st_anchor *a)
{
	const st_cert *c = st_anchor_certificate(a);
	json_t *o = json_object();
	char t[32];

	json_object_set_new(o, "name", json_string(st_anchor_name(a)));
	json_object_set_new(o, "source", json_string(st_anchor_source(a)));
	json_object_set_new(o, "origin", json_string(st_anchor_origin(a)));
	json_object_set_new(o, "profiles", json_string(st_anchor_profiles(a)));
	if (c) {
		json_object_set_new(o, "subject", json_string(st_cert_subject(c)));
		json_object_set_new(o, "sha256", json_string(st_cert_sha256(c)));
		json_object_set_new(o, "sha1", json_string(st_cert_sha1(c)));
		fmt_time(st_cert_not_before(c), t, sizeof(t));
		json_object_set_new(o, "not_before", json_string(t));
		fmt_time(st_cert_not_after(c), t, sizeof(t));
		json_object_set_new(o, "not_after", json_string(t));
	}
	if (st_anchor_ekus(a)) {
		json_t *p = json_object();
		json_object_set_new(p, "ekus", json_string(st_anchor_ekus(a)));
		if (st_anchor_disallowed(a) != ST_TIME_NONE) {
			fmt_time(st_anchor_disallowed(a), t, sizeof(t));
			json_object_set_new(p, "disallowed", json_string(t));
			json_object_set_new(p, "disallowed_ekus", json_string(st_anchor_disallowed_ekus(a)));
		}
		if (st_anchor_not_before(a) != ST_TIME_NONE) {
			fmt_time(st_anchor_not_before(a), t, sizeof(t));
			json_object_set_new(p, "not_before", json_string(t));
			json_object_set_new(p, "not_before_ekus", json_string(st_anchor_not_before_ekus(a)));
		}
		json_object_set_new(o, "program", p);
	}
	return o;
}

static void show(const st_anchor *a)
{
	const st_cert *c = st_anchor_certificate(a);
	char nb[32], na[32], d[32];

	printf("%s\n", st_anchor_name(a));
	printf("  source:      %s (%s)\n", st_anchor_source(a), st_anchor_origin(a));
	printf("  anchors:     %s\n", st_anchor_profiles(a));
	if (c) {
		date(st_cert_not_before(c), nb, sizeof(nb));
		date(st_cert_not_after(c), na, sizeof(na));
		printf("  subject:     %s\n", st_cert_subject(c));
		printf("  valid:       %s .. %s\n", nb, na);
		printf("  key:         %s %d-bit, %s\n", st_cert_key_algorithm(c), st_cert_key_bits(c),
		       st_cert_signature_algorithm(c));
		printf("  sha256:      %s\n", st_cert_sha256(c));
		printf("  sha1:        %s\n", st_cert_sha1(c));
	}
	if (st_anchor_ekus(a)) {
		printf("  program:     trusted for %s\n", st_anchor_ekus(a));
		if (st_anchor_disallowed(a) != ST_TIME_NONE) {
			date(st_anchor_disallowed(a), d, sizeof(d));
			printf("  disallowed:  from %s, for %s (signatures a valid timestamp proves older keep their trust)\n",
			       d, *st_anchor_disallowed_ekus(a) ? st_anchor_disallowed_ekus(a) : "every use");
		}
		if (st_anchor_not_before(a) != ST_TIME_NONE) {
			date(st_anchor_not_before(a), d, sizeof(d));
			printf("  not before:  certificates it issues after %s are distrusted, for %s\n", d,
			       *st_anchor_not_before_ekus(a) ? st_anchor_not_before_ekus(a) : "every use");
		}
	}
}

int cmd_trust(const struct opts *o)
{
	int rc = EXIT_CLEAN;
	st_context *ctx = make_context(o, &rc);
	const char *fp = o->npaths == 2 ? o->paths[1] : NULL;
	size_t shown = 0;

	if (!ctx)
		return rc;
	if (!fp && o->format == OUT_TEXT) {
		const char *snap = st_context_trust_snapshot(ctx);
		printf("%s", *snap ? "Built-in trust store:\n" : "No built-in trust store (--no-default-trust).\n");
		for (const char *p = snap; *p;) {
			const char *e = strchr(p, '\n');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			printf("  %.*s\n", (int)n, p);
			p += n + (e ? 1 : 0);
		}
		printf("UEFI dbx entries in use (built in and --dbx): %zu\n", st_context_dbx_count(ctx));
		printf("%zu trust anchors:\n", st_context_trust_count(ctx));
	}
	for (size_t i = 0; i < st_context_trust_count(ctx); i++) {
		const st_anchor *a = st_context_anchor(ctx, i);
		const st_cert *c;

		if (fp && !matches(a, fp))
			continue;
		shown++;
		if (o->format == OUT_NDJSON) {
			json_t *j = anchor_json(a);
			char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (s)
				puts(s);
			free(s);
			json_decref(j);
			continue;
		}
		if (fp) {
			show(a);
			continue;
		}
		c = st_anchor_certificate(a);
		printf("%-17s %-18s %.16s  %s", st_anchor_source(a), st_anchor_profiles(a),
		       c ? st_cert_sha256(c) : "?", st_anchor_name(a));
		if (st_anchor_ekus(a)) {
			char d[32];
			printf("  [%s", st_anchor_ekus(a));
			if (st_anchor_disallowed(a) != ST_TIME_NONE) {
				date(st_anchor_disallowed(a), d, sizeof(d));
				printf("; disallowed %.10s%s%s", d, *st_anchor_disallowed_ekus(a) ? " for " : "",
				       st_anchor_disallowed_ekus(a));
			}
			if (st_anchor_not_before(a) != ST_TIME_NONE) {
				date(st_anchor_not_before(a), d, sizeof(d));
				printf("; not before %.10s%s%s", d, *st_anchor_not_before_ekus(a) ? " for " : "",
				       st_anchor_not_before_ekus(a));
			}
			printf("]");
		}
		putchar('\n');
	}
	/* A host's own stores (--host-trust): listed, never anchors here. */
	if (!fp && st_context_host_cert_count(ctx) && o->format == OUT_TEXT)
		printf("%zu certificates in the host's stores (--host-trust; not anchors: "
		       "[outside program] marks roots Microsoft's program does not list):\n",
		       st_context_host_cert_count(ctx));
	for (size_t i = 0; !fp && i < st_context_host_cert_count(ctx); i++) {
		const st_host_cert *h = st_context_host_cert(ctx, i);
		const st_cert *c = st_host_cert_certificate(h);
		const char *store = st_host_cert_store(h);
		const char *bare = strncmp(store, "Policy/", 7) == 0 ? store + 7 : store;
		bool root = strcmp(bare, "Root") == 0 || strcmp(bare, "AuthRoot") == 0;

		if (o->format == OUT_NDJSON) {
			json_t *j = json_object();
			char *txt;
			json_object_set_new(j, "host_store", json_string(store));
			json_object_set_new(j, "hive", json_string(st_host_cert_hive(h)));
			json_object_set_new(j, "subject", json_string(st_cert_subject(c)));
			json_object_set_new(j, "sha256", json_string(st_cert_sha256(c)));
			json_object_set_new(j, "sha1", json_string(st_cert_sha1(c)));
			json_object_set_new(j, "in_program", json_boolean(st_host_cert_in_program(h)));
			txt = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (txt)
				puts(txt);
			free(txt);
			json_decref(j);
			continue;
		}
		printf("host %-12s %.16s  %s%s  (%s)\n", store, st_cert_sha256(c), st_cert_subject_cn(c),
		       root && !st_host_cert_in_program(h) ? "  [outside program]" : "",
		       st_host_cert_hive(h));
	}
	if (fp && !shown) {
		fprintf(stderr, "sigtrace: trust show: no anchor's SHA-256 or SHA-1 starts with %s\n",
			or_dash(fp));
		rc = EXIT_USAGE;
	}
	st_context_free(ctx);
	return rc;
}

/*
 * `sigtrace executed --db DB`: what ran, joined with what the inventory
 * knows of the file (docs/telemetry.md). Events are grouped by image (its
 * join key and logged SHA-256); each group is matched to recorded files by
 * the logged hash, else by path (a recorded path that ends with the key),
 * then judged:
 *   - the verdict of the matched file (invalid and malformed first);
 *   - side_loaded: a DLL that is not validly signed loaded from a
 *     user-writable folder (Users, ProgramData, Temp);
 *   - judgement_differs: Windows said Signed/Valid at load time and
 *     sigtrace does not find the file valid now, or the reverse (a file
 *     replaced, a catalog or certificate changed, or either verifier wrong);
 *   - hash_differs: the file at the logged path is not the file that ran;
 *   - not_in_evidence: no recorded file matches (deleted or never
 *     collected); loaded_unsigned if Windows found such a DLL or driver
 *     unsigned when it loaded;
 *   - code_integrity: Windows' Code Integrity refused to load the image,
 *     or logged in audit mode that it would have;
 *   - vulnerable_driver: the logged hash (or the matched file's) is a
 *     listed vulnerable signed driver (T1068), whatever its signature.
 * Strongest first; one line per image with its execution context.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "inventory/db.h"
#include "report/json.h"
#include "telemetry/pathkey.h"

#define KEEP 4   /* distinct hosts, users, parents, loaders kept per image */

struct distinct {
	char *v[KEEP];
	size_t n, total;
};

struct image {
	char *key, *sha256, *sha1, *md5, *cdhash, *logged, *command_line, *win_status, *win_signature, *ci_status;
	bool code_integrity;           /* a Code Integrity event names it */
	const char *vulnerable, *vulnerable_why;  /* the listed driver it is, or NULL */
	unsigned kinds;                /* 1 << st_event_kind */
	size_t count;
	char first[32], last[32];
	int win_signed;                /* -1 unknown */
	struct distinct hosts, users, parents, loaders;
	/* the match */
	char *path, *verdict, *reasons, *signer, *file_sha256;
	size_t matches;
	int by;                        /* BY_... */
	int score;
	const char *finding;
	char flags[128];
};

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

static void add_distinct(struct distinct *d, const char *v)
{
	if (!v || !*v)
		return;
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i], v) == 0)
			return;
	d->total++;
	if (d->n < KEEP && (d->v[d->n] = strdup(v)))
		d->n++;
}

static void free_distinct(struct distinct *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i]);
}

static void free_image(struct image *m)
{
	free(m->key);
	free(m->sha256);
	free(m->sha1);
	free(m->md5);
	free(m->cdhash);
	free(m->ci_status);
	free(m->logged);
	free(m->command_line);
	free(m->win_status);
	free(m->win_signature);
	free(m->path);
	free(m->verdict);
	free(m->reasons);
	free(m->signer);
	free(m->file_sha256);
	free_distinct(&m->hosts);
	free_distinct(&m->users);
	free_distinct(&m->parents);
	free_distinct(&m->loaders);
}

static int kind_of(const char *name)
{
	return strcmp(name, "process") == 0	       ? ST_EVENT_PROCESS
	       : strcmp(name, "image_load") == 0   ? ST_EVENT_IMAGE_LOAD
	       : strcmp(name, "blocked_load") == 0 ? ST_EVENT_BLOCKED_LOAD
	       : strcmp(name, "trust_check") == 0  ? ST_EVENT_TRUST_CHECK
						   : ST_EVENT_DRIVER_LOAD;
}

/* Folders any user can write to, where a DLL next to a signed program is
 * the side-loading pattern. */
static bool user_writable(const char *key)
{
	return strncmp(key, "users/", 6) == 0 || strncmp(key, "programdata/", 12) == 0 ||
	       strstr(key, "/temp/") != NULL || strstr(key, "/appdata/") != NULL;
}

static const char *const match_sql =
	"SELECT f.path, f.verdict, coalesce(f.reasons, ''), coalesce(f.sha256, ''),"
	" coalesce((SELECT c.subject_cn FROM signatures s JOIN certificates c ON c.sha256 = s.signer_sha256"
	"  WHERE s.file_id = f.id ORDER BY s.depth, s.idx LIMIT 1), '')"
	" FROM files f WHERE %s ORDER BY f.verdict = 'valid', f.path";

/* How an image is matched to recorded files, in order of preference: by
 * a hash the log gives (SHA-256, SHA-1, MD5: Sysmon logs those its
 * configuration names; the files' SHA-1 and MD5 are recorded with
 * --legacy-hashes), by the CDHash the macOS kernel saw, by path. */
enum { BY_SHA256, BY_SHA1, BY_MD5, BY_CDHASH, BY_PATH, BY_COUNT };
static const char *const by_name[BY_COUNT] = { "sha256", "sha1", "md5", "cdhash", "path" };
static const char *const by_label[BY_COUNT] = { "SHA-256", "SHA-1", "MD5", "CDHash", "path" };
static const char *const by_where[BY_COUNT] = {
	"f.sha256 = ?1", "f.sha1 = ?1", "f.md5 = ?1",
	"f.id IN (SELECT file_id FROM properties WHERE key = 'macho.cdhash' AND value = ?1)",
	"instr(lower(f.path) || '|', ?1) > 0",
};

static void match(struct db_stmt *const *by, struct image *m)
{
	const char *keys[BY_COUNT] = { m->sha256, m->sha1, m->md5, m->cdhash, NULL };
	char pattern[8200];

	snprintf(pattern, sizeof(pattern), "/%s|", m->key);
	keys[BY_PATH] = pattern;
	for (int pass = 0; pass < BY_COUNT; pass++) {
		struct db_stmt *s = by[pass];
		if (!*keys[pass])
			continue;
		db_bind_text(s, 1, keys[pass]);
		while (db_step(s) == DB_ROW) {
			if (m->matches++ == 0) {
				m->path = dup(db_text(s, 0));
				m->verdict = dup(db_text(s, 1));
				m->reasons = dup(db_text(s, 2));
				m->file_sha256 = dup(db_text(s, 3));
				m->signer = dup(db_text(s, 4));
				m->by = pass;
			}
		}
		db_reset(s);
		if (m->matches)
			break;
	}
}

static void judge(struct image *m, const st_context *ctx)
{
	const char *v = m->verdict ? m->verdict : "";
	bool valid = strcmp(v, "valid") == 0;
	bool win_valid = m->win_signed == 1 && m->win_status && strcasecmp(m->win_status, "Valid") == 0;
	size_t o = 0;

#define FLAG(s) o += (size_t)snprintf(m->flags + o, sizeof(m->flags) - o, "%s%s", o ? "," : "", s)
	m->score = 0;
	m->finding = v;
	if (!m->matches) {
		FLAG("not_in_evidence");
		/* A file Windows only verified (an installer's temporary
		 * file) is not known to have run. */
		m->score = m->kinds == (1u << ST_EVENT_TRUST_CHECK) ? 0 : 30;
		m->finding = "not_in_evidence";
		if (m->code_integrity) {
			FLAG("code_integrity");
			m->score = 60;
			m->finding = "code_integrity";
		}
		if ((m->kinds & (1u << ST_EVENT_IMAGE_LOAD)) && user_writable(m->key) && m->win_signed == 0) {
			FLAG("side_loaded");
			m->score = 90;
			m->finding = "side_loaded";
		} else if ((m->kinds & ((1u << ST_EVENT_IMAGE_LOAD) | (1u << ST_EVENT_DRIVER_LOAD))) &&
			   m->win_signed == 0) {
			/* A module or driver Windows found unsigned, gone since. */
			FLAG("loaded_unsigned");
			m->score = 60;
			m->finding = "loaded_unsigned";
		}
		goto vulnerable;
	}
	if (strcmp(v, "invalid") == 0 || strcmp(v, "malformed") == 0)
		m->score = 100;
	else if (strcmp(v, "untrusted") == 0)
		m->score = 70;
	else if (strcmp(v, "unsigned") == 0)
		m->score = 40;
	if ((m->kinds & (1u << ST_EVENT_IMAGE_LOAD)) && user_writable(m->key) && !valid) {
		FLAG("side_loaded");
		if (m->score < 90) {
			m->score = 90;
			m->finding = "side_loaded";
		}
	}
	if (m->win_signed >= 0 && win_valid != valid) {
		FLAG("judgement_differs");
		if (m->score < 80) {
			m->score = 80;
			m->finding = "judgement_differs";
		}
	}
	if (*m->sha256 && m->by == BY_PATH && *m->file_sha256 && strcmp(m->sha256, m->file_sha256) != 0) {
		FLAG("hash_differs");
		if (m->score < 60) {
			m->score = 60;
			m->finding = "hash_differs";
		}
	}
	/* Code Integrity's refusal of a file sigtrace finds valid is a
	 * signing-level or policy matter (a genuine third-party DLL kept out
	 * of a protected process), listed, not scored. */
	if (m->code_integrity) {
		FLAG("code_integrity");
		if (!valid && m->score < 60) {
			m->score = 60;
			m->finding = "code_integrity";
		}
	}
vulnerable:
	/* A vulnerable signed driver that was loaded: the kernel is the
	 * attacker's whatever the signature says. */
	if (st_context_vulnerable_driver(ctx, m->sha256, &m->vulnerable, &m->vulnerable_why, NULL) ||
	    (m->file_sha256 &&
	     st_context_vulnerable_driver(ctx, m->file_sha256, &m->vulnerable, &m->vulnerable_why, NULL))) {
		FLAG("vulnerable_driver");
		if (m->score < 90) {
			m->score = 90;
			m->finding = "vulnerable_driver";
		}
	}
#undef FLAG
}

static int cmp_images(const void *a, const void *b)
{
	const struct image *x = a, *y = b;

	if (x->score != y->score)
		return y->score - x->score;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

static void kinds_text(unsigned kinds, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int k = 0; k <= ST_EVENT_TRUST_CHECK; k++)
		if (kinds & (1u << k))
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", st_event_kind_name((st_event_kind)k));
}

static json_t *strings(const struct distinct *d)
{
	json_t *a = json_array();

	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(a, json_string(d->v[i]));
	return a;
}

static void print_ndjson(const struct image *m)
{
	json_t *r = json_object(), *proc = json_object(), *st = json_object(), *exe = json_object();
	char kinds[64];

	kinds_text(m->kinds, kinds, sizeof(kinds));
	json_object_set_new(proc, "executable", json_string(m->logged));
	if (*m->command_line)
		json_object_set_new(proc, "command_line", json_string(m->command_line));
	if (*m->sha256)
		json_object_set_new(proc, "hash", json_pack("{s:s}", "sha256", m->sha256));
	if (*m->cdhash)
		json_object_set_new(proc, "code_signature", json_pack("{s:s}", "cdhash", m->cdhash));
	json_object_set_new(r, "process", proc);
	json_object_set_new(r, "host", json_pack("{s:o}", "name", strings(&m->hosts)));
	json_object_set_new(r, "user", json_pack("{s:o}", "name", strings(&m->users)));
	if (m->matches)
		json_object_set_new(r, "file", json_pack("{s:s}", "path", m->path));
	json_object_set_new(exe, "count", json_integer((json_int_t)m->count));
	json_object_set_new(exe, "first", json_string(m->first));
	json_object_set_new(exe, "last", json_string(m->last));
	json_object_set_new(exe, "kinds", json_string(kinds));
	json_object_set_new(exe, "hosts", json_integer((json_int_t)m->hosts.total));
	json_object_set_new(exe, "parents", strings(&m->parents));
	json_object_set_new(exe, "loaded_by", strings(&m->loaders));
	if (m->win_signed >= 0) {
		json_object_set_new(exe, "windows_signed", json_boolean(m->win_signed == 1));
		json_object_set_new(exe, "windows_status", json_string(m->win_status ? m->win_status : ""));
		json_object_set_new(exe, "windows_signature", json_string(m->win_signature ? m->win_signature : ""));
	}
	if (m->ci_status)
		json_object_set_new(exe, "code_integrity", json_string(m->ci_status));
	if (m->vulnerable)
		json_object_set_new(st, "vulnerable_driver",
				    json_pack("{s:s,s:s}", "name", m->vulnerable, "why", m->vulnerable_why));
	json_object_set_new(st, "finding", json_string(m->finding));
	json_object_set_new(st, "score", json_integer(m->score));
	json_object_set_new(st, "flags", json_string(m->flags));
	if (m->matches) {
		json_object_set_new(st, "verdict", json_string(m->verdict));
		json_object_set_new(st, "reasons", json_string(m->reasons));
		json_object_set_new(st, "signer", json_string(m->signer));
		json_object_set_new(st, "matched_by", json_string(by_name[m->by]));
		json_object_set_new(st, "files", json_integer((json_int_t)m->matches));
	}
	json_object_set_new(st, "executed", exe);
	json_object_set_new(r, "sigtrace", st);
	report_json_line(stdout, r);
}

static void print_text(const struct image *m)
{
	char kinds[64];

	kinds_text(m->kinds, kinds, sizeof(kinds));
	printf("%3d %-18s %s\n    ran %zu time%s (%s) on %zu host%s, %s .. %s", m->score, m->finding, m->logged,
	       m->count, m->count == 1 ? "" : "s", kinds, m->hosts.total, m->hosts.total == 1 ? "" : "s", m->first,
	       m->last);
	if (m->flags[0])
		printf("; %s", m->flags);
	putchar('\n');
	if (m->matches)
		printf("    file %s: %s%s%s%s%s (matched by %s)\n", m->path, m->verdict, *m->reasons ? " (" : "",
		       m->reasons, *m->reasons ? ")" : "", *m->signer ? "" : "",
		       by_label[m->by]);
	if (m->users.n)
		printf("    user %s%s\n", m->users.v[0], m->users.total > 1 ? " and others" : "");
	if (m->parents.n)
		printf("    parent %s%s\n", m->parents.v[0], m->parents.total > 1 ? " and others" : "");
	if (m->loaders.n)
		printf("    loaded by %s%s\n", m->loaders.v[0], m->loaders.total > 1 ? " and others" : "");
	if (*m->command_line)
		printf("    command %s\n", m->command_line);
	if (m->win_signed >= 0)
		printf("    %s at load time: %s, %s%s%s\n", *m->cdhash ? "macOS" : "Windows",
		       m->win_signed ? "signed" : "not signed", m->win_status ? m->win_status : "?",
		       m->win_signature && *m->win_signature ? ", " : "", m->win_signature ? m->win_signature : "");
	if (m->ci_status)
		printf("    %s\n", m->ci_status);
	if (m->vulnerable)
		printf("    a listed vulnerable driver (T1068): %s, %s\n", m->vulnerable, m->vulnerable_why);
}

int cmd_executed(const struct opts *o)
{
	struct db *db = NULL;
	struct db_stmt *s = NULL, *by[BY_COUNT] = { 0 };
	st_context *ctx = NULL;
	struct image *v = NULL;
	size_t n = 0, cap = 0;
	char err[512] = "";
	int rc = EXIT_CLEAN, bad = 0;

	if (db_open(&db, o->db, true, err, sizeof(err)) ||
	    db_prepare(db,
		       "SELECT image_key, coalesce(sha256, ''), image, kind, time, host, user_name, parent_image,"
		       " process_image, command_line, signed, signature_status, signature, source,"
		       " coalesce(cdhash, ''), coalesce(sha1, ''), coalesce(md5, '') FROM executions"
		       " ORDER BY image_key, coalesce(sha256, ''), coalesce(sha1, ''), coalesce(md5, ''),"
		       " coalesce(cdhash, ''), time, host, record",
		       &s))
		bad = 1;
	for (int i = 0; !bad && i < BY_COUNT; i++) {
		char q[1024];
		snprintf(q, sizeof(q), match_sql, by_where[i]);
		bad = db_prepare(db, q, &by[i]);
	}
	if (bad) {
		fprintf(stderr, "sigtrace: --db %s: %s\n", o->db, *err ? err : db_errmsg(db));
		rc = EXIT_UNREADABLE;
		goto out;
	}
	/* The vulnerable-driver lists: the built-in one and --vulnerable-drivers. */
	if (st_context_new(&ctx) != ST_OK) {
		rc = EXIT_UNREADABLE;
		goto out;
	}
	for (size_t i = 0; i < o->nvulnlists; i++) {
		if (st_context_add_vulnerable_drivers(ctx, o->vulnlists[i], NULL) != ST_OK) {
			fprintf(stderr, "sigtrace: --vulnerable-drivers %s: cannot be read, or too large\n",
				o->vulnlists[i]);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	while (db_step(s) == DB_ROW) {
		struct image *m = n ? &v[n - 1] : NULL;
		if (!m || strcmp(m->key, db_text(s, 0)) != 0 || strcmp(m->sha256, db_text(s, 1)) != 0 ||
		    strcmp(m->cdhash, db_text(s, 14)) != 0 || strcmp(m->sha1, db_text(s, 15)) != 0 ||
		    strcmp(m->md5, db_text(s, 16)) != 0) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct image *nv = realloc(v, nc * sizeof(*nv));
				if (!nv)
					break;
				v = nv;
				cap = nc;
			}
			m = &v[n++];
			memset(m, 0, sizeof(*m));
			m->key = dup(db_text(s, 0));
			m->sha256 = dup(db_text(s, 1));
			m->cdhash = dup(db_text(s, 14));
			m->sha1 = dup(db_text(s, 15));
			m->md5 = dup(db_text(s, 16));
			m->logged = dup(db_text(s, 2));
			m->command_line = dup(db_text(s, 9));
			m->win_signed = -1;
			snprintf(m->first, sizeof(m->first), "%s", db_text(s, 4));
		}
		m->count++;
		m->kinds |= 1u << kind_of(db_text(s, 3));
		snprintf(m->last, sizeof(m->last), "%s", db_text(s, 4));
		add_distinct(&m->hosts, db_text(s, 5));
		add_distinct(&m->users, db_text(s, 6));
		add_distinct(&m->parents, db_text(s, 7));
		add_distinct(&m->loaders, db_text(s, 8));
		if (strcmp(db_text(s, 13), "codeintegrity") == 0) {
			/* Its status says what Code Integrity did; the
			 * signer comes from the load's 3089. */
			char *ci = NULL;
			m->code_integrity = true;
			if (asprintf(&ci, "%s%s%s", db_text(s, 11), *db_text(s, 12) ? "; signer " : "", db_text(s, 12)) >= 0) {
				free(m->ci_status);
				m->ci_status = ci;
			}
		} else if (!db_is_null(s, 10) && m->win_signed != 0) {
			/* Any load Windows found unsigned counts. */
			m->win_signed = (int)db_int64(s, 10);
			free(m->win_status);
			free(m->win_signature);
			m->win_status = dup(db_text(s, 11));
			m->win_signature = dup(db_text(s, 12));
		}
	}
	for (size_t i = 0; i < n; i++) {
		match(by, &v[i]);
		judge(&v[i], ctx);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_images);
	for (size_t i = 0; i < n; i++) {
		if (o->format == OUT_NDJSON)
			print_ndjson(&v[i]);
		else
			print_text(&v[i]);
		if (v[i].score >= 80)
			rc = EXIT_FINDING;
	}
out:
	for (size_t i = 0; i < n; i++)
		free_image(&v[i]);
	free(v);
	db_finalize(s);
	for (int i = 0; i < BY_COUNT; i++)
		db_finalize(by[i]);
	st_context_free(ctx);
	db_close(db);
	return rc;
}

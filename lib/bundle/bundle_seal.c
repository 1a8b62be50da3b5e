/*
 * The seal check: every file under the resources root against
 * _CodeSignature/CodeResources, as Apple's static validation does it. The
 * tree is walked under the seal's own rules: an omitted or excluded path is
 * skipped; a file the rules cover must be in the seal with the same hash
 * (hash2, SHA-256, in version-2 seals; hash, SHA-1, in version 1), a link
 * with the same target; nested code is verified as a part (bundle_nested.c);
 * a sealed entry that is not on disk is missing unless optional.
 *
 * An executable dropped into Contents/MacOS or Resources after signing is
 * the "incompletely signed" bundle of WindTail (ATT&CK S0466): its main
 * executable's signature still verifies, and only this check sees the
 * file. Files directly in the bundle beside Contents/ are outside every
 * seal, which codesign --strict refuses for the same reason.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bundle/bundle.h"
#include "core/limits.h"
#include "core/result.h"

#define LIST_NAMES 4

/* Paths of one finding, for its detail: how many, and the first few. */
struct finding {
	size_t n;
	char names[LIST_NAMES][160];
};

struct sealed {
	const char *key;   /* owned by the plist */
	plist_t val;
	bool seen;
};

struct seal_walk {
	struct st_walk *w;
	struct st_part *part;
	struct bundle *b;
	struct bundle_rules rules;
	int version;                 /* 2: files2/rules2, 1: files/rules */
	struct sealed *keys;
	size_t nkeys;
	size_t visited;
	bool stopped;                /* a limit ended the walk */
	struct finding added, modified, missing, outside;
	struct bundle_seal_stats *stats;
	/* false: the bundle is not signed; its code is listed (nested
	 * bundles and executables become parts) but nothing is judged. */
	bool judge;
	uint8_t buf[1u << 16];
};

static void note(struct finding *f, const char *path);

static void note_in(struct seal_walk *sw, struct finding *f, const char *path)
{
	if (sw->judge)
		note(f, path);
}

static void note(struct finding *f, const char *path)
{
	if (f->n < LIST_NAMES) {
		size_t n = strlen(path);
		if (n >= sizeof(f->names[0]))
			n = sizeof(f->names[0]) - 1;
		memcpy(f->names[f->n], path, n);
		f->names[f->n][n] = '\0';
	}
	f->n++;
}

/* root/rel into out (truncated: paths are for details). */
static void join(char *out, size_t cap, const char *root, const char *rel)
{
	if (snprintf(out, cap, "%s%s%s", root, *root ? "/" : "", rel) >= (int)cap)
		out[cap - 1] = '\0';
}

static int cmp_sealed(const void *a, const void *b)
{
	return strcmp(((const struct sealed *)a)->key, ((const struct sealed *)b)->key);
}

static struct sealed *lookup(struct seal_walk *sw, const char *rel)
{
	struct sealed k = { .key = rel };

	return sw->nkeys ? bsearch(&k, sw->keys, sw->nkeys, sizeof(k), cmp_sealed) : NULL;
}

static int load_keys(struct seal_walk *sw, plist_t files, char *why, size_t whylen)
{
	plist_dict_iter it = NULL;
	uint32_t n = plist_dict_get_size(files);

	if (n > ST_LIMIT_BUNDLE_FILES) {
		snprintf(why, whylen, "the seal lists %u files, more than %d", n, ST_LIMIT_BUNDLE_FILES);
		return ST_PARSE_LIMIT;
	}
	sw->keys = calloc(n ? n : 1, sizeof(*sw->keys));
	if (!sw->keys)
		return ST_ENOMEM;
	plist_dict_new_iter(files, &it);
	if (!it)
		return ST_ENOMEM;
	while (sw->nkeys < n) {
		char *key = NULL;
		plist_t val = NULL;

		plist_dict_next_item(files, it, &key, &val);
		if (!key)
			break;
		sw->keys[sw->nkeys].key = key;   /* a copy, freed by free_keys */
		sw->keys[sw->nkeys].val = val;
		sw->nkeys++;
	}
	free(it);
	qsort(sw->keys, sw->nkeys, sizeof(*sw->keys), cmp_sealed);
	return ST_OK;
}

static void free_keys(struct seal_walk *sw)
{
	for (size_t i = 0; i < sw->nkeys; i++)
		free((char *)sw->keys[i].key);
	free(sw->keys);
}

static bool entry_flag(plist_t v, const char *key)
{
	plist_t f = plist_get_node_type(v) == PLIST_DICT ? plist_dict_get_item(v, key) : NULL;
	uint8_t b = 0;

	if (f && plist_get_node_type(f) == PLIST_BOOLEAN)
		plist_get_bool_val(f, &b);
	return b != 0;
}

static bool is_nested_entry(plist_t v)
{
	return plist_get_node_type(v) == PLIST_DICT &&
	       (plist_dict_get_item(v, "requirement") || plist_dict_get_item(v, "cdhash"));
}

/* The hash the seal records for a file: SHA-256 (hash2) in version-2
 * seals, else SHA-1 (hash, or the bare data of version 1). */
static const uint8_t *sealed_hash(plist_t v, size_t *len, bool *sha256)
{
	plist_t h = NULL;
	uint64_t n = 0;
	const char *p;

	*sha256 = false;
	if (plist_get_node_type(v) == PLIST_DATA) {
		h = v;
	} else if (plist_get_node_type(v) == PLIST_DICT) {
		h = plist_dict_get_item(v, "hash2");
		*sha256 = h != NULL;
		if (!h)
			h = plist_dict_get_item(v, "hash");
	}
	if (!h || plist_get_node_type(h) != PLIST_DATA)
		return NULL;
	p = plist_get_data_ptr(h, &n);
	*len = (size_t)n;
	return (const uint8_t *)p;
}

/* SHA-1 and SHA-256 of a file, and its first bytes. ST_OK, ST_ENOMEM, or
 * an errno value. */
static int hash_file(struct seal_walk *sw, int dirfd, const char *name, uint8_t sha1[20],
		     uint8_t sha256[32], uint8_t *head, size_t *headlen, uint64_t *size)
{
	EVP_MD_CTX *c1 = EVP_MD_CTX_new(), *c2 = EVP_MD_CTX_new();
	int fd = -1, rc = ST_ENOMEM;
	uint64_t total = 0;

	*headlen = 0;
	if (!c1 || !c2 || !EVP_DigestInit_ex(c1, EVP_sha1(), NULL) ||
	    !EVP_DigestInit_ex(c2, EVP_sha256(), NULL))
		goto out;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		rc = errno ? errno : EIO;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, sw->buf, sizeof(sw->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = errno;
			goto out;
		}
		if (n == 0)
			break;
		if (*headlen < ST_PROBE_LEN) {
			size_t k = ST_PROBE_LEN - *headlen < (size_t)n ? ST_PROBE_LEN - *headlen : (size_t)n;
			memcpy(head + *headlen, sw->buf, k);
			*headlen += k;
		}
		if (!EVP_DigestUpdate(c1, sw->buf, (size_t)n) || !EVP_DigestUpdate(c2, sw->buf, (size_t)n))
			goto out;
		total += (uint64_t)n;
	}
	if (!EVP_DigestFinal_ex(c1, sha1, NULL) || !EVP_DigestFinal_ex(c2, sha256, NULL))
		goto out;
	*size = total;
	rc = ST_OK;
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(c1);
	EVP_MD_CTX_free(c2);
	return rc;
}

/* Whether a link at rel (from the bundle directory, `depth` components
 * deep) pointing at target leaves the bundle. */
static bool leaves_bundle(const char *target, int depth)
{
	const char *p = target;

	if (*p == '/')
		return true;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (n && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return false;
}

static int components(const char *path)
{
	int n = *path ? 1 : 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

static int check_link(struct seal_walk *sw, int dirfd, const char *name, const char *rel,
		      struct sealed *s)
{
	char target[1024], full[1024];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	plist_t t;

	if (n < 0)
		return ST_OK;
	target[n] = '\0';
	join(full, sizeof(full), sw->b->root, rel);
	/* depth of the link's directory inside the bundle */
	if (leaves_bundle(target, components(full) - 1)) {
		char d[160];
		if (snprintf(d, sizeof(d), "%.100s -> %.50s", full, target) < 0)
			d[0] = '\0';
		note_in(sw, &sw->outside, d);
	}
	if (!s) {
		note_in(sw, &sw->added, full);
		return ST_OK;
	}
	t = plist_get_node_type(s->val) == PLIST_DICT ? plist_dict_get_item(s->val, "symlink") : NULL;
	if (!t || plist_get_node_type(t) != PLIST_STRING ||
	    strcmp(plist_get_string_ptr(t, NULL), target) != 0)
		note_in(sw, &sw->modified, full);
	return ST_OK;
}

/* The format a file's first bytes show (nothing else is read). */
static const struct st_format *head_format(struct seal_walk *sw, int dirfd, const char *name)
{
	uint8_t head[ST_PROBE_LEN];
	struct stat st;
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return NULL;
	n = fstat(fd, &st) == 0 ? pread(fd, head, sizeof(head), 0) : -1;
	close(fd);
	return n > 0 ? st_format_identify(sw->w->ctx, st_span_make(head, (size_t)n),
					  (uint64_t)st.st_size)
		     : NULL;
}

static int check_file(struct seal_walk *sw, int dirfd, const char *name, const char *rel,
		      const struct bundle_rule *rule, struct sealed *s)
{
	uint8_t sha1[20], sha256[32], head[ST_PROBE_LEN];
	size_t headlen, slen = 0;
	uint64_t size = 0;
	const struct st_format *fmt;
	const uint8_t *want;
	bool want256;
	char full[1024];
	int rc;

	join(full, sizeof(full), sw->b->root, rel);
	if (!sw->judge) {
		/* Listing only: the head tells code from the rest. */
		const struct st_format *f = head_format(sw, dirfd, name);
		if (f && strcmp(f->name, "macho") == 0 && rule && (rule->flags & RULE_NESTED)) {
			sw->stats->nested++;
			return bundle_nested(sw->w, sw->part, sw->b, rel, false, NULL);
		}
		if (f) {
			struct st_member m = { .kind = "member", .name = full };
			struct st_part *c;
			sw->stats->members++;
			return st_walk_file(sw->w, sw->part, sw->b->root_fd, rel, &m, &c);
		}
		return ST_OK;
	}
	if (s && is_nested_entry(s->val)) {
		sw->stats->nested++;
		return bundle_nested(sw->w, sw->part, sw->b, rel, false, s->val);
	}
	rc = hash_file(sw, dirfd, name, sha1, sha256, head, &headlen, &size);
	if (rc == ST_ENOMEM)
		return rc;
	if (rc) {
		ST_ADD(&sw->part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
		       "%s could not be read: %s", full, strerror(rc));
		return ST_OK;
	}
	fmt = st_format_identify(sw->w->ctx, st_span_make(head, headlen), size);
	if (!s && rule && (rule->flags & RULE_NESTED) && fmt && strcmp(fmt->name, "macho") == 0) {
		note_in(sw, &sw->added, full);
		sw->stats->nested++;
		return bundle_nested(sw->w, sw->part, sw->b, rel, false, NULL);
	}
	sw->stats->bytes += size;
	if (!s) {
		note_in(sw, &sw->added, full);
	} else {
		sw->stats->checked++;
		want = sealed_hash(s->val, &slen, &want256);
		if (!want || slen != (want256 ? 32u : 20u) ||
		    memcmp(want, want256 ? sha256 : sha1, slen) != 0)
			note_in(sw, &sw->modified, full);
	}
	if (fmt) {
		/* Code elsewhere in the bundle (a tool in Resources, a script,
		 * a Windows binary) is reported as a member of its own. */
		struct st_member m = { .kind = "member", .name = full };
		struct st_part *c;
		sw->stats->members++;
		return st_walk_file(sw->w, sw->part, sw->b->root_fd, rel, &m, &c);
	}
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

struct dname {
	char *name;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct dname *)a)->name, ((const struct dname *)b)->name);
}

/* The names in directory fd, sorted (reports are stable). */
static int list_dir(int fd, struct dname **out, size_t *n)
{
	int dfd = dup(fd);
	DIR *d;
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return errno ? errno : EIO;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct dname *nv = realloc(*out, nc * sizeof(*nv));
			if (!nv)
				goto enomem;
			*out = nv;
			cap = nc;
		}
		if (!((*out)[*n].name = strdup(e->d_name)))
			goto enomem;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_name);
	return ST_OK;
enomem:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free((*out)[i].name);
	free(*out);
	*out = NULL;
	*n = 0;
	return ST_ENOMEM;
}

static void free_names(struct dname *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static int walk(struct seal_walk *sw, int dirfd, const char *prefix, int depth)
{
	struct dname *names;
	size_t n;
	int rc = list_dir(dirfd, &names, &n);

	if (rc == ST_ENOMEM)
		return rc;
	if (rc) {
		ST_ADD(&sw->part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
		       "%s%s%s cannot be listed: %s", sw->b->root, *prefix ? "/" : "", prefix, strerror(rc));
		return ST_OK;
	}
	for (size_t i = 0; i < n && rc == ST_OK && !sw->stopped; i++) {
		char rel[1024];
		const struct bundle_rule *rule;
		struct sealed *s;
		struct stat st;

		if ((size_t)snprintf(rel, sizeof(rel), "%s%s%s", prefix, *prefix ? "/" : "",
				     names[i].name) >= sizeof(rel))
			continue;  /* longer than any path macOS can hold */
		if (++sw->visited > ST_LIMIT_BUNDLE_FILES) {
			ST_ADD(&sw->part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
			       "the bundle holds more than %d files: the rest are not checked against the seal",
			       ST_LIMIT_BUNDLE_FILES);
			sw->stopped = true;
			break;
		}
		if (fstatat(dirfd, names[i].name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		rule = bundle_rules_find(&sw->rules, rel);
		if (rule && (rule->flags & (RULE_EXCLUDED | RULE_OMIT)))
			continue;
		s = lookup(sw, rel);
		if (s)
			s->seen = true;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, names[i].name, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
			enum bundle_shape shape;

			if (sub < 0)
				continue;
			/* Listing an unsigned bundle, every bundle inside is
			 * one: there is no seal whose rules would say otherwise. */
			if (((rule && (rule->flags & RULE_NESTED)) || !sw->judge) &&
			    bundle_probe(sub, names[i].name, &shape)) {
				char full[1024];
				close(sub);
				join(full, sizeof(full), sw->b->root, rel);
				if (!s)
					note_in(sw, &sw->added, full);
				sw->stats->nested++;
				rc = bundle_nested(sw->w, sw->part, sw->b, rel, true, s ? s->val : NULL);
				continue;
			}
			if (depth >= ST_LIMIT_BUNDLE_DEPTH) {
				close(sub);
				ST_ADD(&sw->part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				       "directories nested deeper than %d in the bundle: %s is not checked",
				       ST_LIMIT_BUNDLE_DEPTH, rel);
				continue;
			}
			rc = walk(sw, sub, rel, depth + 1);
			close(sub);
		} else if (!rule) {
			continue;  /* outside the seal's rules: not sealed, not required */
		} else if (S_ISLNK(st.st_mode)) {
			rc = check_link(sw, dirfd, names[i].name, rel, s);
		} else if (S_ISREG(st.st_mode)) {
			rc = check_file(sw, dirfd, names[i].name, rel, rule, s);
		} else {
			char full[1024];
			join(full, sizeof(full), sw->b->root, rel);
			note_in(sw, &sw->added, full);
		}
	}
	free_names(names, n);
	return rc;
enomem:
	free_names(names, n);
	return ST_ENOMEM;
}

/* "3 files (a, b, c)" */
static void list_text(const struct finding *f, char *out, size_t len)
{
	size_t used;

	snprintf(out, len, "%zu (", f->n);
	for (size_t i = 0; i < f->n && i < LIST_NAMES; i++) {
		used = strlen(out);
		snprintf(out + used, len - used, "%s%s", i ? ", " : "", f->names[i]);
	}
	used = strlen(out);
	snprintf(out + used, len - used, "%s)", f->n > LIST_NAMES ? ", ..." : "");
}

/* Outside the resources root: what lies beside Contents/ in a deep bundle,
 * or at a framework's top besides Versions/ and its links into
 * Versions/Current, is in no seal. */
static int check_top(struct seal_walk *sw)
{
	struct dname *names;
	size_t n;
	int rc;

	if (sw->b->shape == BUNDLE_SHALLOW)
		return ST_OK;
	if ((rc = list_dir(sw->b->fd, &names, &n)))
		return rc == ST_ENOMEM ? rc : ST_OK;
	for (size_t i = 0; i < n; i++) {
		const char *nm = names[i].name;
		struct stat st;

		if (sw->b->shape == BUNDLE_DEEP && strcmp(nm, "Contents") == 0)
			continue;
		if (sw->b->shape == BUNDLE_FRAMEWORK) {
			char target[512];
			ssize_t k;
			if (strcmp(nm, "Versions") == 0)
				continue;
			if (fstatat(sw->b->fd, nm, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
			    (k = readlinkat(sw->b->fd, nm, target, sizeof(target) - 1)) > 0) {
				target[k] = '\0';
				if (strncmp(target, "Versions/Current/", 17) == 0 && !strstr(target, ".."))
					continue;
			}
		}
		note_in(sw, &sw->added, nm);
	}
	free_names(names, n);
	return ST_OK;
}

/* The rules codesign writes by default (rules2, for bundles with
 * Resources/), used to find nested code in a bundle that has no seal. */
static const struct { const char *re; double weight; unsigned flags; } default_rules[] = {
	{ "^.*", 1, 0 },
	{ "^[^/]+$", 10, RULE_NESTED },
	{ "^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/", 10, RULE_NESTED },
	{ ".*\\.dSYM($|/)", 11, 0 },
	{ "^(.*/)?\\.DS_Store$", 2000, RULE_OMIT },
	{ "^Info\\.plist$", 20, RULE_OMIT },
	{ "^PkgInfo$", 20, RULE_OMIT },
	{ "^Resources/", 20, 0 },
};

static int load_default_rules(struct seal_walk *sw, char *why, size_t whylen)
{
	plist_t d = plist_new_dict();
	int rc;

	if (!d)
		return ST_ENOMEM;
	for (size_t i = 0; i < sizeof(default_rules) / sizeof(default_rules[0]); i++) {
		plist_t r = plist_new_dict();
		if (!r) {
			plist_free(d);
			return ST_ENOMEM;
		}
		plist_dict_set_item(r, "weight", plist_new_real(default_rules[i].weight));
		if (default_rules[i].flags & RULE_OMIT)
			plist_dict_set_item(r, "omit", plist_new_bool(1));
		if (default_rules[i].flags & RULE_NESTED)
			plist_dict_set_item(r, "nested", plist_new_bool(1));
		plist_dict_set_item(d, default_rules[i].re, r);
	}
	rc = bundle_rules_load(&sw->rules, d, sw->b->has_exe ? sw->b->exe_rel : NULL, why, whylen);
	plist_free(d);
	return rc;
}

/* A walk over b for part; judge: against the seal (else listing only). */
static struct seal_walk *seal_walk_new(struct st_walk *w, struct st_part *part, struct bundle *b,
				       struct bundle_seal_stats *stats, bool judge)
{
	struct seal_walk *sw = calloc(1, sizeof(*sw));

	if (sw) {
		sw->w = w;
		sw->part = part;
		sw->b = b;
		sw->stats = stats;
		sw->judge = judge;
	}
	return sw;
}

int bundle_list_code(struct st_walk *w, struct st_part *part, struct bundle *b,
		     struct bundle_seal_stats *stats)
{
	struct seal_walk *sw = seal_walk_new(w, part, b, stats, false);
	char why[200];
	int rc;

	if (!sw)
		return ST_ENOMEM;
	rc = load_default_rules(sw, why, sizeof(why));
	if (rc == ST_OK)
		rc = walk(sw, b->root_fd, "", 0);
	bundle_rules_free(&sw->rules);
	free(sw);
	return rc > 0 ? ST_OK : rc;
}

int bundle_check_seal(struct st_walk *w, struct st_part *part, struct bundle *b,
		      struct bundle_seal_stats *stats)
{
	struct seal_walk *sw = seal_walk_new(w, part, b, stats, true);
	plist_t files, rules;
	char why[200], text[900];
	int rc;

	if (!sw)
		return ST_ENOMEM;
	files = plist_dict_get_item(b->seal_plist, "files2");
	rules = plist_dict_get_item(b->seal_plist, "rules2");
	sw->version = 2;
	if (!files || plist_get_node_type(files) != PLIST_DICT) {
		files = plist_dict_get_item(b->seal_plist, "files");
		rules = plist_dict_get_item(b->seal_plist, "rules");
		sw->version = 1;
	}
	if (!files || plist_get_node_type(files) != PLIST_DICT || !rules ||
	    plist_get_node_type(rules) != PLIST_DICT) {
		rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_BUNDLE, ST_EFFECT_DEFAULT,
				    "the seal (%s%s_CodeSignature/CodeResources) has no files and rules dictionaries",
				    b->root, *b->root ? "/" : "");
		free(sw);
		return rc;
	}
	if (sw->version == 1)
		ST_ADD(&part->reasons, ST_R_WEAK_DIGEST, ST_VERDICT_VALID,
		       "the seal is version 1 (SHA-1 hashes, no files2): macOS 10.9.5 and later refuse such bundles as 'resource envelope is obsolete'");
	rc = bundle_rules_load(&sw->rules, rules, b->has_exe ? b->exe_rel : NULL, why, sizeof(why));
	if (rc == ST_OK)
		rc = load_keys(sw, files, why, sizeof(why));
	if (rc > 0) {
		rc = st_reasons_add(&part->reasons, st_parse_reason(rc, ST_R_MALFORMED_BUNDLE),
				    ST_EFFECT_DEFAULT, "the seal cannot be used: %s", why);
		goto done;
	}
	if (rc)
		goto done;
	stats->sealed = sw->nkeys;
	if ((rc = check_top(sw)) || (rc = walk(sw, b->root_fd, "", 0)))
		goto done;
	for (size_t i = 0; i < sw->nkeys && !sw->stopped; i++) {
		const struct bundle_rule *rule;
		if (sw->keys[i].seen || entry_flag(sw->keys[i].val, "optional"))
			continue;
		/* A sealed path the rules omit now was never looked for. */
		rule = bundle_rules_find(&sw->rules, sw->keys[i].key);
		if (rule && (rule->flags & (RULE_EXCLUDED | RULE_OMIT)))
			continue;
		join(text, sizeof(text), b->root, sw->keys[i].key);
		note(&sw->missing, text);
	}
	if (sw->added.n) {
		list_text(&sw->added, text, sizeof(text));
		ST_ADD(&part->reasons, ST_R_UNSEALED_RESOURCE, ST_EFFECT_DEFAULT,
		       "files the seal does not cover: %s; added after signing (an incompletely signed bundle)", text);
	}
	if (sw->modified.n || sw->missing.n) {
		char text2[900] = "";
		if (sw->modified.n)
			list_text(&sw->modified, text, sizeof(text));
		if (sw->missing.n)
			list_text(&sw->missing, text2, sizeof(text2));
		ST_ADD(&part->reasons, ST_R_RESOURCE_MODIFIED, ST_EFFECT_DEFAULT,
		       "%s%s%s%s%s", sw->modified.n ? "sealed files modified after signing: " : "",
		       sw->modified.n ? text : "", sw->modified.n && sw->missing.n ? "; " : "",
		       sw->missing.n ? "sealed files missing: " : "", sw->missing.n ? text2 : "");
	}
	if (sw->outside.n) {
		list_text(&sw->outside, text, sizeof(text));
		ST_ADD(&part->reasons, ST_R_SYMLINK_OUTSIDE_BUNDLE, ST_EFFECT_DEFAULT,
		       "symbolic links that leave the bundle: %s", text);
	}
	rc = ST_OK;
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	bundle_rules_free(&sw->rules);
	free_keys(sw);
	free(sw);
	return rc;
}

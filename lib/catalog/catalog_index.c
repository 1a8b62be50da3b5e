/*
 * The index of a scan's catalogs: digest -> (catalog, member), built once
 * when catalogs are added to the context, read by every verification.
 *
 * Memory is bounded: a key is 44 bytes and the index holds at most
 * ST_LIMIT_CATALOG_INDEX of them (a Windows install lists a few hundred
 * thousand PE members). Catalogs are read once to be indexed and read again
 * only when a file they list is verified: then their signature is verified
 * once, under the index's lock, and kept as a template the vouching
 * signatures are copied from (with the names of their members).
 */
#include "catalog/catalog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog_props.h"
#include "core/digest.h"
#include "core/limits.h"

struct cat_key {
	uint8_t d[32];
	uint8_t len;
	uint32_t file;
	uint32_t member;
};

struct cat_entry {
	char *path;
	bool done;
	/* Once verified: the catalog's signature, whether it vouches (its
	 * verdict is valid or untrusted), why not, its members' names. */
	struct st_part tmpl;
	int sig;                 /* index in tmpl.sigs, -1 */
	bool vouches;
	char *why;
	char **names;
	size_t nnames;
};

struct st_catalogs {
	pthread_mutex_t lock;
	struct cat_entry *files;
	size_t nfiles, fcap;
	struct cat_key *keys;
	size_t nkeys, kcap;
	size_t members;
	bool uses_sha1;               /* a v1 catalog lists PE members by SHA-1 */
};

static struct st_catalogs *index_of(st_context *ctx)
{
	if (!ctx->catalogs) {
		struct st_catalogs *x = calloc(1, sizeof(*x));
		if (!x)
			return NULL;
		pthread_mutex_init(&x->lock, NULL);
		ctx->catalogs = x;
	}
	return ctx->catalogs;
}

void cat_index_free(struct st_catalogs *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nfiles; i++) {
		struct cat_entry *f = &x->files[i];
		free(f->path);
		free(f->why);
		st_part_clear(&f->tmpl);
		for (size_t k = 0; k < f->nnames; k++)
			free(f->names[k]);
		free(f->names);
	}
	free(x->files);
	free(x->keys);
	pthread_mutex_destroy(&x->lock);
	free(x);
}

size_t cat_index_catalogs(const struct st_catalogs *x) { return x ? x->nfiles : 0; }
size_t cat_index_members(const struct st_catalogs *x) { return x ? x->members : 0; }

bool cat_index_lists_sha1(const struct st_catalogs *x)
{
	return x && x->uses_sha1;
}

/* Reads a whole file of at most ST_LIMIT_CATALOG_BYTES (NULL otherwise,
 * errno set; EFBIG when larger). */
static uint8_t *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > ST_LIMIT_CATALOG_BYTES) {
		errno = EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			free(buf);
			buf = NULL;
			errno = r < 0 ? errno : ESTALE;
			goto out;
		}
		got += (size_t)r;
	}
	*len = got;
out:
	close(fd);
	return buf;
}

static int key_cmp(const void *a, const void *b)
{
	const struct cat_key *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->d, y->d, x->len);
}

/* Whether the file's first bytes are a catalog's: a directory given with
 * --catalogs (a driver package) also holds .sys, .inf and DLL files, which
 * are not read whole. */
static bool head_is_catalog(const char *path)
{
	uint8_t head[160];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return false;
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	return n > 0 && cat_probe(head, (size_t)n);
}

/* Indexes one file if it is a catalog: 1 indexed, 0 not a catalog, <0. */
static int add_file(st_context *ctx, struct st_catalogs *x, const char *path)
{
	struct cat_file c;
	uint8_t *der;
	size_t len = 0;
	char why[200];
	int rc;

	if (!head_is_catalog(path))
		return 0;
	der = read_file(path, &len);
	if (!der)
		return errno == ENOMEM ? ST_ENOMEM : 0;
	rc = cat_parse(ctx, der, len, &c, why, sizeof(why));
	free(der);
	if (rc < 0)
		return rc;
	/* A catalog that does not parse vouches for nothing; scanning it
	 * reports why. */
	if (rc > 0)
		return 0;
	if (x->nfiles == x->fcap) {
		size_t cap = x->fcap ? x->fcap * 2 : 64;
		struct cat_entry *nf = realloc(x->files, cap * sizeof(*nf));
		if (!nf)
			goto enomem;
		x->files = nf;
		x->fcap = cap;
	}
	memset(&x->files[x->nfiles], 0, sizeof(x->files[0]));
	x->files[x->nfiles].sig = -1;
	if (!(x->files[x->nfiles].path = strdup(path)))
		goto enomem;
	for (size_t i = 0; i < c.n; i++) {
		const struct cat_member *m = &c.members[i];
		struct cat_key *k;

		/* PE members only: they are what files are looked up by
		 * (flat members would need every file hashed whole), and a
		 * v2 catalog's SHA-1 companions repeat its SHA-256 members. */
		if (m->type == CAT_MEMBER_FLAT || m->type == CAT_MEMBER_COMPANION)
			continue;
		if (x->nkeys >= ST_LIMIT_CATALOG_INDEX)
			break;
		if (x->nkeys == x->kcap) {
			size_t cap = x->kcap ? x->kcap * 2 : 4096;
			struct cat_key *nk = realloc(x->keys, cap * sizeof(*nk));
			if (!nk)
				goto enomem;
			x->keys = nk;
			x->kcap = cap;
		}
		k = &x->keys[x->nkeys++];
		memset(k, 0, sizeof(*k));
		memcpy(k->d, m->digest, m->len);
		k->len = m->len;
		k->file = (uint32_t)x->nfiles;
		k->member = (uint32_t)i;
		if (m->md_nid == NID_sha1)
			x->uses_sha1 = true;
	}
	x->members += c.n;
	x->nfiles++;
	cat_clear(&c);
	return 1;
enomem:
	cat_clear(&c);
	return ST_ENOMEM;
}

static int add_tree(st_context *ctx, struct st_catalogs *x, const char *path, int depth,
		    size_t *added)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = ST_OK;

	if (stat(path, &st))
		return depth ? ST_OK : ST_EIO;
	if (S_ISREG(st.st_mode)) {
		if (x->nfiles >= ST_LIMIT_CATALOG_FILES)
			return ST_OK;
		rc = add_file(ctx, x, path);
		if (rc > 0)
			(*added)++;
		return rc < 0 ? rc : ST_OK;
	}
	if (!S_ISDIR(st.st_mode) || depth > ST_LIMIT_CATALOG_DEPTH)
		return ST_OK;
	if (!(d = opendir(path)))
		return depth ? ST_OK : ST_EIO;
	while (rc == ST_OK && (e = readdir(d)) != NULL) {
		size_t n = strlen(path) + strlen(e->d_name) + 2;
		char *sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!(sub = malloc(n))) {
			rc = ST_ENOMEM;
			break;
		}
		snprintf(sub, n, "%s/%s", path, e->d_name);
		rc = add_tree(ctx, x, sub, depth + 1, added);
		free(sub);
	}
	closedir(d);
	return rc;
}

int cat_index_add(st_context *ctx, const char *path, size_t *added)
{
	struct st_catalogs *x = index_of(ctx);
	int rc;

	*added = 0;
	if (!x)
		return ST_ENOMEM;
	rc = add_tree(ctx, x, path, 0, added);
	if (x->nkeys)
		qsort(x->keys, x->nkeys, sizeof(*x->keys), key_cmp);
	return rc;
}

/* Verifies catalog f once (under x->lock). */
static int ensure_verified(const st_context *ctx, struct cat_entry *f)
{
	struct cat_file c;
	uint8_t *der;
	size_t len = 0;
	char why[200];
	int rc;

	if (f->done)
		return ST_OK;
	der = read_file(f->path, &len);
	if (!der) {
		if (errno == ENOMEM)
			return ST_ENOMEM;
		f->why = st_strdup("it can no longer be read");
		f->done = true;
		return f->why ? ST_OK : ST_ENOMEM;
	}
	rc = cat_parse(ctx, der, len, &c, why, sizeof(why));
	free(der);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		f->why = st_strdup(why);
		f->done = true;
		return f->why ? ST_OK : ST_ENOMEM;
	}
	f->tmpl.kind = "file";
	f->tmpl.policy = ST_POLICY_ANY_VALID;
	rc = cat_verify_signature(ctx, &c, &f->tmpl, &f->sig);
	if (rc == ST_OK && c.n && !(f->names = calloc(c.n, sizeof(*f->names))))
		rc = ST_ENOMEM;
	for (size_t i = 0; rc == ST_OK && i < c.n; i++) {
		if (c.members[i].name)
			f->names[i] = c.members[i].name;
		else if (!(f->names[i] = st_hex(c.members[i].digest, c.members[i].len)))
			rc = ST_ENOMEM;
		c.members[i].name = NULL;
		f->nnames = i + 1;
	}
	cat_clear(&c);
	if (rc)
		return rc;
	st_part_finish(&f->tmpl);
	if (f->sig >= 0) {
		const st_signature *s = &f->tmpl.sigs[f->sig];
		f->vouches = s->verdict <= ST_VERDICT_UNTRUSTED;
		if (!f->vouches) {
			const st_reasons *r = &s->reasons;
			size_t k = 0;
			while (k + 1 < r->n && r->v[k].effect != s->verdict)
				k++;
			f->why = r->n ? st_strdup(r->v[k].detail) : st_strdup("it does not verify");
			if (!f->why)
				return ST_ENOMEM;
		}
	}
	f->done = true;
	return ST_OK;
}

/* Adds the signature of catalog f vouching for member m to part. */
static int vouch(const struct cat_entry *f, uint32_t member, const struct cat_key *k,
		 struct st_part *part)
{
	const st_signature *t = &f->tmpl.sigs[f->sig];
	st_signature *s;
	int i;

	if (part->nsigs >= ST_LIMIT_SIGNATURES)
		return ST_OK;
	if ((i = st_part_add_signature(part)) < 0)
		return ST_ENOMEM;
	s = &part->sigs[i];
	if (st_signature_copy(s, t))
		return ST_ENOMEM;
	s->source = "catalog";
	s->digest_alg = st_md_name(k->len == 20 ? NID_sha1 : NID_sha256);
	if (!(s->signed_digest = st_hex(k->d, k->len)) || !(s->computed_digest = st_hex(k->d, k->len)) ||
	    st_props_set_str(&s->props, &cat_properties[CP_SIG_PATH], f->path) ||
	    (member < f->nnames && f->names[member] &&
	     st_props_set_str(&s->props, &cat_properties[CP_SIG_MEMBER], f->names[member])))
		return ST_ENOMEM;
	if (k->len == 20 && !st_reasons_has(&s->reasons, ST_R_WEAK_DIGEST))
		return st_reasons_add(&s->reasons, ST_R_WEAK_DIGEST, ST_VERDICT_VALID,
				      "the catalog lists the file by its SHA-1 digest, which is "
				      "deprecated for code signing");
	return ST_OK;
}

/* Looks one digest up; *found counts the catalogs that list it. */
static int lookup(const st_context *ctx, struct st_catalogs *x, const uint8_t *d, uint8_t len,
		  struct st_part *part, size_t *vouched, const struct cat_entry **failed,
		  uint32_t *failed_member)
{
	struct cat_key want = { .len = len };
	const struct cat_key *hit;
	size_t lo, hi;
	int rc = ST_OK;

	memcpy(want.d, d, len);
	hit = bsearch(&want, x->keys, x->nkeys, sizeof(*x->keys), key_cmp);
	if (!hit)
		return ST_OK;
	lo = hi = (size_t)(hit - x->keys);
	while (lo > 0 && key_cmp(&x->keys[lo - 1], &want) == 0)
		lo--;
	while (hi + 1 < x->nkeys && key_cmp(&x->keys[hi + 1], &want) == 0)
		hi++;
	for (size_t i = lo; i <= hi && rc == ST_OK && *vouched < ST_LIMIT_CATALOG_VOUCHERS; i++) {
		struct cat_entry *f = &x->files[x->keys[i].file];

		pthread_mutex_lock(&x->lock);
		rc = ensure_verified(ctx, f);
		pthread_mutex_unlock(&x->lock);
		if (rc)
			break;
		if (f->vouches && f->sig >= 0) {
			rc = vouch(f, x->keys[i].member, &x->keys[i], part);
			(*vouched)++;
		} else if (!*failed) {
			*failed = f;
			*failed_member = x->keys[i].member;
		}
	}
	return rc;
}

int cat_index_vouch(const st_context *ctx, const uint8_t *sha1, const uint8_t *sha256,
		    struct st_part *part)
{
	struct st_catalogs *x = ctx->catalogs;
	const struct cat_entry *failed = NULL;
	uint32_t member = 0;
	size_t vouched = 0;
	int rc = ST_OK;

	if (!x || !x->nkeys)
		return ST_OK;
	/* SHA-256 first, as current Windows does; SHA-1 only for catalogs
	 * that list no SHA-256. */
	if (sha256)
		rc = lookup(ctx, x, sha256, 32, part, &vouched, &failed, &member);
	if (rc == ST_OK && !vouched && sha1)
		rc = lookup(ctx, x, sha1, 20, part, &vouched, &failed, &member);
	if (rc == ST_OK && !vouched && failed)
		rc = st_reasons_add(&part->reasons, ST_R_CATALOG_INVALID, ST_EFFECT_DEFAULT,
				    "listed in the catalog %s (member %s), whose signature does not "
				    "hold: %s", failed->path,
				    member < failed->nnames && failed->names[member]
					    ? failed->names[member] : "?",
				    failed->why ? failed->why : "?");
	return rc;
}

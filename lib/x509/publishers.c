/* Publishers and impersonation (publishers.h). */
#include "x509/publishers.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "x509/trust.h"
#include "x509/x509_util.h"

extern const char st_publishers_tsv[];
extern const char st_trust_publisher_certs[];

static bool has_fingerprint(const struct st_publisher *p, const uint8_t h[32])
{
	for (size_t i = 0; i < p->ncerts; i++)
		if (memcmp(p->certs[i], h, 32) == 0)
			return true;
	return false;
}

/* Hands each shipped certificate to the publishers that name it. */
static int attach_certs(struct st_publishers *p)
{
	BIO *b = BIO_new_mem_buf(st_trust_publisher_certs, -1);
	X509 *x;
	int rc = ST_OK;

	if (!b)
		return ST_ENOMEM;
	while (rc == ST_OK && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		uint8_t h[32];
		unsigned len;

		if (!X509_digest(x, EVP_sha256(), h, &len)) {
			X509_free(x);
			continue;
		}
		for (size_t i = 0; i < p->n && rc == ST_OK; i++) {
			struct st_publisher *u = &p->v[i];
			if (!has_fingerprint(u, h))
				continue;
			if (!u->x509 && !(u->x509 = sk_X509_new_null()))
				rc = ST_ENOMEM;
			else if (!X509_up_ref(x) || !sk_X509_push(u->x509, x))
				rc = ST_ENOMEM;
		}
		X509_free(x);
	}
	ERR_clear_error();
	BIO_free(b);
	return rc;
}

int st_publishers_load(struct st_publishers *p)
{
	const char *s = st_publishers_tsv;

	memset(p, 0, sizeof(*p));
	while (*s) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) : strlen(s);

		if (len > 0 && *s != '#') {
			char *line = malloc(len + 1), *f[4] = { 0 }, *save = NULL;
			struct st_publisher *nv, *u;

			if (!line)
				goto enomem;
			memcpy(line, s, len);
			line[len] = '\0';
			f[0] = strtok_r(line, "\t", &save);
			for (int i = 1; i < 4 && f[i - 1]; i++)
				f[i] = strtok_r(NULL, "\t", &save);
			if (!f[3]) {
				free(line);
				goto next;
			}
			nv = realloc(p->v, (p->n + 1) * sizeof(*nv));
			if (!nv) {
				free(line);
				goto enomem;
			}
			p->v = nv;
			u = &p->v[p->n++];
			memset(u, 0, sizeof(*u));
			snprintf(u->key, sizeof(u->key), "%s", f[0]);
			snprintf(u->name, sizeof(u->name), "%s", f[1]);
			u->always_signs = strcmp(f[3], "always") == 0;
			u->public_ca = strcmp(f[2], "public") == 0;
			for (char *c = f[2], *cs = NULL; !u->public_ca && (c = strtok_r(c, "|", &cs));
			     c = NULL) {
				uint8_t (*nc)[32] = realloc(u->certs, (u->ncerts + 1) * sizeof(*nc));
				if (!nc) {
					free(line);
					goto enomem;
				}
				u->certs = nc;
				for (size_t i = 0; i < 32 && strlen(c) == 64; i++) {
					unsigned v;
					sscanf(c + 2 * i, "%2x", &v);
					u->certs[u->ncerts][i] = (uint8_t)v;
				}
				if (strlen(c) == 64)
					u->ncerts++;
			}
			free(line);
		}
next:
		s += len + (eol ? 1 : 0);
	}
	if (attach_certs(p) != ST_OK)
		goto enomem;
	return ST_OK;
enomem:
	st_publishers_clear(p);
	return ST_ENOMEM;
}

void st_publishers_clear(struct st_publishers *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].certs);
		sk_X509_pop_free(p->v[i].x509, X509_free);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* Lower-case ASCII words of a name, with the homoglyphs impostors use
 * folded to the letters they imitate (Cyrillic and Greek look-alikes,
 * digits for letters, "rn" for "m") and punctuation dropped. */
static void normalise(const char *in, char *out, size_t outlen)
{
	static const struct {
		const char *from, *to;
	} folds[] = {
		{ "\xd0\xb0", "a" }, { "\xd0\x90", "a" }, { "\xd0\xb5", "e" }, { "\xd0\x95", "e" },
		{ "\xd0\xbe", "o" }, { "\xd0\x9e", "o" }, { "\xd1\x80", "p" }, { "\xd0\xa0", "p" },
		{ "\xd1\x81", "c" }, { "\xd0\xa1", "c" }, { "\xd1\x85", "x" }, { "\xd0\xa5", "x" },
		{ "\xd1\x96", "i" }, { "\xd0\x86", "i" }, { "\xd0\x9c", "m" }, { "\xd0\xbc", "m" },
		{ "\xd0\x9d", "h" }, { "\xd0\xba", "k" }, { "\xd0\x9a", "k" }, { "\xd0\xa2", "t" },
		{ "\xce\xbf", "o" }, { "\xce\x9f", "o" }, { "\xce\xb1", "a" }, { "\xce\x91", "a" },
		{ "\xce\x95", "e" }, { "\xce\x99", "i" }, { "\xce\x9c", "m" }, { "\xce\x9d", "n" },
		{ "0", "o" }, { "1", "l" }, { "3", "e" }, { "5", "s" }, { "rn", "m" }, { "vv", "w" },
	};
	size_t o = 0;

	while (*in && o + 2 < outlen) {
		bool folded = false;
		unsigned char c0 = (unsigned char)*in;
		/* Only non-ASCII bytes, digits, r and v begin a fold: the common
		 * case skips the table (this runs for every version resource). */
		bool may_fold = c0 >= 0x80 || strchr("0135rRvV", c0) != NULL;
		for (size_t k = 0; may_fold && k < sizeof(folds) / sizeof(folds[0]); k++) {
			size_t fl = strlen(folds[k].from);
			if (strncasecmp(in, folds[k].from, fl) == 0) {
				out[o++] = folds[k].to[0];
				in += fl;
				folded = true;
				break;
			}
		}
		if (folded)
			continue;
		unsigned char c = (unsigned char)*in++;
		if (isalpha(c))
			out[o++] = (char)tolower(c);
		else if (c == ' ' || c == ',' || c == '.' || c == '-' || c == '(' || c == ')' ||
			 c == '_' || c == '/' || c == '"')
			out[o++] = ' ';
		/* anything else (other non-ASCII) is dropped */
	}
	out[o] = '\0';
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	return prev[lb];
}

const struct st_publisher *st_publisher_match(const struct st_publishers *p, const char *name,
					      bool *exact)
{
	char norm[512], *save = NULL, *w;

	if (!name || !*name)
		return NULL;
	normalise(name, norm, sizeof(norm));
	for (w = strtok_r(norm, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		for (size_t i = 0; i < p->n; i++) {
			size_t kl = strlen(p->v[i].key);
			size_t d = edit_distance(w, p->v[i].key);
			size_t allowed = kl >= 9 ? 2 : kl >= 7 ? 1 : 0;
			if (d <= allowed) {
				*exact = d == 0;
				return &p->v[i];
			}
		}
	}
	return NULL;
}

/* Whether x is one of the publisher's certificates or issued by one: the
 * issuer's name and key identifier must match and its key must verify x's
 * signature, so a certificate that merely names the issuer is not enough. */
static bool publisher_cert(const struct st_publisher *p, X509 *x)
{
	uint8_t h[32];
	unsigned len;

	if (X509_digest(x, EVP_sha256(), h, &len) && has_fingerprint(p, h))
		return true;
	for (int i = 0; i < sk_X509_num(p->x509); i++) {
		X509 *ca = sk_X509_value(p->x509, i);
		EVP_PKEY *key = X509_get0_pubkey(ca);

		if (X509_check_issued(ca, x) == X509_V_OK && key && X509_verify(x, key) == 1)
			return true;
	}
	ERR_clear_error();
	return false;
}

static bool chain_of(const struct st_publisher *p, STACK_OF(X509) *chain)
{
	for (int k = 0; k < sk_X509_num(chain); k++)
		if (publisher_cert(p, sk_X509_value(chain, k)))
			return true;
	return false;
}

/* Apple issues the certificates that sign macOS code for every vendor after
 * checking who the developer is, so a chain through Apple's hierarchy
 * carries the developer's real name. */
static bool apple_vouched(const struct st_publishers *pubs, STACK_OF(X509) *chain)
{
	for (size_t i = 0; i < pubs->n; i++)
		if (strcmp(pubs->v[i].key, "apple") == 0)
			return chain_of(&pubs->v[i], chain);
	return false;
}

int st_publisher_check(const st_context *ctx, STACK_OF(X509) *chain, bool trusted,
		       st_reasons *rs, const char *what)
{
	const struct st_publishers *pubs = &ctx->trust->publishers;
	X509 *leaf = sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : NULL;
	static const char *const what_name[3] = { "signer", "signer organisation", "issuer" };
	char *names[3] = { NULL, NULL, NULL };
	bool found;
	int rc = ST_OK;

	if (!leaf || !pubs->n)
		return ST_OK;
	names[0] = st_name_cn(X509_get_subject_name(leaf));
	names[1] = st_name_entry(X509_get_subject_name(leaf), NID_organizationName, &found);
	names[2] = st_name_cn(X509_get_issuer_name(leaf));
	for (int i = 0; i < 3 && rc == ST_OK; i++) {
		bool exact = false, genuine = false;
		const struct st_publisher *p = st_publisher_match(pubs, names[i], &exact);

		if (!p)
			continue;
		if (exact && p->public_ca && !ctx->trust->default_loaded)
			break;
		genuine = chain_of(p, chain);
		if (!genuine && exact)
			genuine = (p->public_ca && trusted) || apple_vouched(pubs, chain);
		if (genuine)
			break;
		if (!exact)
			rc = st_reasons_add(rs, ST_R_PUBLISHER_IMPERSONATION, ST_EFFECT_DEFAULT,
					    "%s: %s '%s' is a near-miss spelling of %s", what, what_name[i],
					    names[i], p->name);
		else if (p->public_ca)
			rc = st_reasons_add(rs, ST_R_PUBLISHER_IMPERSONATION, ST_EFFECT_DEFAULT,
					    "%s: %s '%s' names %s, but the chain ends at no trusted root",
					    what, what_name[i], names[i], p->name);
		else
			rc = st_reasons_add(rs, ST_R_PUBLISHER_IMPERSONATION, ST_EFFECT_DEFAULT,
					    "%s: %s '%s' names %s, but the chain passes through none of %s's certificates",
					    what, what_name[i], names[i], p->name, p->name);
		break;
	}
	for (int i = 0; i < 3; i++)
		free(names[i]);
	return rc;
}

const char *st_publisher_claimed(const st_context *ctx, const char *name, int *exact)
{
	bool e = false;
	const struct st_publisher *p = st_publisher_match(&ctx->trust->publishers, name, &e);

	if (exact)
		*exact = e;
	return p ? p->name : NULL;
}

/*
 * Publisher names: the well-known publishers impostors borrow names from
 * (data/publishers.tsv) and how a certificate or version-resource name is
 * matched against them (case, punctuation, homoglyphs, near misses).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hunt/hunt.h"
#include "hunt/outliers.h"

extern const char st_publishers_tsv[];


static struct publisher pubs[64];
static size_t npubs;

void publishers_load(void)
{
	const char *p = st_publishers_tsv;

	if (npubs)
		return;
	while (*p && npubs < sizeof(pubs) / sizeof(pubs[0])) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[1024];

		if (len < sizeof(line) && *p != '#' && len > 0) {
			char *f[4] = { 0 }, *save = NULL;
			memcpy(line, p, len);
			line[len] = '\0';
			f[0] = strtok_r(line, "\t", &save);
			for (int i = 1; i < 4 && f[i - 1]; i++)
				f[i] = strtok_r(NULL, "\t", &save);
			if (f[3]) {
				struct publisher *u = &pubs[npubs++];
				snprintf(u->key, sizeof(u->key), "%s", f[0]);
				snprintf(u->name, sizeof(u->name), "%s", f[1]);
				u->roots = strdup(f[2]);
				u->always_signs = strcmp(f[3], "always") == 0;
			}
		}
		p += len + (eol ? 1 : 0);
	}
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
		for (size_t k = 0; k < sizeof(folds) / sizeof(folds[0]); k++) {
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

/* The publisher a name claims, if any; *exact says whether the spelling is
 * exact (after normalisation) or a near miss. */
const struct publisher *publisher_claimed(const char *name, bool *exact)
{
	char norm[512], *save = NULL, *w;

	if (!name || !*name)
		return NULL;
	normalise(name, norm, sizeof(norm));
	for (w = strtok_r(norm, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		for (size_t i = 0; i < npubs; i++) {
			size_t kl = strlen(pubs[i].key);
			size_t d = edit_distance(w, pubs[i].key);
			size_t allowed = kl >= 9 ? 2 : kl >= 7 ? 1 : 0;
			if (d <= allowed) {
				*exact = d == 0;
				return &pubs[i];
			}
		}
	}
	return NULL;
}

const char *outliers_claimed_publisher(const char *name, bool *exact)
{
	const struct publisher *p;

	if (!npubs)
		publishers_load();
	p = publisher_claimed(name, exact);
	return p ? p->name : NULL;
}

/* Apple issues the certificates that sign macOS code for every vendor
 * (Developer ID, Mac App Store, WWDR) after checking who the developer is:
 * "Microsoft Corporation (UBF8T346G9)" under Apple's roots is Microsoft's
 * macOS signature, not an impersonation. */
static bool apple_root(const char *root_sha256)
{
	for (size_t i = 0; i < npubs; i++)
		if (strcmp(pubs[i].key, "apple") == 0)
			return root_sha256 && strstr(pubs[i].roots, root_sha256) != NULL;
	return false;
}

bool publisher_root_ok(const struct publisher *p, const char *root_sha256, bool trusted)
{
	if (trusted && apple_root(root_sha256))
		return true;
	if (strcmp(p->roots, "public") == 0)
		return trusted;
	return root_sha256 && strstr(p->roots, root_sha256) != NULL;
}

/* The O= value of an RFC 2253 subject, copied into buf. */
const char *dn_org(const char *dn, char *buf, size_t len)
{
	const char *o = dn ? strstr(dn, "O=") : NULL;

	buf[0] = '\0';
	while (o && o != dn && o[-1] != ',')
		o = strstr(o + 2, "O=");
	if (o) {
		size_t n = 0;
		for (o += 2; *o && *o != ',' && n + 1 < len; o++)
			buf[n++] = *o;
		buf[n] = '\0';
	}
	return buf;
}

void publishers_free(void)
{
	for (size_t i = 0; i < npubs; i++)
		free(pubs[i].roots);
	npubs = 0;
}

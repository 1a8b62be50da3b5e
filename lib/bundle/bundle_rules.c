/*
 * The seal's rules (CodeResources `rules2`, or `rules` for version-1
 * seals): each key is a POSIX extended regular expression over a path
 * relative to the resources root; its value is `true` or a dictionary of
 * omit, optional, nested (booleans) and weight (a number, 1 when absent).
 * The heaviest matching rule decides; Apple's exclusions (the signature
 * directory, the stapled ticket, the App Store receipt, the main
 * executable) win over every rule. Apple compiles the rules with
 * regcomp(REG_EXTENDED | REG_NOSUB), as here.
 *
 * The patterns come from the file being verified: back-references (which
 * make matching exponential) and overlong patterns are refused, and the
 * number of rules is bounded (docs/limits.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"
#include "core/limits.h"

static int add_rule(struct bundle_rules *r, const char *pattern, double weight, unsigned flags,
		    char *why, size_t whylen)
{
	struct bundle_rule *nv;
	size_t len = strlen(pattern);
	int rc;

	if (r->n == ST_LIMIT_BUNDLE_RULES) {
		snprintf(why, whylen, "the seal has more than %d rules", ST_LIMIT_BUNDLE_RULES);
		return ST_PARSE_LIMIT;
	}
	if (len > ST_LIMIT_BUNDLE_RULE_LEN) {
		snprintf(why, whylen, "a seal rule is longer than %d bytes", ST_LIMIT_BUNDLE_RULE_LEN);
		return ST_PARSE_LIMIT;
	}
	for (size_t i = 0; i + 1 < len; i++) {
		if (pattern[i] == '\\' && pattern[i + 1] >= '1' && pattern[i + 1] <= '9') {
			snprintf(why, whylen, "seal rule '%.80s' uses a back-reference", pattern);
			return ST_PARSE_MALFORMED;
		}
		if (pattern[i] == '\\')
			i++;
	}
	nv = realloc(r->v, (r->n + 1) * sizeof(*nv));
	if (!nv)
		return ST_ENOMEM;
	r->v = nv;
	rc = regcomp(&r->v[r->n].re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc == REG_ESPACE)
		return ST_ENOMEM;
	if (rc != 0) {
		snprintf(why, whylen, "seal rule '%.80s' is not a regular expression", pattern);
		return ST_PARSE_MALFORMED;
	}
	r->v[r->n].weight = weight;
	r->v[r->n].flags = flags;
	r->n++;
	return ST_OK;
}

/* A literal path as an anchored expression. */
static int add_exclusion(struct bundle_rules *r, const char *path, char *why, size_t whylen)
{
	char re[2 * 512 + 3], *o = re;

	if (strlen(path) >= 512)
		return ST_OK;  /* cannot be a path of the bundle anyway */
	*o++ = '^';
	for (const char *p = path; *p; p++) {
		if (strchr(".[]{}()\\*+?|^$", *p))
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '$';
	*o = '\0';
	return add_rule(r, re, 0, RULE_EXCLUDED, why, whylen);
}

static bool dict_bool(plist_t d, const char *key)
{
	plist_t v = plist_dict_get_item(d, key);
	uint8_t b = 0;

	if (v && plist_get_node_type(v) == PLIST_BOOLEAN)
		plist_get_bool_val(v, &b);
	return b != 0;
}

int bundle_rules_load(struct bundle_rules *r, plist_t dict, const char *exe_rel, char *why,
		      size_t whylen)
{
	plist_dict_iter it = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = add_exclusion(r, "_CodeSignature", why, whylen)) ||
	    (rc = add_exclusion(r, "CodeResources", why, whylen)) ||
	    (rc = add_exclusion(r, "_MASReceipt", why, whylen)) ||
	    (exe_rel && (rc = add_exclusion(r, exe_rel, why, whylen))))
		return rc;
	if (!dict)
		return ST_OK;
	plist_dict_new_iter(dict, &it);
	if (!it)
		return ST_ENOMEM;
	for (;;) {
		char *key = NULL;
		plist_t val = NULL;
		double weight = 1;
		unsigned flags = 0;

		plist_dict_next_item(dict, it, &key, &val);
		if (!key)
			break;
		if (plist_get_node_type(val) == PLIST_DICT) {
			plist_t wv = plist_dict_get_item(val, "weight");
			if (wv && plist_get_node_type(wv) == PLIST_REAL)
				plist_get_real_val(wv, &weight);
			else if (wv && plist_get_node_type(wv) == PLIST_UINT) {
				uint64_t u = 0;
				plist_get_uint_val(wv, &u);
				weight = (double)u;
			}
			flags |= dict_bool(val, "omit") ? RULE_OMIT : 0;
			flags |= dict_bool(val, "optional") ? RULE_OPTIONAL : 0;
			flags |= dict_bool(val, "nested") ? RULE_NESTED : 0;
		} else if (plist_get_node_type(val) != PLIST_BOOLEAN) {
			snprintf(why, whylen, "seal rule '%.80s' is neither true nor a dictionary", key);
			free(key);
			free(it);
			return ST_PARSE_MALFORMED;
		}
		rc = add_rule(r, key, weight, flags, why, whylen);
		free(key);
		if (rc) {
			free(it);
			return rc;
		}
	}
	free(it);
	return ST_OK;
}

const struct bundle_rule *bundle_rules_find(const struct bundle_rules *r, const char *path)
{
	const struct bundle_rule *best = NULL;

	for (size_t i = 0; i < r->n; i++) {
		const struct bundle_rule *u = &r->v[i];

		if (regexec(&u->re, path, 0, NULL, 0) != 0)
			continue;
		if (u->flags & RULE_EXCLUDED)
			return u;
		if (!best || u->weight > best->weight)
			best = u;
	}
	return best;
}

void bundle_rules_free(struct bundle_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		regfree(&r->v[i].re);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/*
 * Code requirements in their text form, as a seal records one for each
 * piece of nested code (codesign writes the nested code's designated
 * requirement): `identifier "com.example.helper" and anchor apple generic
 * and certificate leaf[subject.OU] = "TEAMID1234"`, `cdhash H"..."` for
 * ad-hoc code, with and, or, !, parentheses and comments.
 *
 * The evaluation is three-valued: a clause sigtrace cannot decide
 * (certificate fields other than the leaf's OU and CN, entitlements,
 * info keys, marker extensions) is unknown, and `and`/`or` combine as in
 * Kleene's logic. The caller falls back to the seal's cdhash when the
 * answer is unknown. Apple's parser is not available off macOS; this one
 * reads only what it needs and treats anything else as unknown.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "bundle/bundle.h"

struct lexer {
	const char *p;
	char tok[256];
	bool str;            /* the token was quoted */
	int depth;
};

/* The next token into lx->tok ("" at the end). */
static void next(struct lexer *lx)
{
	size_t n = 0;

	lx->str = false;
	for (;;) {
		while (isspace((unsigned char)*lx->p))
			lx->p++;
		if (lx->p[0] == '/' && lx->p[1] == '*') {
			const char *e = strstr(lx->p + 2, "*/");
			lx->p = e ? e + 2 : lx->p + strlen(lx->p);
			continue;
		}
		break;
	}
	if (!*lx->p) {
		lx->tok[0] = '\0';
		return;
	}
	if (strchr("()[]=!<>~", *lx->p)) {
		lx->tok[0] = *lx->p++;
		lx->tok[1] = '\0';
		return;
	}
	if (*lx->p == '"' || (*lx->p == 'H' && lx->p[1] == '"')) {
		if (*lx->p == 'H')
			lx->p++;
		lx->p++;
		while (*lx->p && *lx->p != '"') {
			if (*lx->p == '\\' && lx->p[1])
				lx->p++;
			if (n + 1 < sizeof(lx->tok))
				lx->tok[n++] = *lx->p;
			lx->p++;
		}
		if (*lx->p == '"')
			lx->p++;
		lx->tok[n] = '\0';
		lx->str = true;
		return;
	}
	while (*lx->p && !isspace((unsigned char)*lx->p) && !strchr("()[]=!<>~\"", *lx->p)) {
		if (n + 1 < sizeof(lx->tok))
			lx->tok[n++] = *lx->p;
		lx->p++;
	}
	lx->tok[n] = '\0';
}

static bool is(const struct lexer *lx, const char *w)
{
	return !lx->str && strcmp(lx->tok, w) == 0;
}

struct subject {
	const st_signature *sig;
	const char *ident, *team, *cdhash;
};

static enum req_value req_or(struct lexer *lx, const struct subject *s);

static enum req_value truth(bool b)
{
	return b ? REQ_TRUE : REQ_FALSE;
}

/* Skips the rest of a clause sigtrace does not decide. */
static enum req_value unknown_clause(struct lexer *lx)
{
	int depth = 0;

	while (lx->tok[0]) {
		if (!lx->str && depth == 0 && (is(lx, "and") || is(lx, "or") || is(lx, ")")))
			break;
		if (is(lx, "(") || is(lx, "["))
			depth++;
		else if ((is(lx, ")") || is(lx, "]")) && depth > 0)
			depth--;
		next(lx);
	}
	return REQ_UNKNOWN;
}

/* `certificate SLOT[field.OID] exists`: Apple's class markers, answered
 * from the signer class lib/macho derives from the same markers (leaf:
 * 1.2.840.113635.100.6.1.x; intermediate 1: Developer ID CA 6.2.6, WWDR
 * 6.2.1). Other fields are unknown. */
static enum req_value marker(const char *oid, const char *slot, const struct subject *s)
{
	static const struct { const char *oid, *type; } leaf[] = {
		{ "1.2.840.113635.100.6.1.13", "developer_id_application" },
		{ "1.2.840.113635.100.6.1.14", "developer_id_installer" },
		{ "1.2.840.113635.100.6.1.9", "mac_app_store" },
		{ "1.2.840.113635.100.6.1.7", "submission" },
		{ "1.2.840.113635.100.6.1.12", "development" },
		{ "1.2.840.113635.100.6.1.2", "development" },
		{ "1.2.840.113635.100.6.22", "apple_platform" },
	};
	const st_property *tp = s->sig ? st_signature_property_find(s->sig, "macho.signer_type") : NULL;
	const char *type = tp ? st_property_string(tp) : NULL;
	bool devid;

	if (!s->sig || !type)
		return REQ_FALSE;
	if (strcmp(type, "other") == 0)
		return REQ_UNKNOWN;
	devid = strncmp(type, "developer_id_", 13) == 0;
	if (strcmp(slot, "leaf") == 0 || strcmp(slot, "0") == 0) {
		for (size_t i = 0; i < sizeof(leaf) / sizeof(leaf[0]); i++)
			if (strcmp(oid, leaf[i].oid) == 0)
				return truth(strcmp(type, leaf[i].type) == 0);
		return REQ_UNKNOWN;
	}
	if (strcmp(slot, "1") == 0 && strcmp(oid, "1.2.840.113635.100.6.2.6") == 0)
		return truth(devid);
	if (strcmp(slot, "1") == 0 && strcmp(oid, "1.2.840.113635.100.6.2.1") == 0)
		return truth(!devid && strcmp(type, "apple_platform") != 0);
	return REQ_UNKNOWN;
}

/* The leaf's subject OU (the team identifier Apple puts there) from its
 * RFC 2253 subject ("C=NL,O=Fingertips B.V.,OU=QNEGD373G7,CN=..."): the
 * certificate's, not the CodeDirectory's team field, which signatures
 * made before 2013 do not carry (node-notifier's terminal-notifier.app). */
static bool subject_ou(const st_cert *leaf, char *out, size_t cap)
{
	const char *d = leaf ? st_cert_subject(leaf) : NULL;
	size_t o = 0;

	for (const char *p = d; p && *p; p++) {
		if ((p == d || p[-1] == ',') && strncmp(p, "OU=", 3) == 0) {
			for (p += 3; *p && *p != ',' && o + 1 < cap; p++) {
				if (*p == '\\' && p[1])
					p++;
				out[o++] = *p;
			}
			out[o] = '\0';
			return true;
		}
		if (*p == '\\' && p[1])
			p++;
	}
	return false;
}

static enum req_value certificate(struct lexer *lx, const struct subject *s)
{
	char slot[32], field[128];
	const st_cert *leaf = s->sig ? st_signature_signer(s->sig) : NULL;

	next(lx);  /* the slot */
	if (snprintf(slot, sizeof(slot), "%s", lx->tok) >= (int)sizeof(slot))
		slot[0] = '\0';
	next(lx);
	if (!is(lx, "["))
		return unknown_clause(lx);
	next(lx);
	if (snprintf(field, sizeof(field), "%s", lx->tok) >= (int)sizeof(field))
		field[0] = '\0';
	next(lx);
	if (!is(lx, "]"))
		return unknown_clause(lx);
	next(lx);
	if (strncmp(field, "field.", 6) == 0 && !is(lx, "=") && !is(lx, "<") && !is(lx, ">") &&
	    !is(lx, "~"))
		return marker(field + 6, slot, s);
	if (strcmp(slot, "leaf") != 0 && strcmp(slot, "0") != 0)
		return unknown_clause(lx);
	if (strcmp(field, "subject.OU") == 0 || strcmp(field, "subject.CN") == 0) {
		const char *have;
		if (!is(lx, "="))
			return unknown_clause(lx);
		next(lx);
		if (!s->sig || !leaf) {
			next(lx);
			return REQ_FALSE;
		}
		char ou[256];
		have = strcmp(field, "subject.OU") != 0 ? st_cert_subject_cn(leaf)
		       : subject_ou(leaf, ou, sizeof(ou)) ? ou : s->team;
		bool eq = have && strcmp(have, lx->tok) == 0;
		next(lx);
		return truth(eq);
	}
	return unknown_clause(lx);
}

static enum req_value primary(struct lexer *lx, const struct subject *s)
{
	if (is(lx, "(")) {
		enum req_value v;
		if (++lx->depth > 32)
			return unknown_clause(lx);
		next(lx);
		v = req_or(lx, s);
		lx->depth--;
		if (is(lx, ")"))
			next(lx);
		return v;
	}
	if (is(lx, "!")) {
		enum req_value v;
		if (++lx->depth > 32)
			return unknown_clause(lx);
		next(lx);
		v = primary(lx, s);
		lx->depth--;
		return v == REQ_UNKNOWN ? v : truth(v == REQ_FALSE);
	}
	if (is(lx, "identifier")) {
		bool eq;
		next(lx);
		if (is(lx, "="))
			next(lx);
		eq = s->ident && strcmp(s->ident, lx->tok) == 0;
		next(lx);
		return truth(eq);
	}
	if (is(lx, "anchor")) {
		next(lx);
		if (is(lx, "apple")) {
			next(lx);
			if (is(lx, "generic")) {
				/* Rooted in Apple's CA: a trusted chain under the Apple
				 * profile. Code with a signer whose chain is not
				 * trusted here is unknown, not false: its own verdict
				 * says untrusted, and trust is the context's (a scan
				 * without Apple's roots must not call every nested
				 * framework invalid). No signer at all is false. */
				const char *prof = s->sig ? st_signature_trust_profile(s->sig) : NULL;
				next(lx);
				if (!s->sig || !st_signature_signer(s->sig))
					return REQ_FALSE;
				return st_signature_trusted(s->sig) && prof && strcmp(prof, "apple") == 0
					       ? REQ_TRUE : REQ_UNKNOWN;
			}
			/* Apple's own code: the platform signer class. */
			const st_property *t = s->sig ? st_signature_property_find(s->sig, "macho.signer_type") : NULL;
			return truth(t && st_property_string(t) &&
				     strcmp(st_property_string(t), "apple_platform") == 0);
		}
		return unknown_clause(lx);
	}
	if (is(lx, "cdhash")) {
		bool eq;
		next(lx);
		eq = s->cdhash && strlen(lx->tok) >= 40 && strncasecmp(s->cdhash, lx->tok, 40) == 0;
		next(lx);
		/* The code may have other CodeDirectories (other hashes) than
		 * the one whose cdhash sigtrace reports. */
		return eq ? REQ_TRUE : REQ_UNKNOWN;
	}
	if (is(lx, "certificate") || is(lx, "cert"))
		return certificate(lx, s);
	return unknown_clause(lx);
}

static enum req_value req_and(struct lexer *lx, const struct subject *s)
{
	enum req_value v = primary(lx, s);

	while (is(lx, "and")) {
		enum req_value r;
		next(lx);
		r = primary(lx, s);
		if (v == REQ_FALSE || r == REQ_FALSE)
			v = REQ_FALSE;
		else if (v == REQ_UNKNOWN || r == REQ_UNKNOWN)
			v = REQ_UNKNOWN;
	}
	return v;
}

static enum req_value req_or(struct lexer *lx, const struct subject *s)
{
	enum req_value v = req_and(lx, s);

	while (is(lx, "or")) {
		enum req_value r;
		next(lx);
		r = req_and(lx, s);
		if (v == REQ_TRUE || r == REQ_TRUE)
			v = REQ_TRUE;
		else if (v == REQ_UNKNOWN || r == REQ_UNKNOWN)
			v = REQ_UNKNOWN;
	}
	return v;
}

enum req_value bundle_requirement_eval(const char *req, const st_signature *sig,
				       const char *ident, const char *team, const char *cdhash)
{
	struct lexer lx = { .p = req };
	struct subject s = { sig, ident, team, cdhash };
	enum req_value v;

	next(&lx);
	if (is(&lx, "designated")) {   /* "designated => ..." */
		next(&lx);
		if (is(&lx, "="))
			next(&lx);
		if (is(&lx, ">"))
			next(&lx);
	}
	v = req_or(&lx, &s);
	/* Text left over: a form this reader does not know. */
	return lx.tok[0] ? REQ_UNKNOWN : v;
}

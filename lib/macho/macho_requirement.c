/*
 * The designated requirement of a code signature, from its binary form to
 * the text codesign prints (`codesign -d -r-`): the requirements blob
 * (magic 0xfade0c01, special slot 2) indexes requirement blobs by type;
 * type 3 is the designated one (magic 0xfade0c00, kind 1 = an expression),
 * an expression in prefix form of Apple's requirement opcodes (opIdent,
 * opAppleAnchor, opAnd, opCertField, ... with big-endian words, data as a
 * length and bytes padded to 4). The text is reported
 * (`macho.designated_requirement`) and a bundle's main executable is held
 * to it (lib/bundle). Written by hand: no Debian library reads Apple's
 * requirement language. An opcode this reader does not know leaves no
 * text rather than a wrong one.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/reader.h"
#include "macho/macho.h"

enum {
	OP_FALSE, OP_TRUE, OP_IDENT, OP_APPLE_ANCHOR, OP_ANCHOR_HASH, OP_INFO_KEY_VALUE, OP_AND, OP_OR,
	OP_CDHASH, OP_NOT, OP_INFO_KEY_FIELD, OP_CERT_FIELD, OP_TRUSTED_CERT, OP_TRUSTED_CERTS,
	OP_CERT_GENERIC, OP_APPLE_GENERIC_ANCHOR, OP_ENTITLEMENT_FIELD, OP_CERT_POLICY, OP_NAMED_ANCHOR,
	OP_NAMED_CODE, OP_PLATFORM, OP_NOTARIZED,
};
#define OP_FLAG_MASK 0xff000000u

enum {
	MATCH_EXISTS, MATCH_EQUAL, MATCH_CONTAINS, MATCH_BEGINS_WITH, MATCH_ENDS_WITH, MATCH_LESS_THAN,
	MATCH_GREATER_THAN, MATCH_LESS_EQUAL, MATCH_GREATER_EQUAL,
};

#define REQUIREMENTS_MAGIC 0xfade0c01u
#define REQUIREMENT_MAGIC 0xfade0c00u
#define DESIGNATED 3u
#define MAX_DEPTH 32

struct rd {
	const uint8_t *p, *end;
	char *out;
	size_t len, cap;
	bool bad;
};

static bool word(struct rd *r, uint32_t *v)
{
	if (r->bad || !st_read_u32be(st_span_make(r->p, (size_t)(r->end - r->p)), 0, v)) {
		r->bad = true;
		return false;
	}
	r->p += 4;
	return true;
}

/* A length-prefixed datum, padded to 4. */
static bool datum(struct rd *r, const uint8_t **d, uint32_t *n)
{
	uint32_t pad;

	if (!word(r, n) || *n > (uint32_t)(r->end - r->p)) {
		r->bad = true;
		return false;
	}
	*d = r->p;
	pad = (4 - (*n % 4)) % 4;
	if (*n + pad > (uint32_t)(r->end - r->p)) {
		r->bad = true;
		return false;
	}
	r->p += *n + pad;
	return true;
}

/* Appends n bytes of s (the whole string when n is SIZE_MAX). */
static void putn(struct rd *r, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		n = strlen(s);
	if (r->bad || n >= r->cap - r->len) {
		r->bad = true;
		return;
	}
	memcpy(r->out + r->len, s, n);
	r->len += n;
	r->out[r->len] = '\0';
}

static void put(struct rd *r, const char *s)
{
	putn(r, s, SIZE_MAX);
}

/* A string datum as a quoted string; one with a quote, a backslash or a
 * control character is refused (no text rather than a wrong one). */
static void quoted(struct rd *r, const uint8_t *d, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (d[i] < 0x20 || d[i] == '"' || d[i] == '\\' || d[i] >= 0x7f)
			r->bad = true;
	put(r, "\"");
	putn(r, (const char *)d, n);
	put(r, "\"");
}

static void hex(struct rd *r, const uint8_t *d, uint32_t n)
{
	put(r, "H\"");
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		char b[3];
		snprintf(b, sizeof(b), "%02x", d[i]);
		put(r, b);
	}
	put(r, "\"");
}

/* A DER OID's content as dotted decimal. */
static void oid(struct rd *r, const uint8_t *d, uint32_t n)
{
	unsigned long long v = 0;
	bool first = true;

	if (!n)
		r->bad = true;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		char b[48];
		if (v > (1ULL << 56)) {
			r->bad = true;
			return;
		}
		v = v << 7 | (d[i] & 0x7f);
		if (d[i] & 0x80)
			continue;
		if (first) {
			unsigned long long a = v < 40 ? 0 : v < 80 ? 1 : 2;
			snprintf(b, sizeof(b), "%llu.%llu", a, v - a * 40);
			first = false;
		} else {
			snprintf(b, sizeof(b), ".%llu", v);
		}
		put(r, b);
		v = 0;
	}
}

static void slot(struct rd *r, int32_t s)
{
	char b[16];

	if (s == 0)
		put(r, "leaf");
	else if (s == -1)
		put(r, "root");
	else {
		snprintf(b, sizeof(b), "%d", s);
		put(r, b);
	}
}

static void match(struct rd *r)
{
	uint32_t op, n;
	const uint8_t *d;

	if (!word(r, &op))
		return;
	if (op == MATCH_EXISTS) {
		put(r, " /* exists */");
		return;
	}
	if (!datum(r, &d, &n))
		return;
	switch (op) {
	case MATCH_EQUAL: put(r, " = "); break;
	case MATCH_CONTAINS: put(r, " ~ "); break;
	case MATCH_LESS_THAN: put(r, " < "); break;
	case MATCH_GREATER_THAN: put(r, " > "); break;
	case MATCH_LESS_EQUAL: put(r, " <= "); break;
	case MATCH_GREATER_EQUAL: put(r, " >= "); break;
	case MATCH_BEGINS_WITH:
	case MATCH_ENDS_WITH:
		/* "= "x*"", "= "*x"": patterns the evaluator does not read;
		 * still the text codesign prints. */
		put(r, " = ");
		break;
	default:
		r->bad = true;
		return;
	}
	if (op == MATCH_BEGINS_WITH || op == MATCH_ENDS_WITH) {
		for (uint32_t i = 0; i < n; i++)
			if (d[i] < 0x20 || d[i] == '"' || d[i] == '\\' || d[i] >= 0x7f)
				r->bad = true;
		put(r, op == MATCH_BEGINS_WITH ? "\"" : "\"*");
		putn(r, (const char *)d, n);
		put(r, op == MATCH_BEGINS_WITH ? "*\"" : "\"");
		return;
	}
	quoted(r, d, n);
}

static void expr(struct rd *r, int depth)
{
	uint32_t op, n;
	const uint8_t *d, *k;
	uint32_t kn;

	if (depth > MAX_DEPTH) {
		r->bad = true;
		return;
	}
	if (!word(r, &op))
		return;
	switch (op & ~OP_FLAG_MASK) {
	case OP_FALSE: put(r, "never"); break;
	case OP_TRUE: put(r, "always"); break;
	case OP_IDENT:
		if (datum(r, &d, &n)) {
			put(r, "identifier ");
			quoted(r, d, n);
		}
		break;
	case OP_APPLE_ANCHOR: put(r, "anchor apple"); break;
	case OP_APPLE_GENERIC_ANCHOR: put(r, "anchor apple generic"); break;
	case OP_ANCHOR_HASH: {
		uint32_t s;
		if (word(r, &s) && datum(r, &d, &n)) {
			put(r, "certificate ");
			slot(r, (int32_t)s);
			put(r, " = ");
			hex(r, d, n);
		}
		break;
	}
	case OP_AND:
	case OP_OR:
		put(r, "(");
		expr(r, depth + 1);
		put(r, (op & ~OP_FLAG_MASK) == OP_AND ? ") and (" : ") or (");
		expr(r, depth + 1);
		put(r, ")");
		break;
	case OP_NOT:
		put(r, "! (");
		expr(r, depth + 1);
		put(r, ")");
		break;
	case OP_CDHASH:
		if (datum(r, &d, &n)) {
			put(r, "cdhash ");
			hex(r, d, n);
		}
		break;
	case OP_INFO_KEY_FIELD:
	case OP_ENTITLEMENT_FIELD:
		if (datum(r, &k, &kn)) {
			put(r, (op & ~OP_FLAG_MASK) == OP_INFO_KEY_FIELD ? "info [" : "entitlement [");
			for (uint32_t i = 0; i < kn; i++)
				if (k[i] < 0x21 || k[i] == ']' || k[i] >= 0x7f)
					r->bad = true;
			putn(r, (const char *)k, kn);
			put(r, "]");
			match(r);
		}
		break;
	case OP_CERT_FIELD:
	case OP_CERT_GENERIC:
	case OP_CERT_POLICY: {
		uint32_t s;
		if (word(r, &s) && datum(r, &k, &kn)) {
			put(r, "certificate ");
			slot(r, (int32_t)s);
			if ((op & ~OP_FLAG_MASK) == OP_CERT_FIELD) {
				for (uint32_t i = 0; i < kn; i++)
					if (k[i] < 0x21 || k[i] == ']' || k[i] >= 0x7f)
						r->bad = true;
				put(r, "[");
				putn(r, (const char *)k, kn);
				put(r, "]");
			} else {
				put(r, (op & ~OP_FLAG_MASK) == OP_CERT_GENERIC ? "[field." : "[policy.");
				oid(r, k, kn);
				put(r, "]");
			}
			match(r);
		}
		break;
	}
	case OP_TRUSTED_CERTS: put(r, "anchor trusted"); break;
	case OP_NOTARIZED: put(r, "notarized"); break;
	default:
		/* opInfoKeyValue (legacy), opTrustedCert, named anchors and
		 * code, platform, newer opcodes: no text. */
		r->bad = true;
	}
}

bool macho_designated_requirement(const struct cs_superblob *sb, char *out, size_t cap)
{
	const struct cs_blob *b = cs_superblob_find(sb, 2);
	uint32_t magic, len, count;
	st_span set;

	if (cap)
		out[0] = '\0';
	if (!b || cap < 2 || !st_read_u32be(b->data, 0, &magic) || !st_read_u32be(b->data, 4, &len) ||
	    !st_read_u32be(b->data, 8, &count) || magic != REQUIREMENTS_MAGIC || len < 12 ||
	    !st_span_sub(b->data, 0, len, &set) || count > (len - 12) / 8)
		return false;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t type, off, rmagic, rlen, kind;
		st_span req;
		struct rd r;
		if (!st_read_u32be(set, 12 + 8 * (uint64_t)i, &type) || !st_read_u32be(set, 16 + 8 * (uint64_t)i, &off))
			return false;
		if (type != DESIGNATED)
			continue;
		if (!st_read_u32be(set, off, &rmagic) || !st_read_u32be(set, (uint64_t)off + 4, &rlen) ||
		    !st_read_u32be(set, (uint64_t)off + 8, &kind) || rmagic != REQUIREMENT_MAGIC || rlen < 12 ||
		    kind != 1 || !st_span_sub(set, off, rlen, &req))
			return false;
		r = (struct rd){ req.data + 12, req.data + req.len, out, 0, cap, false };
		expr(&r, 0);
		if (r.bad || r.p != r.end) {
			out[0] = '\0';
			return false;
		}
		return true;
	}
	return false;
}

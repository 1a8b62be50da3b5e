/*
 * Internal layout of results: parts, signatures, reasons, properties and
 * certificates (the public view is in sigtrace.h).
 */
#ifndef ST_RESULT_H
#define ST_RESULT_H

#include "sigtrace.h"
#include "core/reader.h"

#include <stdbool.h>

/* The reason for a positive parser return: limit_exceeded for
 * ST_PARSE_LIMIT, else the caller's malformed_* code. */
static inline st_reason st_parse_reason(int rc, st_reason malformed)
{
	return rc == ST_PARSE_LIMIT ? ST_R_LIMIT_EXCEEDED : malformed;
}

/* ---- reasons ------------------------------------------------------------- */

typedef struct {
	st_reason code;
	st_verdict effect;  /* least verdict this occurrence implies */
	char *detail;
} st_reason_item;

typedef struct {
	st_reason_item *v;
	size_t n, cap;
} st_reasons;

/* Appends a reason (deduplicated by code: a second occurrence keeps the
 * first detail and raises the effect if needed). Returns ST_OK/ST_ENOMEM. */
int st_reasons_add(st_reasons *rs, st_reason code, st_verdict effect,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define ST_EFFECT_DEFAULT ((st_verdict)-1)

/*
 * The one way library code records a finding about the content: adds the
 * reason to `rs` and, if memory runs out, jumps to the function's `enomem`
 * label (which returns ST_ENOMEM after its cleanup).
 */
#define ST_ADD(rs, code, effect, ...)                                   \
	do {                                                            \
		if (st_reasons_add((rs), (code), (effect), __VA_ARGS__)) \
			goto enomem;                                    \
	} while (0)

void st_reasons_clear(st_reasons *rs);
bool st_reasons_has(const st_reasons *rs, st_reason code);
/* Appends every reason of src to dst (deduplicated). */
int st_reasons_merge(st_reasons *dst, const st_reasons *src);
/* Worst effect among the reasons (ST_VERDICT_VALID if none). */
st_verdict st_reasons_worst(const st_reasons *rs);
/* Severity-ordered maximum of two verdicts in VALID..MALFORMED. */
st_verdict st_verdict_max(st_verdict a, st_verdict b);
/* The ECS code_signature.status for a verdict reached with these reasons
 * (NULL for unsigned and non-executable). */
const char *st_reasons_ecs_status(const st_reasons *rs, st_verdict v);

/* ---- properties ---------------------------------------------------------- */

struct st_property {
	const st_property_decl *decl;
	char *s;          /* ST_PROPERTY_STRING */
	int64_t i;        /* the other types */
};

typedef struct {
	struct st_property *v;
	size_t n, cap;
} st_props;

/* Sets (or replaces) the property of declaration d. ST_OK/ST_ENOMEM. */
int st_props_set_str(st_props *p, const st_property_decl *d, const char *value);
int st_props_set_int(st_props *p, const st_property_decl *d, int64_t value);
const struct st_property *st_props_find(const st_props *p, const char *key);
void st_props_clear(st_props *p);

/* ---- certificates -------------------------------------------------------- */

/* Rendered once per certificate per context and shared by every result
 * that names it (reference-counted, immutable once shared). */
struct st_cert {
	int refs;
	char *subject, *issuer, *subject_cn, *issuer_cn, *serial;
	int64_t not_before, not_after;
	char sha1[41], sha256[65];
	char key_sha256[65];   /* SHA-256 of the public key (SubjectPublicKeyInfo bit string) */
	char *key_alg, *sig_alg;
	int key_bits;
	int trust_anchor;
	char *ekus, *policies, *critical_extensions;  /* dotted OIDs, comma-separated */
	int is_ca;
};

st_cert *st_cert_ref(st_cert *c);
void st_cert_unref(st_cert *c);

/* ---- signatures ---------------------------------------------------------- */

struct st_signature {
	st_verdict verdict;
	int depth, parent;           /* parent: index in the part, -1 for primaries */
	const char *digest_alg;      /* static string */
	char *signed_digest, *computed_digest;
	int64_t signing_time;
	char *program_name;
	const char *page_hash_alg;   /* static string */
	int trusted;
	int64_t verification_time;
	const char *profile;         /* static: the trust profile that judged it */
	st_reasons reasons;
	st_cert *signer;             /* references */
	st_cert **chain;
	size_t chain_len;
	const char *ts_kind;         /* static string */
	int64_t ts_time;
	int ts_valid;
	st_cert *ts_signer;
	const char *ts_digest_alg;   /* static string */
	st_props props;
	/* Where the signature is: NULL inside the file itself ("embedded"),
	 * "catalog" for a security catalog that lists the file. Static. */
	const char *source;
};

/* Copies src into the zeroed dst (strings duplicated, certificates
 * referenced). ST_OK or ST_ENOMEM (dst is then cleared). */
int st_signature_copy(st_signature *dst, const st_signature *src);

/* ---- parts --------------------------------------------------------------- */

/* How a part's verdict follows from its signatures and its constituent
 * children (docs/reasons.md). */
enum st_policy {
	/* PE: every signature is verified; one broken signature makes the
	 * part fail with it, otherwise one valid signature suffices. */
	ST_POLICY_ANY_VALID,
	/* Mach-O: every signature and every signed constituent must hold;
	 * the part gets the worst. */
	ST_POLICY_ALL_HOLD,
};

struct st_format;

struct st_part {
	struct st_part *parent;
	const char *kind;            /* static string */
	char *name, *path;           /* NULL / "" for the root */
	bool constituent;
	bool has_range;
	uint64_t offset, size;
	const struct st_format *fmt;
	const char *format, *subformat, *arch;   /* static strings */
	st_verdict verdict;
	enum st_policy policy;
	bool signed_structure;       /* some signature structure exists */
	bool hashed;
	char sha256[65];
	bool legacy_hashed;    /* SHA-1 and MD5 too (st_context_set_legacy_hashes) */
	char sha1[41], md5[33];
	st_reasons reasons;          /* the part's own */
	st_reasons all_reasons;      /* own, signatures', constituent children's */
	st_signature *sigs;
	size_t nsigs, sigcap;
	struct st_part **children;
	size_t nchildren, childcap;
	st_props props;
};

struct st_result {
	struct st_part root;
};

/* A new result whose root part is a file of `size` bytes; NULL on ENOMEM. */
st_result *st_result_new(uint64_t size);

/* Adds a zeroed signature to the part; returns its index, -1 on ENOMEM.
 * part->sigs may move: hold indices, not pointers, across this call. */
int st_part_add_signature(struct st_part *p);
/* Adds an empty child part (kind, name copied; path derived); NULL on
 * ENOMEM. */
struct st_part *st_part_add_child(struct st_part *p, const char *kind, const char *name,
				  bool constituent);
/* Computes the verdicts of the part's signatures, its merged reasons and
 * its verdict from its reasons, signatures and finished constituent
 * children, under its policy. */
void st_part_finish(struct st_part *p);
void st_part_clear(struct st_part *p);

/* Lower-case hex of bytes; NULL on ENOMEM. */
char *st_hex(const uint8_t *p, size_t n);
void st_hex_into(char *dst, const uint8_t *p, size_t n);
char *st_strdup(const char *s);

#endif

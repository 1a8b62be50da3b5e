/* Internal layout of results, signatures and certificates. */
#ifndef ST_RESULT_H
#define ST_RESULT_H

#include "sigtrace.h"

#include <stdbool.h>
#include <openssl/x509.h>

/* Positive returns of internal parsers, apart from the negative ST_E*
 * errors: the input is malformed, or exceeds a documented limit (a reason
 * says which; the caller adds it). */
#define ST_PARSE_MALFORMED 1
#define ST_PARSE_LIMIT 2

/* The reason for a positive parser return: limit_exceeded for
 * ST_PARSE_LIMIT, else the caller's malformed_* code. */
static inline st_reason st_parse_reason(int rc, st_reason malformed)
{
	return rc == ST_PARSE_LIMIT ? ST_R_LIMIT_EXCEEDED : malformed;
}

typedef struct {
	st_reason code;
	st_verdict effect;  /* least verdict this occurrence implies */
	char *detail;
} st_reason_item;

typedef struct {
	st_reason_item *v;
	size_t n, cap;
} st_reasons;

/* The ECS code_signature.status for a verdict reached with these reasons
 * (NULL for unsigned and non-executable). */
const char *st_reasons_ecs_status(const st_reasons *rs, st_verdict v);

/* Appends a reason (deduplicated by code: a second occurrence keeps the
 * first detail and raises the effect if needed). Returns ST_OK/ST_ENOMEM. */
int st_reasons_add(st_reasons *rs, st_reason code, st_verdict effect,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define ST_EFFECT_DEFAULT ((st_verdict)-1)
void st_reasons_clear(st_reasons *rs);
bool st_reasons_has(const st_reasons *rs, st_reason code);
/* Worst effect among the reasons (ST_VERDICT_VALID if none). */
st_verdict st_reasons_worst(const st_reasons *rs);
/* Severity-ordered maximum of two verdicts in VALID..MALFORMED. */
st_verdict st_verdict_max(st_verdict a, st_verdict b);

struct st_cert {
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

/* Fills c from x (copies everything). */
int st_cert_fill(st_cert *c, X509 *x, int is_anchor);
void st_cert_clear(st_cert *c);

struct st_signature {
	st_verdict verdict;
	int table_entry, depth, parent;
	const char *digest_alg;      /* static string */
	char *signed_digest, *computed_digest;
	int64_t signing_time;
	char *program_name;
	const char *page_hash_alg;   /* static string */
	int trusted;
	int64_t verification_time;
	st_reasons reasons;
	bool has_signer;
	st_cert signer;
	st_cert *chain;
	size_t chain_len;
	const char *ts_kind;         /* static string */
	int64_t ts_time;
	int ts_valid;
	bool has_ts_signer;
	st_cert ts_signer;
	const char *ts_digest_alg;   /* static string */
	/* Apple code signatures. */
	int slice;                   /* -1 for other formats */
	char *signing_id, *team_id;
	char cdhash[41];             /* "" when unknown */
	uint32_t cd_flags;
	const char *signer_type;     /* static string */
};

/* One Mach-O architecture slice. */
struct st_slice {
	const char *arch;            /* static string */
	uint64_t offset, size;
	st_verdict verdict;
	int sig;                     /* signature index or -1 */
};

#define ST_VERSION_KEYS 5
extern const char *const st_version_keys[ST_VERSION_KEYS];

struct st_result {
	st_verdict verdict;
	const char *format, *subformat, *arch;   /* static strings */
	uint64_t size;
	char sha256[65];
	bool hashed;             /* sha256 computed (not for rejected non-executables) */
	char *version[ST_VERSION_KEYS];
	st_reasons reasons;      /* file-level */
	st_reasons all_reasons;  /* file-level plus every signature's, merged */
	st_signature *sigs;
	size_t nsigs, sigcap;
	struct st_slice *slices;
	size_t nslices;
	/* Verdict policy: false (PE) -- one valid signature makes the file
	 * valid unless another is broken; true (Mach-O slices) -- every
	 * signature must hold, the file gets the worst. */
	bool all_must_hold;
};

/* Adds a zeroed signature; returns its index or -1 on ENOMEM. */
int st_result_add_signature(st_result *res);
/* Computes signature verdicts, the merged reason list and the file
 * verdict; `signed_file` says whether any signature structure exists. */
void st_result_finish(st_result *res, bool signed_file);

/* Lower-case hex of bytes; NULL on ENOMEM. */
char *st_hex(const uint8_t *p, size_t n);
void st_hex_into(char *dst, const uint8_t *p, size_t n);
char *st_strdup(const char *s);

#endif

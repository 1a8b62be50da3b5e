/*
 * What a context trusts and distrusts: trust anchors with the platforms'
 * semantics, CRLs given by the user, the shipped deny-list of abused
 * certificates, and the UEFI dbx list.
 *
 * Anchors belong to trust *profiles*: what Windows trusts (Microsoft's
 * Trusted Root Program, with its per-root attributes), what macOS trusts
 * for code (Apple's roots), what UEFI firmware trusts (the db
 * certificates, intermediates included). Anchors the user adds serve every
 * profile, for every use.
 */
#ifndef ST_TRUST_H
#define ST_TRUST_H

#include <openssl/x509.h>
#include <pthread.h>
#include <stdbool.h>

#include "core/context.h"
#include "x509/publishers.h"

enum st_profile {
	ST_PROFILE_WINDOWS = 0,
	ST_PROFILE_APPLE,
	ST_PROFILE_UEFI,
	ST_PROFILE__COUNT
};
#define ST_PROFILES_ALL 7u
#define ST_PROFILE_BIT(p) (1u << (p))

/* Uses of a root in Microsoft's program that sigtrace checks. */
#define ST_EKU_CODE_SIGNING 1u
#define ST_EKU_TIME_STAMPING 2u

struct st_deny_entry {
	char issuer[128], serial[80], sha1[41], source[256];
};

/* A certificate of a host's own stores (registry hives: host/). */
struct st_host_cert {
	char store[40];           /* "Root", "AuthRoot", "CA", "Disallowed", "TrustedPublisher",
				   * with "Policy/" for Group Policy stores */
	char *origin;             /* the hive */
	X509 *x;
	char sha1[41];
	bool root;                /* Root or AuthRoot: the host trusts it as a root */
	bool in_program;          /* Microsoft's program (the list in force) lists it */
	st_cert *rendered;        /* for st_context_host_cert(), made when asked */
};

struct st_dbx_entry {
	uint8_t hash[32];     /* Authenticode SHA-256 (image) or SHA-1 (certificate) */
	bool certificate;
	char *text;           /* name, date and description, for details */
};

/*
 * One trust anchor. Program attributes (Microsoft's granular deprecation)
 * apply to roots of the program only: `ekus` is the uses the program
 * trusts the root for (all when `any_eku`); from `disallowed` on the root
 * is distrusted (for `disallowed_ekus`, or every use when 0) except for
 * signatures a valid timestamp proves older; certificates it issued after
 * `not_before` (for `not_before_ekus`, or every use) are distrusted.
 */
struct st_anchor {
	/* Built-in anchors are kept as their DER (embedded) and decoded when a
	 * chain first needs them: decoding the 500 program roots up front
	 * (OpenSSL decodes every public key) was most of a run's start-up. */
	X509 *x;                      /* NULL until decoded (st_trust_anchor_x) */
	const uint8_t *der;           /* borrowed, or NULL for anchors given decoded */
	size_t derlen;
	X509_NAME *subject;           /* for lookups by name before decoding */
	unsigned in_store;            /* profiles whose store holds x */
	struct st_trust *trust;       /* the store it belongs to */
	uint8_t sha1[20], sha256[32];
	unsigned profiles;            /* ST_PROFILE_BIT()s */
	const char *source;           /* static: "microsoft-program", "apple", "uefi-db", "user", "system" */
	char *origin;                 /* the file it came from */
	char *name;                   /* friendly name, else the subject's common name */
	bool program;
	bool any_eku;
	unsigned ekus;
	char *eku_text;               /* the uses as the program lists them */
	int64_t disallowed;           /* ST_TIME_NONE if never */
	unsigned disallowed_ekus;
	char *disallowed_text;
	int64_t not_before;           /* ST_TIME_NONE if none */
	unsigned not_before_ekus;
	char *not_before_text;
	/* For listings (st_context_anchor), made on first use. */
	st_cert *rendered;
	char profiles_text[32];
};

/* A root list (CTL) entry, kept for roots the list names. */
struct st_program_entry {
	uint8_t sha1[20];
	char *name;
	bool any_eku;
	unsigned ekus, disallowed_ekus, not_before_ekus;
	char *eku_text, *disallowed_text, *not_before_text;
	int64_t disallowed, not_before;
	bool have_cert;
};

struct st_trust {
	/* Anchors in the order added; lookups through `by_sha256` (sorted
	 * indices), built with the stores by st_trust_prepare(). */
	struct st_anchor *anchors;
	size_t nanchors, cap;
	size_t *by_sha256;
	X509_STORE *stores[ST_PROFILE__COUNT];
	bool prepared;
	pthread_mutex_t lock;
	pthread_mutex_t x_lock;       /* decoding anchors, filling the stores */
	struct st_lookup_data { struct st_trust *trust; int profile; } lookups[ST_PROFILE__COUNT];
	/* The Microsoft root list in force (the built-in one or a newer one
	 * given with --trust), and what it says of each root. */
	struct st_program_entry *program;
	size_t nprogram;
	int64_t program_time;         /* its thisUpdate */
	char program_name[160];
	STACK_OF(X509) *ctl_signers;  /* roots a root list's chain may end at */
	STACK_OF(X509_CRL) *crls;     /* --crl */
	struct st_deny_entry *deny;
	size_t ndeny;
	struct st_host_cert *host;    /* --host-trust */
	size_t nhost;
	struct st_dbx_entry *dbx;     /* sorted by hash */
	size_t ndbx;
	char *snapshot;               /* what the built-in store holds */
	char error[512];              /* why the last path was rejected */
	struct st_publishers publishers;  /* data/publishers.tsv */
	bool default_loaded;
};

struct st_trust *st_trust_new(void);
void st_trust_free(struct st_trust *t);

/*
 * Loads what a path holds: certificates (PEM, DER, PKCS#7 bundle, a
 * Windows serialized store .sst) as anchors for every profile, or a
 * Microsoft root list (.stl, its signature verified first) whose
 * attributes then apply to the program's roots. A directory: every file in
 * it. Returns the number of certificates or lists found (already present
 * ones included), 0 when nothing could be parsed, -1 when the path cannot
 * be read; why says what was wrong with a rejected root list.
 */
int st_trust_add_path(struct st_trust *t, const char *path, char *why, size_t whylen);
/* The same for the bytes of one file (d[len] must be 0); origin names it. */
int st_trust_add_bytes(struct st_trust *t, const uint8_t *d, size_t len, const char *origin,
		       char *why, size_t whylen);
/* A Microsoft root list only (its signature verified; taken when newer
 * than the one in force): 1 taken, 0 rejected (why says why), ST_ENOMEM. */
int st_trust_add_root_list(struct st_trust *t, const uint8_t *d, size_t len, const char *origin,
			   char *why, size_t whylen);
/* The built-in store (data/trust/): the program's roots under its root
 * list, Apple's roots, the UEFI db and dbx. ST_OK or ST_ENOMEM/ST_ETRUST. */
int st_trust_add_default(struct st_trust *t);
/* Loads CRLs (PEM, several per file, or DER) from a file or directory.
 * Returns the number loaded, or -1. */
int st_trust_add_crls(struct st_trust *t, const char *path);

/* Builds the per-profile stores and the lookup index; called before the
 * first verification (idempotent, thread-safe). ST_OK or ST_ENOMEM. */
int st_trust_prepare(struct st_trust *t);
/* The anchor's certificate, decoded on first use; NULL if it cannot be. */
X509 *st_trust_anchor_x(struct st_trust *t, struct st_anchor *a);

/* The anchor that is x, or NULL. */
const struct st_anchor *st_trust_anchor_of(const struct st_trust *t, const X509 *x);
/* Whether x is an anchor of the context (of any profile). */
bool st_context_is_anchor(const st_context *ctx, const X509 *x);

/*
 * Adds a certificate of a host's store (store as in st_host_cert, origin
 * the hive): Disallowed ones join the deny-list (a chain through one is
 * revoked, as on that host); Root and AuthRoot ones are remembered so a
 * chain that ends at one outside Microsoft's program is named
 * (st_trust_host_root). Returns 1 added, 0 not a certificate (or already
 * there), ST_ENOMEM.
 */
int st_trust_add_host_cert(struct st_trust *t, const char *store, const uint8_t *der, size_t len,
			   const char *origin);
/* The host root (Root or AuthRoot, outside Microsoft's program) that top is
 * or that issued top (by name and signature), or NULL. */
const struct st_host_cert *st_trust_host_root(const struct st_trust *t, X509 *top);

/* The deny-list entry for x (SHA-1 thumbprint, or issuer name and serial),
 * as its source text; false if x is not on it. */
bool st_trust_denied(const struct st_trust *t, X509 *x, char *source, size_t len);

/* Adds the UEFI dbx contents a file holds (dbx.h): returns the number of
 * entries, 0 with why filled when there are none, -1 when it cannot be
 * read, ST_ENOMEM. */
int st_trust_add_dbx_file(struct st_trust *t, const char *path, char *why, size_t whylen);

/* Text helpers for the shipped lists: fn(line, arg) for each line that is
 * not a comment (lines of 1024 bytes or more are skipped); the
 * tab-separated fields of a line, split in place; hex into n bytes. */
int st_trust_each_line(const char *text, int (*fn)(char *line, void *arg), void *arg);
size_t st_trust_fields(char *line, char **f, size_t max);
bool st_trust_unhex(const char *s, uint8_t *out, size_t n);

#endif

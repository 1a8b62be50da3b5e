/*
 * sigtrace: verification of code signatures (Windows Authenticode, Apple code
 * signing) for hunting ATT&CK T1036.001 "Invalid Code Signature".
 *
 * Public API. Conventions (see docs/conventions.md):
 *  - Handles are opaque; functions that can fail return an int error code
 *    (ST_OK or a negative ST_E* value) and hand results out through
 *    out-parameters.
 *  - A verdict is data, not an error: a tampered or malformed file yields
 *    ST_OK and a result whose verdict says what is wrong.
 *  - The library never prints and never touches the network.
 *  - Strings returned by accessors are owned by the object they came from
 *    and live as long as it does. Absent values are NULL (strings) or
 *    ST_TIME_NONE (times).
 */
#ifndef SIGTRACE_H
#define SIGTRACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes returned by API functions. */
enum {
	ST_OK = 0,
	ST_ENOMEM = -1,   /* allocation failed */
	ST_EIO = -2,      /* the input could not be read; errno is set */
	ST_EINVAL = -3,   /* invalid argument */
	ST_ETRUST = -4,   /* a trust anchor file could not be loaded */
	ST_ETOOBIG = -5   /* the input exceeds the configured size limit */
};

/* Returns a static English description of an error code. */
const char *st_strerror(int err);

/* The verdict for a file or for one signature. Ordered by severity for
 * ST_VERDICT_VALID..ST_VERDICT_MALFORMED. */
typedef enum {
	ST_VERDICT_VALID = 0,      /* intact, correctly signed, chain trusted */
	ST_VERDICT_UNTRUSTED,      /* intact and correctly signed, untrusted chain */
	ST_VERDICT_INVALID,        /* integrity, signature, validity or usage failure */
	ST_VERDICT_MALFORMED,      /* signature structures unparsable or inconsistent */
	ST_VERDICT_UNSIGNED,       /* a supported format carrying no signature */
	ST_VERDICT_NOT_EXECUTABLE  /* not a format sigtrace verifies */
} st_verdict;

const char *st_verdict_name(st_verdict v);

/* Reason codes, declared once in sigtrace_reasons.h (name, default
 * effect, ECS status, summary); each is documented in docs/reasons.md. */
typedef enum {
#define ST_REASON(id, name, effect, ecs_status, ecs_rank, summary) ST_R_##id,
#include "sigtrace_reasons.h"
#undef ST_REASON
	ST_R__COUNT
} st_reason;

/* Stable snake_case name ("digest_mismatch"); "unknown" out of range. */
const char *st_reason_name(st_reason r);
/* The reason with that name, or ST_R__COUNT. */
st_reason st_reason_by_name(const char *name);
/* The least verdict the reason implies by default. An occurrence may carry
 * another effect (a SHA-1 weak_digest is a warning, an MD5 one invalid):
 * see st_result_reason_effect(). */
st_verdict st_reason_effect(st_reason r);
/* The Elastic code_signature.status value the reason stands for
 * ("errorBadDigest", ...) and a one-line summary of its meaning. */
const char *st_reason_ecs_status(st_reason r);
const char *st_reason_summary(st_reason r);

/* Time values are seconds since the Unix epoch, UTC. */
#define ST_TIME_NONE INT64_MIN

/* ---- Context: trust anchors and verification options ------------------ */

typedef struct st_context st_context;
typedef struct st_cert st_cert;

/* A context trusts nothing until trust is added (st_context_add_default_trust
 * gives what the platforms trust). Configure a context before verifying with
 * it; verification is thread-safe, configuration is not. */
int st_context_new(st_context **out);
void st_context_free(st_context *ctx);

/*
 * Adds the built-in code-signing trust store (docs/trust.md): Microsoft's
 * Trusted Root Program (its signed root list and roots, with the per-root
 * uses and deprecation dates Windows applies), Apple's roots (for Apple
 * code signatures), and the UEFI Secure Boot db certificates and dbx list
 * (for EFI images). Its snapshot: st_context_trust_snapshot().
 */
int st_context_add_default_trust(st_context *ctx);

/* Adds the system CA bundle (OpenSSL's default locations) as anchors for
 * every platform. It lists TLS roots, not code-signing roots. */
int st_context_add_system_trust(st_context *ctx);

/*
 * Adds what a path holds (a file, or every file of a directory, not
 * recursive): certificates (PEM, several per file; DER; a PKCS#7 bundle; a
 * Windows serialized store .sst) become anchors for every platform and
 * use; a Microsoft root list (authroot.stl or a newer one; content type
 * 1.3.6.1.4.1.311.10.1) signed under a Microsoft root or under a root
 * added before it replaces the built-in one when newer: its per-root
 * attributes then apply to the roots it lists. Certificates already
 * present are not an error. Returns ST_ETRUST when nothing in the path
 * could be parsed (st_context_trust_error() says why).
 */
int st_context_add_trust(st_context *ctx, const char *path);
/* Why the last st_context_add_trust() failed ("" if it did not). */
const char *st_context_trust_error(const st_context *ctx);

/*
 * Adds UEFI forbidden signatures (dbx) to those of the built-in store: EFI
 * signature lists as firmware keeps them (a machine's efivarfs variable
 * dbx-d719b2cb-3d3a-4596-a3bc-dad00e67656f, with its 4-byte attribute
 * prefix; a dbx update file, an authenticated variable; or bare lists), or
 * a list in the format of data/trust/uefi-dbx.tsv. SHA-256 image hashes and
 * X.509 certificates are matched; an EFI image listed, or signed under a
 * listed certificate, gets the reason `uefi_revoked`. ST_ETRUST when the
 * file holds none (st_context_trust_error() says why).
 */
int st_context_add_dbx(st_context *ctx, const char *path);

/* Adds certificate revocation lists (PEM or DER; a file or every file in
 * a directory). A certificate listed by a CRL whose signature verifies with
 * the certificate's issuer gets the reason `revoked`. ST_ETRUST when
 * nothing could be loaded. sigtrace never fetches CRLs itself. */
int st_context_add_crl(st_context *ctx, const char *path);

/*
 * Adds the Windows security catalogs (.cat) at path: a catalog file, or a
 * directory searched recursively (CatRoot, a driver package). A PE file
 * without a valid embedded signature is then verified through a catalog
 * that lists its Authenticode digest (SHA-256, else SHA-1) and whose own
 * signature holds: a signature of source "catalog" (st_signature_source).
 * A file listed only in catalogs that fail gets the warning
 * catalog_invalid. Files that are not catalogs are skipped; *added (may be
 * NULL) receives the number of catalogs indexed. ST_EIO when path cannot
 * be read. Add trust first: catalogs are verified with the context's trust
 * when a file they list is first met. docs/catalogs.md.
 */
int st_context_add_catalogs(st_context *ctx, const char *path, size_t *added);
/* Catalogs indexed, and the members they list. */
size_t st_context_catalog_count(const st_context *ctx);
size_t st_context_catalog_member_count(const st_context *ctx);

/*
 * Adds a Windows host's own trust from one of its registry hives: the
 * machine's SOFTWARE hive (Windows\System32\config\SOFTWARE) or a user's
 * NTUSER.DAT. Their certificate stores (Root, AuthRoot, CA, Disallowed,
 * TrustedPublisher, and the Group Policy ones) are read: a certificate of a
 * Disallowed store makes a chain through it `revoked`, as on that host; a
 * chain that ends at a Root or AuthRoot certificate the host added outside
 * Microsoft's program gets the reason host_root (what that host accepts and
 * the platform does not: ATT&CK T1553.004). The root list the host last
 * downloaded (AuthRoot\AutoUpdate\EncodedCtl) replaces the built-in one
 * when newer and validly signed. Nothing in a hive becomes a trust anchor.
 * *found (may be NULL): certificates and lists taken. ST_EIO when path is
 * not a readable hive (st_context_trust_error() says why). docs/trust.md.
 */
int st_context_add_host_trust(st_context *ctx, const char *path, size_t *found);

/* The certificates read from hosts' stores, in the order read. */
typedef struct st_host_cert st_host_cert;
size_t st_context_host_cert_count(const st_context *ctx);
const st_host_cert *st_context_host_cert(const st_context *ctx, size_t i);
/* The store ("Root", "AuthRoot", "CA", "Disallowed", "TrustedPublisher";
 * "Policy/Root", ... for Group Policy stores) and the hive it came from. */
const char *st_host_cert_store(const st_host_cert *h);
const char *st_host_cert_hive(const st_host_cert *h);
const st_cert *st_host_cert_certificate(const st_host_cert *h);
/* 1 when Microsoft's root program (the list in force) lists it. */
int st_host_cert_in_program(const st_host_cert *h);

/* Number of UEFI dbx entries in use (built in and added). */
size_t st_context_dbx_count(const st_context *ctx);
/* Number of trust anchors loaded so far. */
size_t st_context_trust_count(const st_context *ctx);
/* What the built-in store holds and when it was taken (several lines), or
 * "" when it is not loaded. */
const char *st_context_trust_snapshot(const st_context *ctx);

/* The trust anchors, in the order added. */
typedef struct st_anchor st_anchor;
const st_anchor *st_context_anchor(const st_context *ctx, size_t i);
/* Where it comes from: "microsoft-program", "apple", "uefi-db", "shim-vendor", "user",
 * "system"; the file ("built in" for the built-in store). */
const char *st_anchor_source(const st_anchor *a);
const char *st_anchor_origin(const st_anchor *a);
/* The root list's friendly name, else the subject's common name. */
const char *st_anchor_name(const st_anchor *a);
/* The platforms it anchors: "windows", "apple", "uefi", comma-separated. */
const char *st_anchor_profiles(const st_anchor *a);
/* Microsoft's program: the uses the root is trusted for ("any", or e.g.
 * "code_signing,time_stamping"; NULL outside the program), the date from
 * which it is distrusted and for which uses ("" for every use), the date
 * after which certificates it issues are distrusted and for which uses.
 * Dates are ST_TIME_NONE when absent. */
const char *st_anchor_ekus(const st_anchor *a);
int64_t st_anchor_disallowed(const st_anchor *a);
const char *st_anchor_disallowed_ekus(const st_anchor *a);
int64_t st_anchor_not_before(const st_anchor *a);
const char *st_anchor_not_before_ekus(const st_anchor *a);
/* The certificate, rendered. */
const st_cert *st_anchor_certificate(const st_anchor *a);

/* The well-known publisher (data/publishers.tsv) a certificate or
 * version-resource name claims, after folding case, punctuation and
 * homoglyphs; *exact is 0 for near-miss spellings. NULL if none. */
const char *st_publisher_claimed(const st_context *ctx, const char *name, int *exact);

/* A password tried on encrypted archive members (ZIP, 7-Zip, RAR), in the
 * order added; "infected" is the malware-collection convention. At most
 * 16. ST_EINVAL beyond. */
int st_context_add_archive_password(st_context *ctx, const char *password);

/* Verification time used when no valid timestamp proves the signing time.
 * Defaults to the current time at st_context_new(). */
void st_context_set_time(st_context *ctx, int64_t when);
int64_t st_context_time(const st_context *ctx);

/*
 * Files the caller wants from inside containers (disk images, archives,
 * whatever their content): each regular file whose name ends with one of
 * `suffixes` (a NULL-terminated list of at most 8, compared without case:
 * ".evtx") is handed to fn while st_verify_file() walks the container:
 * its record path ("disk.E01//p2//Windows/System32/winevt/Logs/x.evtx"),
 * its size, and a reader valid during the call only (read exactly len
 * bytes at offset: ST_OK, or ST_EIO). A file inside an archive is decoded
 * into memory first, up to 256 MiB (docs/limits.md); a larger one is not
 * handed over. fn may be called from several scanning threads at once.
 * fn NULL turns it off. ST_EINVAL for an empty or too long list.
 */
typedef int (*st_read_fn)(void *handle, uint64_t offset, void *buf, size_t len);
typedef void (*st_found_fn)(void *arg, const char *path, uint64_t size, st_read_fn read, void *handle);
int st_context_set_found_files(st_context *ctx, const char *const *suffixes, st_found_fn fn, void *arg);

/*
 * Vulnerable signed kernel drivers: a file whose whole-file SHA-256 is on
 * the built-in list (data/vulnerable-drivers.tsv) or on a list added here
 * gets the reason vulnerable_driver (a warning: the signature is good).
 * A list is tab-separated lines "sha256<TAB>file<TAB>product<TAB>why<TAB>
 * source" (only the hash is needed; '#' starts a comment line). ST_EIO
 * when it cannot be read, ST_EINVAL past 32 MiB or 100,000 entries in all.
 * *added: the entries read.
 */
int st_context_add_vulnerable_drivers(st_context *ctx, const char *path, size_t *added);
/* Whether a whole-file SHA-256 (hex) is a listed vulnerable driver: 1 with
 * its file name, product and flaw, and the list's source; else 0. */
int st_context_vulnerable_driver(const st_context *ctx, const char *sha256_hex, const char **name,
				 const char **why, const char **source);

/* Largest file verified (default 4 GiB); larger files give ST_ETOOBIG. */
void st_context_set_max_file_size(st_context *ctx, uint64_t bytes);

/* Whether results carry the whole-file SHA-256 (default 1). It costs a
 * second SHA-256 over every byte of signed files, whose Authenticode digest
 * covers almost the same bytes; scans that only want verdicts can turn it
 * off. */
void st_context_set_file_hash(st_context *ctx, int enabled);

/* Whether results with a whole-file SHA-256 also carry the file's SHA-1
 * and MD5 (default 0), computed in the same read: execution logs name files
 * by whichever their configuration chose (Sysmon's HashAlgorithms). */
void st_context_set_legacy_hashes(st_context *ctx, int enabled);

/* Whether disk images get their whole-file SHA-256 too (default 0): it
 * costs a read of every byte of the image, which the scan otherwise
 * avoids (it reads the file system's metadata and the files that are
 * code). Files inside images are hashed either way. */
void st_context_set_image_hash(st_context *ctx, int enabled);

/* Whether files a file system in a disk image marks deleted are verified
 * too, where their metadata and content survive (default 0). Their
 * records carry image.deleted; their verdicts judge what is left on the
 * disk. */
void st_context_set_deleted_files(st_context *ctx, int enabled);

/* Threads that verify the files inside one disk image (default 1): the
 * image is walked on the calling thread, which reads each file (up to
 * 32 MiB, docs/limits.md) whole and hands it to one of these;
 * larger files are verified on the calling thread. Records keep the
 * order of the walk. At most 64. */
void st_context_set_member_threads(st_context *ctx, int threads);

/* ---- Verification ----------------------------------------------------- */

typedef struct st_result st_result;
typedef struct st_part st_part;
typedef struct st_signature st_signature;
typedef struct st_property st_property;

/*
 * Verifies the file at path. On ST_OK, *out holds a result to free with
 * st_result_free(). The file is read with pread, never mapped: a file that
 * changes size while it is read gives ST_EIO with errno ESTALE (no signal
 * is ever raised, so callers need no SIGBUS handler). ST_EIO (errno set) if
 * the file cannot be read; ST_ETOOBIG beyond st_context_set_max_file_size().
 */
int st_verify_file(st_context *ctx, const char *path, st_result **out);

/*
 * A directory is verified by st_verify_file() when a directory format
 * claims it by its layout: an Apple bundle (X.app with Contents/Info.plist,
 * X.framework with Versions/Current, a shallow bundle with Info.plist and
 * _CodeSignature). Returns that format's name ("bundle"), or NULL for an
 * ordinary directory (which st_verify_file() refuses with EISDIR): a
 * directory walker verifies the first kind whole and descends into the
 * second.
 */
const char *st_directory_format(st_context *ctx, const char *path);

/* Verifies an in-memory image; the buffer must outlive the call only. */
int st_verify_buffer(st_context *ctx, const uint8_t *data, size_t len,
		     st_result **out);

void st_result_free(st_result *res);

/*
 * A result is a tree of parts. The root part is the file itself; its
 * children are what the file holds: the architecture slices of a universal
 * Mach-O file, the members of an archive, the entries of a file system.
 * A *constituent* child (a slice) is part of its parent's verdict: the
 * parent is judged with it (docs/reasons.md). Any other child is a file of
 * its own inside the container, with its own verdict; reports give it a
 * record of its own, named by its path (st_part_path()).
 *
 * The st_result_* accessors below answer for the root part.
 */
const st_part *st_result_part(const st_result *res);

st_verdict st_result_verdict(const st_result *res);
/* Short name of the format ("pe", "macho"), or NULL for ST_VERDICT_NOT_EXECUTABLE. */
const char *st_result_format(const st_result *res);
uint64_t st_result_file_size(const st_result *res);
/* Lower-case hex SHA-256 of the whole file; NULL for files rejected as
 * not executable by st_verify_file() (they are not read past their head)
 * and with st_context_set_file_hash(ctx, 0). */
const char *st_result_sha256(const st_result *res);
/* Format details: for PE "x64", "x86", "arm64", ... and "PE32"/"PE32+";
 * for Mach-O the architecture of a thin file ("arm64", "x86_64", ...) or
 * "universal", and "macho32"/"macho64"/"fat"/"fat64". */
const char *st_result_arch(const st_result *res);
const char *st_result_subformat(const st_result *res);
/* Reasons of the root part: see st_part_reason_count(). */
size_t st_result_reason_count(const st_result *res);
st_reason st_result_reason(const st_result *res, size_t i);
const char *st_result_reason_detail(const st_result *res, size_t i);
/* The verdict this occurrence implies (ST_VERDICT_VALID: a warning). */
st_verdict st_result_reason_effect(const st_result *res, size_t i);
/* Elastic file.code_signature.status: "trusted" for valid files, else the
 * status of the deciding reason (docs/output.md); NULL for unsigned files
 * and non-executables. */
const char *st_result_ecs_status(const st_result *res);

/* ---- Parts ------------------------------------------------------------- */

/* "file" (the root), "slice" (an architecture of a universal Mach-O
 * file), "member" (a file inside a container). Static strings. */
const char *st_part_kind(const st_part *p);
/* The part's name in its parent (a slice's architecture, a member's path
 * inside its container); NULL for the root. */
const char *st_part_name(const st_part *p);
/* The names from the root down to this part joined with "//" ("" for the
 * root): "arm64", "Payload/tool.exe", "disk.img//p1//Windows/x.dll". */
const char *st_part_path(const st_part *p);
const st_part *st_part_parent(const st_part *p);
/* 1 when the part's verdict is part of its parent's (see above). */
int st_part_is_constituent(const st_part *p);
/* Where the part lies in its parent's bytes; 0 when it is decoded content
 * (st_part_offset() is then meaningless). */
int st_part_has_range(const st_part *p);
uint64_t st_part_offset(const st_part *p);
uint64_t st_part_size(const st_part *p);
/* Lower-case hex SHA-256 of the part's bytes, for the root and for members
 * (NULL for slices, non-executables and without the file hash). */
const char *st_part_sha256(const st_part *p);
/* Lower-case hex SHA-1 and MD5 of the same bytes, where the SHA-256 is
 * given and st_context_set_legacy_hashes() asked for them; else NULL. */
const char *st_part_sha1(const st_part *p);
const char *st_part_md5(const st_part *p);
/* Format name, subformat and architecture as for the st_result_* forms;
 * NULL when the part is in no supported format. */
const char *st_part_format(const st_part *p);
const char *st_part_subformat(const st_part *p);
const char *st_part_arch(const st_part *p);
st_verdict st_part_verdict(const st_part *p);
const char *st_part_ecs_status(const st_part *p);

/* Reasons: the part's own, those of its signatures and those of its
 * constituent children, in the order found, deduplicated by code. Each
 * carries a human-readable detail and the verdict it implies. */
size_t st_part_reason_count(const st_part *p);
st_reason st_part_reason(const st_part *p, size_t i);
const char *st_part_reason_detail(const st_part *p, size_t i);
st_verdict st_part_reason_effect(const st_part *p, size_t i);

/* The part's own signatures, in pre-order: each primary signature followed
 * by its nested signatures (PE: one primary per certificate-table entry;
 * Mach-O: one per slice, in the slice's part). */
size_t st_part_signature_count(const st_part *p);
const st_signature *st_part_signature(const st_part *p, size_t i);
/* The signature that represents the part in summaries: its first, else the
 * first of its constituent children in order; NULL if none. */
const st_signature *st_part_primary_signature(const st_part *p);

size_t st_part_child_count(const st_part *p);
const st_part *st_part_child(const st_part *p, size_t i);

/* ---- Properties ---------------------------------------------------------- */

/*
 * What a format knows beyond the common fields: version-resource strings
 * of a PE file, the CodeDirectory of an Apple signature. Each format
 * declares the properties it fills (key, type, scope, label, the ECS field
 * it maps to, documentation); reports and the inventory handle them without
 * knowing the format.
 */
typedef enum {
	ST_PROPERTY_STRING,
	ST_PROPERTY_INT,
	ST_PROPERTY_BOOL,
	ST_PROPERTY_TIME     /* seconds since the epoch */
} st_property_type;

typedef enum {
	ST_SCOPE_PART,       /* a property of a part (a file, a slice) */
	ST_SCOPE_SIGNATURE   /* a property of one signature */
} st_property_scope;

/* Render an integer in hexadecimal (flags). */
#define ST_PROPERTY_HEX 1u

typedef struct st_property_decl {
	const char *key;          /* "<format>.<name>": "pe.company", "macho.team_id" */
	st_property_type type;
	st_property_scope scope;
	const char *label;        /* for the text report: "CompanyName", "team id" */
	/* The ECS field it fills, relative to the record ("file.pe.company";
	 * signature properties fill it from the primary signature), or NULL. */
	const char *ecs;
	unsigned flags;           /* ST_PROPERTY_HEX */
	/* Names of the bits of a flags integer (index = bit), or NULL. */
	const char *const *bit_names;
	const char *doc;          /* one line */
} st_property_decl;

/* Every property any format declares. */
size_t st_property_decl_count(void);
const st_property_decl *st_property_decl_at(size_t i);

const st_property_decl *st_property_declaration(const st_property *pr);
const char *st_property_key(const st_property *pr);
st_property_type st_property_type_of(const st_property *pr);
/* The value of a string property; NULL for other types. */
const char *st_property_string(const st_property *pr);
/* The value of an integer, boolean (0/1) or time property; 0 for strings. */
int64_t st_property_int(const st_property *pr);

size_t st_part_property_count(const st_part *p);
const st_property *st_part_property(const st_part *p, size_t i);
/* The property with that key, NULL if the part has none. */
const st_property *st_part_property_find(const st_part *p, const char *key);

size_t st_signature_property_count(const st_signature *sig);
const st_property *st_signature_property(const st_signature *sig, size_t i);
const st_property *st_signature_property_find(const st_signature *sig, const char *key);

/* The formats sigtrace verifies, in the order they are tried. */
size_t st_format_count(void);
const char *st_format_name(size_t i);
const char *st_format_description(size_t i);

/* ---- One signature ---------------------------------------------------- */

st_verdict st_signature_verdict(const st_signature *sig);
/* Nesting depth: 0 for a primary signature. */
int st_signature_depth(const st_signature *sig);
/* Index (in its part's st_part_signature order) of the parent, -1 for
 * primaries. */
int st_signature_parent(const st_signature *sig);
/* Where the signature is: "embedded" (in the file itself) or "catalog"
 * (a security catalog lists the file's digest; the signature properties
 * catalog.path and catalog.member say which). */
const char *st_signature_source(const st_signature *sig);
/* "sha256", "sha1", "md5", ... NULL if unknown. */
const char *st_signature_digest_algorithm(const st_signature *sig);
/* Digest carried in the signature and the digest computed over the file
 * (Mach-O: the CMS messageDigest and the hash of the CodeDirectory),
 * lower-case hex; NULL if unavailable. */
const char *st_signature_signed_digest(const st_signature *sig);
const char *st_signature_computed_digest(const st_signature *sig);
/* Signing time from the signed attributes (unauthenticated claim). */
int64_t st_signature_signing_time(const st_signature *sig);
/* Program name from SpcSpOpusInfo, NULL if absent. */
const char *st_signature_program_name(const st_signature *sig);
/* Page hashes: "sha1"/"sha256" when present, else NULL (Mach-O: the hash
 * type of the strongest CodeDirectory, "sha256-truncated" for type 3). */
const char *st_signature_page_hash_algorithm(const st_signature *sig);

/* Whether the chain ends at a trust anchor that may anchor it (for this
 * use, at this time). */
int st_signature_trusted(const st_signature *sig);
/* The platform trust that judged the signature: "windows" (Authenticode),
 * "uefi" (EFI images, as firmware does), "apple" (Apple code signatures);
 * NULL when no chain was built. */
const char *st_signature_trust_profile(const st_signature *sig);
/* The time the chain was validated at. */
int64_t st_signature_verification_time(const st_signature *sig);

size_t st_signature_reason_count(const st_signature *sig);
st_reason st_signature_reason(const st_signature *sig, size_t i);
const char *st_signature_reason_detail(const st_signature *sig, size_t i);
st_verdict st_signature_reason_effect(const st_signature *sig, size_t i);

/* Signer certificate, NULL if it could not be identified. */
const st_cert *st_signature_signer(const st_signature *sig);
/* Certificate chain from the signer (index 0) towards the root, as built. */
size_t st_signature_chain_length(const st_signature *sig);
const st_cert *st_signature_chain_cert(const st_signature *sig, size_t i);

/* Timestamp: kind is "rfc3161", "pkcs9" or NULL when there is none. */
const char *st_signature_timestamp_kind(const st_signature *sig);
int64_t st_signature_timestamp_time(const st_signature *sig);
int st_signature_timestamp_valid(const st_signature *sig);
const st_cert *st_signature_timestamp_signer(const st_signature *sig);
const char *st_signature_timestamp_digest_algorithm(const st_signature *sig);

/* ---- One certificate -------------------------------------------------- */

/* RFC 2253-style distinguished names, e.g. "CN=Example,O=Example Ltd". */
const char *st_cert_subject(const st_cert *c);
const char *st_cert_issuer(const st_cert *c);
/* Common name (or organization when no CN) of the subject / issuer. */
const char *st_cert_subject_cn(const st_cert *c);
const char *st_cert_issuer_cn(const st_cert *c);
/* Serial number, upper-case hex. */
const char *st_cert_serial(const st_cert *c);
int64_t st_cert_not_before(const st_cert *c);
int64_t st_cert_not_after(const st_cert *c);
/* Lower-case hex thumbprints of the DER encoding. */
const char *st_cert_sha1(const st_cert *c);
const char *st_cert_sha256(const st_cert *c);
/* "RSA", "EC", "Ed25519", ... and key size in bits. */
const char *st_cert_key_algorithm(const st_cert *c);
int st_cert_key_bits(const st_cert *c);
/* Signature algorithm, e.g. "sha256WithRSAEncryption". */
const char *st_cert_signature_algorithm(const st_cert *c);
/* 1 when the certificate is a trust anchor of the context. */
int st_cert_is_trust_anchor(const st_cert *c);
/* Extended key usages, certificate policies and critical extensions as
 * dotted OIDs, comma-separated ("" when none); 1 for a CA certificate. */
const char *st_cert_ekus(const st_cert *c);
const char *st_cert_policies(const st_cert *c);
const char *st_cert_critical_extensions(const st_cert *c);
int st_cert_is_ca(const st_cert *c);
/* Lower-case hex SHA-256 of the public key (the SubjectPublicKeyInfo
 * bit string): the same key in different certificates. */
const char *st_cert_key_sha256(const st_cert *c);

/* ---- Execution telemetry (docs/telemetry.md) ---------------------------- */

/*
 * Windows event logs as a stream of execution events: EVTX files (read by
 * libevtx) and the NDJSON Winlogbeat and Elastic Agent ship. Taken:
 * Sysmon's process creations (1), driver loads (6) and image loads (7),
 * the Security log's process creations (4688), Code Integrity's blocked
 * and audited loads (3033, 3034, 3076, 3077, with the signer of their
 * 3089), CAPI2's WinVerifyTrust results (81), ECS process start, library and driver events, and the exec
 * events of macOS's eslogger. Other records are counted, not returned; a
 * record that cannot be read is counted as malformed and the stream goes
 * on.
 */
typedef struct st_events st_events;
typedef struct st_event st_event;

typedef enum {
	ST_EVENT_PROCESS = 0,      /* a process started from the image */
	ST_EVENT_IMAGE_LOAD = 1,   /* a DLL loaded into a process */
	ST_EVENT_DRIVER_LOAD = 2,  /* a kernel driver loaded */
	ST_EVENT_BLOCKED_LOAD = 3, /* Code Integrity refused to load the image */
	ST_EVENT_TRUST_CHECK = 4   /* a program had Windows verify the file's signature (CAPI2) */
} st_event_kind;

typedef enum {
	ST_FIELD_IMAGE = 0,             /* the image executed or loaded, as logged */
	ST_FIELD_PROCESS_IMAGE,         /* image loads: the process that loaded it */
	ST_FIELD_COMMAND_LINE,
	ST_FIELD_PARENT_IMAGE,
	ST_FIELD_PARENT_COMMAND_LINE,
	ST_FIELD_USER,                  /* DOMAIN\user */
	ST_FIELD_PROCESS_GUID,
	ST_FIELD_SHA256,                /* lower-case hex, from Sysmon's Hashes */
	ST_FIELD_SHA1,
	ST_FIELD_MD5,
	ST_FIELD_SIGNED,                /* "true"/"false": Windows' judgement at load time */
	ST_FIELD_SIGNATURE,             /* the signer Windows saw */
	ST_FIELD_SIGNATURE_STATUS,      /* "Valid", "Unavailable", "Expired", ... */
	ST_FIELD_CDHASH,                /* macOS: the CDHash the kernel saw, lower-case hex */
	ST_FIELD_COUNT
} st_event_field;

/* Opens an event log; ST_EIO when it cannot be read, ST_EINVAL when it is
 * neither EVTX nor NDJSON. */
int st_events_open(st_events **out, const char *path);
/* The next execution event (valid until the next call): 1, or 0 at the end. */
int st_events_next(st_events *ev, const st_event **out);
/* Records read, and of them: not execution events, and unreadable. */
size_t st_events_records(const st_events *ev);
size_t st_events_other(const st_events *ev);
size_t st_events_malformed(const st_events *ev);
void st_events_free(st_events *ev);

st_event_kind st_event_kind_of(const st_event *e);
/* "process", "image_load", "driver_load", "blocked_load", "trust_check" */
const char *st_event_kind_name(st_event_kind k);
/* "sysmon", "security", "codeintegrity", "capi2", "eslogger", or "ecs" (a
 * shipper's event without EventData);
 * the Windows event ID (0 when the record gives none). */
const char *st_event_source(const st_event *e);
uint32_t st_event_id(const st_event *e);
/* The record's number in its log (EventRecordID; for lines that carry
 * none, a hash of the line) and its time. */
uint64_t st_event_record(const st_event *e);
int64_t st_event_time(const st_event *e);
const char *st_event_host(const st_event *e);
/* The field, or NULL when the event does not carry it. */
const char *st_event_get(const st_event *e, st_event_field f);

#ifdef __cplusplus
}
#endif
#endif /* SIGTRACE_H */

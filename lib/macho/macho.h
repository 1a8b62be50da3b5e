/*
 * Verification of one Mach-O slice's code signature, shared by the files of
 * lib/macho: macho_format.c (file and slices), macho_signature.c (one
 * slice's SuperBlob), macho_pages.c (code page hashes), macho_slots.c
 * (special slots), macho_cms.c (the CMS signature and its binding to the
 * CodeDirectories), macho_signer.c (signer class and team ID).
 */
#ifndef ST_MACHO_H
#define ST_MACHO_H

#include <openssl/x509.h>

#include "core/context.h"
#include "core/format.h"
#include "core/hash_pass.h"
#include "core/result.h"
#include "x509/chain.h"
#include "macho/macho_blobs.h"
#include "macho/macho_layout.h"

struct macho_check {
	const st_context *ctx;
	struct st_input *in;  /* the slice's bytes */
	struct st_part *part; /* the slice's part (the file's, for a thin file) */
	const struct macho_slice *ms;
	int idx;              /* signature index in part */
	char what[48];        /* "arm64 slice", for details */
	/* The bundle's Info.plist and seal, when the slice is (part of) a
	 * bundle's main executable; else NULL. */
	const struct st_external_slots *external;
	/* The signature's bytes in `in`, and where they must end (the end of
	 * the slice; a disk image's trailer). */
	uint64_t sig_off, sig_size, sig_end;
	struct cs_superblob sb;
	struct cs_codedir cds[ST_LIMIT_CODE_DIRECTORIES];  /* slot order */
	size_t ncd;
	size_t best;          /* strongest hash type */
};

#define MSIG(m) (&(m)->part->sigs[(m)->idx])

/* The properties Mach-O fills (macho_format.c). */
enum {
	MACHO_P_SIGNING_ID, MACHO_P_TEAM_ID, MACHO_P_CDHASH, MACHO_P_CD_FLAGS,
	MACHO_P_SIGNER_TYPE, MACHO_P_DESIGNATED_REQUIREMENT, MACHO_P_COUNT
};
extern const st_property_decl macho_properties[MACHO_P_COUNT];

/* The chain policies of Apple code signatures (macho_signer.c): Apple's
 * certificate-class extensions are critical and accepted; an expired
 * certificate without a timestamp is a warning, unless the CodeDirectory
 * asks for expiry checks (flag 0x400: the _expires policy). */
extern const struct st_chain_policy macho_chain_policy;
extern const struct st_chain_policy macho_chain_policy_expires;
/* Flat installer packages (lib/xar): the _expires policy, with Apple's
 * package-signing usage in place of codeSigning. */
extern const struct st_chain_policy macho_chain_policy_package;
#define CS_FORCE_EXPIRATION 0x400u

/* Verifies the slice's signature (LC_CODE_SIGNATURE present) into a new
 * signature of m->res. */
int macho_verify_signature(struct macho_check *m);

/* Every code page of the slice against cd's code slots. */
int macho_check_pages(struct macho_check *m, const struct cs_codedir *cd);
/* cd's special slots against the blobs of the SuperBlob, both ways. */
int macho_check_slots(struct macho_check *m, const struct cs_codedir *cd);
/* The CMS signature in `blob` (slot 0x10000): signer, messageDigest, cdhash
 * attributes, timestamp, chain, signer class and team ID. */
int macho_check_cms(struct macho_check *m, const struct cs_blob *blob);

/* Signer class from Apple's certificate markers (static string). */
const char *macho_signer_type(X509 *leaf);
/* Whether the class is one code is distributed with. */
bool macho_signer_type_expected(const char *type);
/* The leaf's team ID (first subject OU), malloc'd, or NULL. */
char *macho_team_of(X509 *leaf);

/* A stapled notarization ticket (macho_ticket.c): a hash it may list (an
 * Apple CodeDirectory hash type, the hash's first 20 bytes), and what the
 * check found. */
struct macho_ticket_hash {
	uint8_t type;
	uint8_t hash[20];
};
enum macho_ticket_state {
	MACHO_TICKET_BOUND,          /* Apple's, and it names this code */
	MACHO_TICKET_OTHER_CODE,     /* Apple's, for other code */
	MACHO_TICKET_BAD_SIGNATURE,  /* its signature does not verify */
	MACHO_TICKET_UNTRUSTED,      /* its chain ends at no Apple anchor */
	MACHO_TICKET_MALFORMED
};
struct macho_ticket {
	enum macho_ticket_state state;
	int64_t time;      /* when Apple made it, as it says */
	uint32_t nhashes;
	char why[160];
};
/* Checks the ticket `tk` against the hashes of the code it is stapled to.
 * ST_OK or ST_ENOMEM; the finding is in *out. */
int macho_ticket_check(const st_context *ctx, st_span tk, const struct macho_ticket_hash *want,
		       size_t nwant, struct macho_ticket *out);
/* "bound", "other_code", "bad_signature", "untrusted", "malformed". */
const char *macho_ticket_state_name(enum macho_ticket_state s);
/* The hashes a ticket names a code by: every CodeDirectory's of a checked
 * signature; the macho.cdhash of each signature of a verified Mach-O part
 * and of its slices. At most cap; the count. */
size_t macho_ticket_hashes_of_check(const struct macho_check *m, struct macho_ticket_hash *out, size_t cap);
size_t macho_ticket_hashes_of_part(const st_part *p, struct macho_ticket_hash *out, size_t cap);
/* Checks the ticket and reports it: the state in the property state_decl
 * of props, ticket_mismatch in rs unless it is bound. */
int macho_ticket_report(const st_context *ctx, st_span tk, const struct macho_ticket_hash *want, size_t nwant,
			st_props *props, const st_property_decl *state_decl, st_reasons *rs);

/* The designated requirement of a signature (its requirements blob, slot
 * 2, type 3) in the text form codesign prints, into out (macho_requirement.c):
 * true when there is one this reader renders whole. */
bool macho_designated_requirement(const struct cs_superblob *sb, char *out, size_t cap);

#endif

/*
 * Microsoft certificate trust lists (szOID_CTL, 1.3.6.1.4.1.311.10.1): a
 * PKCS#7 SignedData whose content lists subjects by identifier (a hash)
 * with attributes. Root lists (authroot.stl: the Trusted Root Program,
 * subjectUsage 1.3.6.1.4.1.311.10.3.9) use them today; security catalogs
 * are the same structure with another usage.
 *
 * Layout (MS-CAESO; no library decodes it): CertificateTrustList ::=
 * SEQUENCE { version INTEGER OPTIONAL, subjectUsage SEQUENCE OF OID,
 * listIdentifier OCTET STRING OPTIONAL, sequenceNumber INTEGER OPTIONAL,
 * thisUpdate Time, nextUpdate Time OPTIONAL, subjectAlgorithm
 * AlgorithmIdentifier, trustedSubjects SEQUENCE OF SEQUENCE {
 * subjectIdentifier OCTET STRING, attributes SET OF Attribute OPTIONAL }
 * OPTIONAL, extensions [0] EXPLICIT Extensions OPTIONAL }.
 */
#ifndef ST_CTL_H
#define ST_CTL_H

#include <openssl/x509.h>
#include <stdbool.h>

#include "core/context.h"
#include "x509/signed_data.h"

#define OID_CTL "1.3.6.1.4.1.311.10.1"
#define OID_ROOT_LIST_SIGNER "1.3.6.1.4.1.311.10.3.9"

/* Attributes of a root-list entry (CERT_*_PROP_ID of wincrypt.h, carried
 * as attribute 1.3.6.1.4.1.311.10.11.<id>). */
#define CTL_PROP_EKU 9
#define CTL_PROP_FRIENDLY_NAME 11
#define CTL_PROP_SHA256 98
#define CTL_PROP_DISALLOWED_TIME 104
#define CTL_PROP_DISALLOWED_EKU 122
#define CTL_PROP_NOT_BEFORE_TIME 126
#define CTL_PROP_NOT_BEFORE_EKU 127

struct st_ctl_entry {
	const uint8_t *id;     /* subjectIdentifier (borrowed from the CTL) */
	size_t idlen;
	STACK_OF(X509_ATTRIBUTE) *attrs;   /* borrowed */
};

struct st_ctl {
	struct st_sd sd;              /* the SignedData, owns everything */
	void *list;                   /* the decoded CertificateTrustList */
	char usage[80];               /* the first subjectUsage OID, dotted */
	int64_t this_update;
	char sequence[80];            /* sequenceNumber, hex, "" if absent */
	int subject_alg;              /* NID of subjectAlgorithm */
	char subject_alg_oid[80];     /* the same, dotted */
	struct st_ctl_entry *entries;
	size_t n;
};

/*
 * Parses a CTL: ST_OK; ST_PARSE_MALFORMED / ST_PARSE_LIMIT with why filled;
 * ST_ENOMEM. Entries beyond ST_LIMIT_CTL_ENTRIES are a limit.
 */
int st_ctl_parse(const st_context *ctx, const uint8_t *der, size_t len, struct st_ctl *out,
		 char *why, size_t whylen);
void st_ctl_clear(struct st_ctl *c);

/*
 * Verifies the CTL's signature: one SignerInfo over the CTL content whose
 * signer chain, built with the certificates carried, ends at one of
 * `roots` at the CTL's thisUpdate and whose signer carries the EKU
 * `signer_eku`. Returns true when it does; why says what failed.
 */
bool st_ctl_signed_by(const struct st_ctl *c, STACK_OF(X509) *roots, const char *signer_eku,
		      char *why, size_t whylen);

/* The value of attribute 1.3.6.1.4.1.311.10.11.<prop> of an entry (the
 * bytes inside its OCTET STRING), or NULL. */
const ASN1_OCTET_STRING *st_ctl_prop(const struct st_ctl_entry *e, int prop);

/* The value bytes of the CTL's SEQUENCE (what the messageDigest covers:
 * PKCS#7 digests the content without its tag and length); false when the
 * content is not a well-formed SEQUENCE. */
bool st_ctl_content(const struct st_ctl *c, const uint8_t **p, size_t *len);
/* The CTL's extensions and listIdentifier (borrowed), or NULL. */
const STACK_OF(X509_EXTENSION) *st_ctl_extensions(const struct st_ctl *c);
const ASN1_OCTET_STRING *st_ctl_list_id(const struct st_ctl *c);

/* Windows FILETIME (8 bytes, little-endian, 100 ns since 1601) as seconds
 * since the epoch. */
int64_t st_filetime(const uint8_t *p);

#endif

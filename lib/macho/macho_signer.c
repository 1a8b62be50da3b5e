/*
 * Who signed: Apple marks each class of code-signing certificate with an
 * extension under 1.2.840.113635.100.6.1 (critical, value NULL), and puts
 * the developer's team ID in the subject OU.
 */
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "macho/macho.h"
#include "x509/trust.h"
#include "x509/x509_util.h"

static const struct {
	const char *oid;
	const char *type;
} markers[] = {
	{ "1.2.840.113635.100.6.1.13", "developer_id_application" },
	{ "1.2.840.113635.100.6.1.14", "developer_id_installer" },
	{ "1.2.840.113635.100.6.1.9", "mac_app_store" },
	{ "1.2.840.113635.100.6.1.7", "submission" },   /* 3rd Party Mac Developer Application */
	{ "1.2.840.113635.100.6.1.12", "development" }, /* Mac Developer / Apple Development */
	{ "1.2.840.113635.100.6.1.2", "development" },  /* iPhone Developer */
	{ "1.2.840.113635.100.6.22", "apple_platform" }, /* Apple software signing */
};

const char *macho_signer_type(X509 *leaf)
{
	for (size_t k = 0; k < sizeof(markers) / sizeof(markers[0]); k++) {
		for (int i = 0; i < X509_get_ext_count(leaf); i++) {
			if (st_oid_is(X509_EXTENSION_get_object(X509_get_ext(leaf, i)), markers[k].oid))
				return markers[k].type;
		}
	}
	return "other";
}

bool macho_signer_type_expected(const char *type)
{
	/* Code runs outside development machines only with a Developer ID,
	 * Mac App Store or Apple signature; installer, submission and
	 * development certificates on shipped code are worth a look. */
	return type && (strcmp(type, "developer_id_application") == 0 ||
			strcmp(type, "mac_app_store") == 0 ||
			strcmp(type, "apple_platform") == 0);
}

char *macho_team_of(X509 *leaf)
{
	bool found;

	return st_name_entry(X509_get_subject_name(leaf), NID_organizationalUnitName, &found);
}

/*
 * Apple marks its certificate-class extensions (1.2.840.113635.100.6.x:
 * Developer ID, Mac App Store, WWDR, ...) critical, which OpenSSL cannot
 * process. They are accepted in Apple code-signature chains, but only
 * they: any other critical extension OpenSSL does not handle still fails.
 */
#define OID_APPLE_CERT_EXT_PREFIX "1.2.840.113635.100.6."

static bool apple_critical(const char *oid)
{
	return strncmp(oid, OID_APPLE_CERT_EXT_PREFIX, strlen(OID_APPLE_CERT_EXT_PREFIX)) == 0;
}

static const struct st_chain_policy apple_timestamps = {
	.usage = ST_USAGE_TIMESTAMPING, .profile = ST_PROFILE_APPLE, .name = "apple-ts",
	.accept_critical = apple_critical,
	.expired = ST_VERDICT_INVALID, .expired_proven = ST_VERDICT_INVALID,
	.eku = ST_VERDICT_INVALID,
};

/*
 * macOS does not reject a signature because a certificate of an anchored
 * chain expired when no secure timestamp proves the signing time
 * (kSecCSConsiderExpiration is off by default); with a timestamp the chain
 * is judged at its time and any failure there is fatal. Code whose
 * CodeDirectory asks for expiry checks (flag 0x400, "expires") gets the
 * strict policy.
 */
const struct st_chain_policy macho_chain_policy = {
	.usage = ST_USAGE_CODE_SIGNING, .profile = ST_PROFILE_APPLE, .name = "apple",
	.accept_critical = apple_critical,
	.expired = ST_VERDICT_VALID, .expired_proven = ST_VERDICT_INVALID,
	.eku = ST_VERDICT_INVALID, .timestamps = &apple_timestamps,
};
const struct st_chain_policy macho_chain_policy_expires = {
	.usage = ST_USAGE_CODE_SIGNING, .profile = ST_PROFILE_APPLE, .name = "apple-expires",
	.accept_critical = apple_critical,
	.expired = ST_VERDICT_INVALID, .expired_proven = ST_VERDICT_INVALID,
	.eku = ST_VERDICT_INVALID, .timestamps = &apple_timestamps,
};
/* Installer packages: as strict about time, and signed by Developer ID
 * Installer certificates, whose only extended key usage is Apple's
 * package signing (1.2.840.113635.100.4.13; the real certificate of
 * Dynamsoft's package in npm dwt 19.3.3 has no codeSigning). */
const struct st_chain_policy macho_chain_policy_package = {
	.usage = ST_USAGE_CODE_SIGNING, .profile = ST_PROFILE_APPLE, .name = "apple-package",
	.accept_critical = apple_critical,
	.expired = ST_VERDICT_INVALID, .expired_proven = ST_VERDICT_INVALID,
	.eku = ST_VERDICT_INVALID, .signer_eku = "1.2.840.113635.100.4.13", .timestamps = &apple_timestamps,
};

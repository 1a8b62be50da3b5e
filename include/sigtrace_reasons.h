/*
 * The registry of reason codes: the one place a reason is declared.
 *
 * Each line is ST_REASON(ID, name, effect, ecs_status, ecs_rank, summary):
 *   ID          the enum constant is ST_R_<ID>
 *   name        the stable snake_case code reports and the inventory use
 *   effect      the least verdict the reason implies unless the code that
 *               adds it says otherwise (VALID: a warning)
 *   ecs_status  the value of file.code_signature.status it stands for
 *   ecs_rank    when several reasons are present, the one with the lowest
 *               rank decides the status (docs/output.md)
 *   summary     one line: what it means (docs/reasons.md says more)
 *
 * The list is included by sigtrace.h (the enum) and by the library (names,
 * effects, statuses); a unit test checks docs/reasons.md and docs/output.md
 * against it. Add new reasons at the end: the enum values are the order.
 */
ST_REASON(DIGEST_MISMATCH, "digest_mismatch", INVALID, "errorBadDigest", 2,
	  "the digest computed over the file differs from the signed digest")
ST_REASON(PAGE_HASH_MISMATCH, "page_hash_mismatch", INVALID, "errorBadDigest", 3,
	  "a page of the file differs from its signed page hash")
ST_REASON(SIGNATURE_INVALID, "signature_invalid", INVALID, "errorBadSignature", 9,
	  "the signer's signature does not verify")
ST_REASON(UNTRUSTED_ROOT, "untrusted_root", UNTRUSTED, "errorUntrustedRoot", 25,
	  "the chain ends at no trust anchor")
ST_REASON(SELF_SIGNED, "self_signed", UNTRUSTED, "errorUntrustedRoot", 24,
	  "the signer certificate is self-signed and not a trust anchor")
ST_REASON(CHAIN_INVALID, "chain_invalid", INVALID, "errorChaining", 12,
	  "a certificate of the chain cannot be accepted")
ST_REASON(CERT_EXPIRED, "cert_expired", INVALID, "errorExpired", 10,
	  "a certificate of the chain had expired at the verification time")
ST_REASON(CERT_NOT_YET_VALID, "cert_not_yet_valid", INVALID, "errorExpired", 11,
	  "a certificate of the chain was not yet valid at the verification time")
ST_REASON(EKU_NOT_CODE_SIGNING, "eku_not_code_signing", INVALID, "errorUsage", 13,
	  "a certificate is not allowed to sign code")
ST_REASON(KEY_USAGE, "key_usage", INVALID, "errorUsage", 14,
	  "the signer's key usage does not allow digital signatures")
ST_REASON(TIMESTAMP_INVALID, "timestamp_invalid", INVALID, "errorTimestamp", 15,
	  "a timestamp is present but proves nothing")
ST_REASON(WEAK_DIGEST, "weak_digest", VALID, "errorWeakCrypto", 19,
	  "a digest uses SHA-1 (a warning) or MD5")
ST_REASON(WEAK_KEY, "weak_key", VALID, "errorWeakCrypto", 20,
	  "a certificate of the chain has a small key")
ST_REASON(CERT_PADDING, "cert_padding", INVALID, "errorBadDigest", 4,
	  "bytes inside the certificate table belong to no signature")
ST_REASON(TRAILING_DATA, "trailing_data", INVALID, "errorBadDigest", 5,
	  "bytes no signature covers follow the signed content")
ST_REASON(CERT_TABLE_NOT_AT_END, "cert_table_not_at_end", INVALID, "errorBadDigest", 6,
	  "the certificate table overlaps the image or is followed by a section")
ST_REASON(NESTED_SIGNATURE_INVALID, "nested_signature_invalid", INVALID, "errorNestedSignature", 18,
	  "a nested signature failed")
ST_REASON(MALFORMED_SIGNATURE, "malformed_signature", MALFORMED, "errorMalformed", 90,
	  "a signature structure cannot be parsed or is inconsistent")
ST_REASON(MALFORMED_PE, "malformed_pe", MALFORMED, "errorMalformed", 91,
	  "the PE headers cannot be used")
ST_REASON(UNSUPPORTED_ALGORITHM, "unsupported_algorithm", MALFORMED, "errorMalformed", 92,
	  "a digest algorithm sigtrace does not implement")
ST_REASON(LIMIT_EXCEEDED, "limit_exceeded", MALFORMED, "errorMalformed", 93,
	  "an attacker-controlled count exceeded a documented limit")
ST_REASON(REVOKED, "revoked", INVALID, "errorRevoked", 1,
	  "a certificate of the chain is revoked or on the deny-list")
ST_REASON(ADHOC, "adhoc", UNTRUSTED, "errorAdhoc", 23,
	  "an Apple code signature without a signer")
ST_REASON(LINKER_SIGNED, "linker_signed", UNTRUSTED, "errorAdhoc", 22,
	  "an ad-hoc Apple code signature made by the linker")
ST_REASON(CDHASH_MISMATCH, "cdhash_mismatch", INVALID, "errorBadDigest", 7,
	  "the CMS signature is not bound to the CodeDirectories present")
ST_REASON(SPECIAL_SLOT_MISMATCH, "special_slot_mismatch", INVALID, "errorBadDigest", 8,
	  "a blob of the code signature differs from its special slot")
ST_REASON(TEAM_ID_MISMATCH, "team_id_mismatch", INVALID, "errorTeamIdMismatch", 16,
	  "the CodeDirectory's team differs from the signer certificate's")
ST_REASON(PARTIALLY_SIGNED, "partially_signed", INVALID, "errorPartiallySigned", 17,
	  "some parts of the file are signed and others are not")
ST_REASON(UNEXPECTED_SIGNER_TYPE, "unexpected_signer_type", UNTRUSTED, "errorSignerType", 21,
	  "the signer certificate is of a class code is not distributed with")
ST_REASON(MALFORMED_MACHO, "malformed_macho", MALFORMED, "errorMalformed", 94,
	  "the Mach-O layout cannot be used")
ST_REASON(ROOT_DISTRUSTED, "root_distrusted", UNTRUSTED, "errorUntrustedRoot", 26,
	  "the platform's root program does not trust the root for this use at this time")
ST_REASON(UEFI_REVOKED, "uefi_revoked", INVALID, "errorRevoked", 0,
	  "UEFI firmware with a current dbx refuses the image")
ST_REASON(PUBLISHER_IMPERSONATION, "publisher_impersonation", INVALID, "errorImpersonation", 27,
	  "a certificate names a well-known publisher the chain does not belong to")
ST_REASON(METADATA_MISMATCH, "metadata_mismatch", VALID, "errorMetadataMismatch", 28,
	  "the version resource claims a publisher that always signs, but the file is not validly signed")
ST_REASON(MALFORMED_CATALOG, "malformed_catalog", MALFORMED, "errorMalformed", 95,
	  "the security catalog's structure cannot be used")
ST_REASON(CATALOG_INVALID, "catalog_invalid", VALID, "errorBadSignature", 29,
	  "the file is listed in a security catalog that does not verify, which vouches for nothing")
ST_REASON(HOST_ROOT, "host_root", UNTRUSTED, "errorUntrustedRoot", 30,
	  "the chain ends at a root the host added to its own Root store, outside the platform's root program")
ST_REASON(MALFORMED_CONTAINER, "malformed_container", VALID, "errorMalformed", 96,
	  "the files inside a container could not all be read; those read were verified")
ST_REASON(MALFORMED_MSI, "malformed_msi", MALFORMED, "errorMalformed", 97,
	  "a Windows Installer file whose compound file structure cannot be read")
ST_REASON(UNCOVERED_DATA, "uncovered_data", VALID, "errorBadDigest", 31,
	  "data inside the file that no digest covers (free or orphaned sectors of an MSI)")
ST_REASON(MALFORMED_APPX, "malformed_appx", MALFORMED, "errorMalformed", 98,
	  "an app package (.appx, .msix, bundle) whose ZIP layout or signature files cannot be read")
ST_REASON(PUBLISHER_MISMATCH, "publisher_mismatch", INVALID, "errorPublisherMismatch", 32,
	  "an app package's manifest names a publisher that is not the signer's subject")
ST_REASON(RESOURCE_MODIFIED, "resource_modified", INVALID, "errorBadDigest", 33,
	  "a file an Apple bundle's signature seals was modified or removed")
ST_REASON(UNSEALED_RESOURCE, "unsealed_resource", INVALID, "errorBadDigest", 34,
	  "an Apple bundle holds a file its signature does not seal (incompletely signed)")
ST_REASON(NESTED_CODE_INVALID, "nested_code_invalid", INVALID, "errorNestedSignature", 35,
	  "code nested in an Apple bundle is not the code its seal names, or its signature fails")
ST_REASON(SYMLINK_OUTSIDE_BUNDLE, "symlink_outside_bundle", INVALID, "errorBadDigest", 36,
	  "a symbolic link in an Apple bundle points outside the bundle")
ST_REASON(MALFORMED_BUNDLE, "malformed_bundle", MALFORMED, "errorMalformed", 99,
	  "an Apple bundle whose Info.plist or seal (CodeResources) cannot be used")
ST_REASON(MALFORMED_PACKAGE, "malformed_package", MALFORMED, "errorMalformed", 100,
	  "an installer package (xar) whose header, table of contents or heap cannot be used")
ST_REASON(VULNERABLE_DRIVER, "vulnerable_driver", VALID, "errorVulnerableDriver", 37,
	  "a genuine signed kernel driver with a known flaw attackers load to reach the kernel (T1068)")
ST_REASON(REQUIREMENT_UNSATISFIED, "requirement_unsatisfied", INVALID, "errorRequirement", 38,
	  "a bundle's main executable does not satisfy the designated requirement its own signature carries")
ST_REASON(TICKET_MISMATCH, "ticket_mismatch", VALID, "errorNotarizationTicket", 39,
	  "a stapled notarization ticket is not Apple's or names other code: the code only looks notarized")

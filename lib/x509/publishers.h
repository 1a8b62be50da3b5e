/*
 * Well-known publishers whose names impostors borrow (data/publishers.tsv),
 * how a certificate or version-resource name is matched against them, and
 * the per-signature impersonation check: a signer or issuer that names a
 * publisher whose hierarchies the chain does not pass through.
 */
#ifndef ST_PUBLISHERS_H
#define ST_PUBLISHERS_H

#include <openssl/x509.h>
#include <stdbool.h>

#include "core/context.h"
#include "core/result.h"

struct st_publisher {
	char key[32], name[96];
	uint8_t (*certs)[32];   /* SHA-256 of its roots and intermediates */
	size_t ncerts;
	STACK_OF(X509) *x509;   /* those of them shipped (publisher-certs.pem) */
	bool public_ca;         /* buys certificates from public CAs */
	bool always_signs;
};

struct st_publishers {
	struct st_publisher *v;
	size_t n;
};

/* Parses the shipped list. ST_OK or ST_ENOMEM. */
int st_publishers_load(struct st_publishers *p);
void st_publishers_clear(struct st_publishers *p);

/* The publisher a name claims, after folding case, punctuation and
 * homoglyphs; *exact is false for a near-miss spelling. NULL if none. */
const struct st_publisher *st_publisher_match(const struct st_publishers *p, const char *name,
					      bool *exact);

/*
 * Adds publisher_impersonation to rs when the signer's common name, its
 * organisation or its issuer's name claims a publisher and the chain (leaf
 * first; `trusted` when it ends at an anchor of the profile) is not that
 * publisher's. A chain is the publisher's when one of its certificates is
 * one of the publisher's, or is issued (signature checked) by one: an
 * incomplete chain through a genuine intermediate is the publisher's too.
 * A publisher that buys from public CAs is claimed falsely only when the
 * chain ends at no trusted root, and only judged when the built-in store
 * is loaded (without it "no trusted root" says nothing of the signer). A
 * chain through Apple's hierarchy is the developer's identity as Apple
 * checked it ("Developer ID Application: Microsoft Corporation"), not an
 * impersonation.
 */
int st_publisher_check(const st_context *ctx, STACK_OF(X509) *chain, bool trusted,
		       st_reasons *rs, const char *what);

#endif

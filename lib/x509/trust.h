/*
 * What the context trusts and distrusts: trust anchors, CRLs given by the
 * user and the shipped deny-list of abused certificates.
 */
#ifndef ST_TRUST_H
#define ST_TRUST_H

#include <openssl/x509.h>
#include <stdbool.h>

#include "core/context.h"

struct st_deny_entry {
	char issuer[128], serial[80], source[256];
};

struct st_trust {
	X509_STORE *store;         /* trust anchors only */
	STACK_OF(X509) *anchors;   /* the same certificates, for lookups */
	STACK_OF(X509_CRL) *crls;  /* --crl */
	struct st_deny_entry *deny;
	size_t ndeny;
};

struct st_trust *st_trust_new(void);
void st_trust_free(struct st_trust *t);

/* Loads every certificate of a file (PEM, DER, PKCS#7 bundle) or of every
 * such file in a directory as anchors. Returns the number of certificates
 * the path held (already present ones included), or -1 when the path
 * cannot be read. */
int st_trust_add_path(struct st_trust *t, const char *path);
/* Loads CRLs (PEM, several per file, or DER) from a file or directory.
 * Returns the number loaded, or -1. */
int st_trust_add_crls(struct st_trust *t, const char *path);

/* Whether x is one of the anchors (by DER equality). */
bool st_trust_is_anchor(const struct st_trust *t, const X509 *x);
/* The same, through the context. */
bool st_context_is_anchor(const st_context *ctx, const X509 *x);

/* The deny-list entry for x (serial and issuer name), as its source text;
 * false if x is not on it. */
bool st_trust_denied(const struct st_trust *t, X509 *x, char *source, size_t len);

#endif

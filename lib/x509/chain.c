/*
 * Chain building with OpenSSL, with every problem collected rather than the
 * first one only: the verify callback records each error and lets the
 * verification continue, so an expired certificate under an untrusted root
 * reports both.
 *
 * Usage is checked here, not by an OpenSSL purpose: code signing needs the
 * codeSigning EKU on the leaf (when it has an EKU extension) and on every
 * intermediate that restricts EKUs (Windows nests EKUs); timestamping needs
 * timeStamping on the leaf. Keys with explicit EC parameters are rejected
 * (CVE-2020-0601 spoofed curves).
 */
#include "x509/chain.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/digest.h"
#include "core/limits.h"
#include "x509/cert_cache.h"
#include "x509/revocation.h"
#include "x509/trust.h"
#include "x509/x509_util.h"

#define MAX_ERRORS 16

struct collected {
	struct {
		int err, depth;
		X509 *cert;  /* borrowed for the lifetime of the store ctx */
	} e[MAX_ERRORS];
	int n;
};

static int verify_cb(int ok, X509_STORE_CTX *sctx)
{
	struct collected *c = X509_STORE_CTX_get_app_data(sctx);

	if (!ok && c && c->n < MAX_ERRORS) {
		c->e[c->n].err = X509_STORE_CTX_get_error(sctx);
		c->e[c->n].depth = X509_STORE_CTX_get_error_depth(sctx);
		c->e[c->n].cert = X509_STORE_CTX_get_current_cert(sctx);
		c->n++;
	}
	return 1;
}

bool st_cert_has_eku(X509 *x, const char *oid)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	bool found = false;

	for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++)
		if (st_oid_is(sk_ASN1_OBJECT_value(eku, i), oid))
			found = true;
	EXTENDED_KEY_USAGE_free(eku);
	ERR_clear_error();
	return found;
}

static const char *cn_of(X509 *x, char *buf, size_t len)
{
	char *cn = x ? st_name_cn(X509_get_subject_name(x)) : NULL;

	snprintf(buf, len, "%s", cn ? cn : "?");
	free(cn);
	return buf;
}

static bool explicit_ec(X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int explicit_params = 0;

	if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC)
		return false;
	if (!EVP_PKEY_get_int_param(pk, OSSL_PKEY_PARAM_EC_DECODED_FROM_EXPLICIT_PARAMS,
				    &explicit_params)) {
		ERR_clear_error();
		return false;
	}
	return explicit_params != 0;
}

/*
 * Chain results are cached in the context, keyed by the policy, the leaf
 * and the certificates offered as intermediates (their SHA-1 thumbprints,
 * which OpenSSL caches per certificate). What is cached does not depend on
 * time: the chain is built with X509_V_FLAG_NO_CHECK_TIME and validity
 * periods are compared with the verification time on every use, so
 * signatures timestamped at different times share one entry.
 */
struct chain_entry {
	int refs;
	bool trusted;
	STACK_OF(X509) *chain;
	/* Time-independent problems, details without the "signature N: "
	 * prefix that each use adds. */
	st_reasons problems;
};

static void entry_free(struct chain_entry *e)
{
	sk_X509_pop_free(e->chain, X509_free);
	st_reasons_clear(&e->problems);
	free(e);
}

static void entry_ref(void *v)
{
	struct chain_entry *e = v;
	__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
}

static void entry_unref(void *v)
{
	struct chain_entry *e = v;
	if (e && __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
		entry_free(e);
}

const struct st_cache_ops st_chain_cache_ops = { entry_ref, entry_unref };

const struct st_chain_policy st_policy_code_signing = {
	ST_USAGE_CODE_SIGNING, "code-signing", NULL
};
const struct st_chain_policy st_policy_timestamping = {
	ST_USAGE_TIMESTAMPING, "timestamping", NULL
};

/* Whether every critical extension of x that OpenSSL cannot process is
 * one the policy accepts. */
static bool criticals_accepted(const struct st_chain_policy *pol, X509 *x)
{
	bool any = false;

	if (!x || !pol->accept_critical)
		return false;
	for (int i = 0; i < X509_get_ext_count(x); i++) {
		X509_EXTENSION *ext = X509_get_ext(x, i);
		char oid[80];

		if (!X509_EXTENSION_get_critical(ext) || X509_supported_extension(ext))
			continue;
		st_oid_text(X509_EXTENSION_get_object(ext), oid, sizeof(oid));
		if (!pol->accept_critical(oid))
			return false;
		any = true;
	}
	return any;
}

/* Builds the chain and records every time-independent problem. */
static int build(const st_context *ctx, X509 *leaf, STACK_OF(X509) *pool,
		 const struct st_chain_policy *pol, struct chain_entry *e)
{
	enum st_usage usage = pol->usage;
	X509_STORE_CTX *sctx = X509_STORE_CTX_new();
	struct collected col = { .n = 0 };
	bool ts = usage == ST_USAGE_TIMESTAMPING;
	st_reason untrusted_code = ts ? ST_R_TIMESTAMP_INVALID : ST_R_UNTRUSTED_ROOT;
	char name[160];
	int rc = ST_OK;

	if (!sctx || !X509_STORE_CTX_init(sctx, ctx->trust->store, leaf, pool)) {
		X509_STORE_CTX_free(sctx);
		return ST_ENOMEM;
	}
	X509_STORE_CTX_set_app_data(sctx, &col);
	X509_STORE_CTX_set_verify_cb(sctx, verify_cb);
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(sctx),
				    X509_V_FLAG_NO_CHECK_TIME);
	(void)X509_verify_cert(sctx);
	e->chain = X509_STORE_CTX_get1_chain(sctx);
	{
		int top = sk_X509_num(e->chain) - 1;
		e->trusted = top >= 0 && st_context_is_anchor(ctx, sk_X509_value(e->chain, top));
	}
	for (int i = 0; i < col.n; i++) {
		int err = col.e[i].err;
		X509 *x = col.e[i].cert;

		cn_of(x, name, sizeof(name));
		switch (err) {
		case X509_V_ERR_CERT_HAS_EXPIRED:
		case X509_V_ERR_CERT_NOT_YET_VALID:
			break; /* judged per use, against the verification time */
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
			ST_ADD(&e->problems, ts ? ST_R_TIMESTAMP_INVALID : ST_R_SELF_SIGNED, ST_VERDICT_UNTRUSTED,
			     "signer certificate '%s' is self-signed and not a trust anchor", name);
			break;
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
			ST_ADD(&e->problems, untrusted_code, ST_VERDICT_UNTRUSTED,
			     "chain ends at self-signed '%s', which is not a trust anchor", name);
			break;
		case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
			if (criticals_accepted(pol, x))
				break;
			ST_ADD(&e->problems, ts ? ST_R_TIMESTAMP_INVALID : ST_R_CHAIN_INVALID, ST_VERDICT_INVALID,
			     "certificate '%s' (depth %d) has a critical extension sigtrace does not know",
			     name, col.e[i].depth);
			break;
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		case X509_V_ERR_CERT_UNTRUSTED: {
			char *iss = x ? st_name_cn(X509_get_issuer_name(x)) : NULL;
			rc = st_reasons_add(&e->problems, untrusted_code, ST_VERDICT_UNTRUSTED,
					    "issuer '%s' of '%s' is neither in the signature nor a trust anchor",
					    iss ? iss : "?", name);
			free(iss);
			if (rc)
				goto enomem;
			break;
		}
		default:
			ST_ADD(&e->problems, ts ? ST_R_TIMESTAMP_INVALID : ST_R_CHAIN_INVALID, ST_VERDICT_INVALID,
			     "certificate '%s' (depth %d): %s", name, col.e[i].depth,
			     X509_verify_cert_error_string(err));
			break;
		}
	}
	if (!e->trusted && e->problems.n == 0)
		ST_ADD(&e->problems, untrusted_code, ST_VERDICT_UNTRUSTED, "chain does not end at a trust anchor");

	for (int i = 0; i < sk_X509_num(e->chain); i++) {
		X509 *x = sk_X509_value(e->chain, i);
		uint32_t xku, flags = X509_get_extension_flags(x);

		if (explicit_ec(x))
			ST_ADD(&e->problems, ts ? ST_R_TIMESTAMP_INVALID : ST_R_CHAIN_INVALID, ST_VERDICT_INVALID,
			     "certificate '%s' uses explicit EC curve parameters (curve spoofing, CVE-2020-0601)",
			     cn_of(x, name, sizeof(name)));
		if (st_context_is_anchor(ctx, x))
			continue;
		xku = X509_get_extended_key_usage(x);
		if (i == 0 && !ts) {
			if ((flags & EXFLAG_XKUSAGE) && !(xku & XKU_CODE_SIGN))
				ST_ADD(&e->problems, ST_R_EKU_NOT_CODE_SIGNING, ST_VERDICT_INVALID,
				     "signer certificate '%s' lacks the codeSigning extended key usage",
				     cn_of(x, name, sizeof(name)));
			if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE))
				ST_ADD(&e->problems, ST_R_KEY_USAGE, ST_VERDICT_INVALID,
				     "signer certificate '%s' key usage does not allow digitalSignature",
				     cn_of(x, name, sizeof(name)));
		} else if (i == 0 && ts) {
			if (!(flags & EXFLAG_XKUSAGE) || !(xku & XKU_TIMESTAMP))
				ST_ADD(&e->problems, ST_R_TIMESTAMP_INVALID, ST_VERDICT_INVALID,
				     "TSA certificate '%s' lacks the timeStamping extended key usage",
				     cn_of(x, name, sizeof(name)));
		} else if (i > 0 && (flags & EXFLAG_XKUSAGE) && !(xku & XKU_ANYEKU) &&
			   !(xku & (ts ? XKU_TIMESTAMP : XKU_CODE_SIGN))) {
			ST_ADD(&e->problems, ts ? ST_R_TIMESTAMP_INVALID : ST_R_EKU_NOT_CODE_SIGNING, ST_VERDICT_INVALID,
			     "issuing certificate '%s' restricts extended key usages and excludes %s",
			     cn_of(x, name, sizeof(name)), ts ? "timeStamping" : "codeSigning");
		}
	}
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	X509_STORE_CTX_free(sctx);
	ERR_clear_error();
	return rc;
}

static void make_key(X509 *leaf, STACK_OF(X509) *pool, const struct st_chain_policy *pol,
		     uint8_t key[32])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len;
	uint8_t u = (uint8_t)pol->usage;

	EVP_DigestInit_ex(m, st_md_sha256(), NULL);
	EVP_DigestUpdate(m, &u, 1);
	EVP_DigestUpdate(m, pol->name, strlen(pol->name) + 1);
	if (X509_digest(leaf, EVP_sha1(), md, &len))
		EVP_DigestUpdate(m, md, len);
	/* The pool's order does not change the chain OpenSSL builds from
	 * it in practice; it is part of the key anyway, for exactness. */
	for (int i = 0; i < sk_X509_num(pool); i++)
		if (X509_digest(sk_X509_value(pool, i), EVP_sha1(), md, &len))
			EVP_DigestUpdate(m, md, len);
	EVP_DigestFinal_ex(m, key, &len);
	EVP_MD_CTX_free(m);
}

/* Copies the cached chain (new references) and problems into out/rs. */
static int apply(const struct chain_entry *e, int64_t at, bool ts, st_reasons *rs,
		 const char *what, struct st_chain_result *out)
{
	char name[160], when[32], bound[32];

	out->trusted = e->trusted;
	out->problems = e->problems.n > 0;
	out->chain = sk_X509_dup(e->chain);
	if (!out->chain)
		return ST_ENOMEM;
	for (int i = 0; i < sk_X509_num(out->chain); i++)
		X509_up_ref(sk_X509_value(out->chain, i));
	for (size_t i = 0; i < e->problems.n; i++)
		if (st_reasons_add(rs, e->problems.v[i].code, e->problems.v[i].effect, "%s: %s",
				   what, e->problems.v[i].detail))
			return ST_ENOMEM;
	st_format_time(at, when, sizeof(when));
	for (int i = 0; i < sk_X509_num(out->chain); i++) {
		X509 *x = sk_X509_value(out->chain, i);
		int64_t nb = st_asn1_time(X509_get0_notBefore(x));
		int64_t na = st_asn1_time(X509_get0_notAfter(x));

		if (na != ST_TIME_NONE && at > na) {
			st_format_time(na, bound, sizeof(bound));
			if (st_reasons_add(rs, ts ? ST_R_TIMESTAMP_INVALID : ST_R_CERT_EXPIRED,
					   ST_VERDICT_INVALID,
					   "%s: certificate '%s' expired %s, before the verification time %s",
					   what, cn_of(x, name, sizeof(name)), bound, when))
				return ST_ENOMEM;
			out->problems = true;
		} else if (nb != ST_TIME_NONE && at < nb) {
			st_format_time(nb, bound, sizeof(bound));
			if (st_reasons_add(rs, ts ? ST_R_TIMESTAMP_INVALID : ST_R_CERT_NOT_YET_VALID,
					   ST_VERDICT_INVALID,
					   "%s: certificate '%s' is valid only from %s, after the verification time %s",
					   what, cn_of(x, name, sizeof(name)), bound, when))
				return ST_ENOMEM;
			out->problems = true;
		} else if (nb == ST_TIME_NONE || na == ST_TIME_NONE) {
			if (st_reasons_add(rs, ts ? ST_R_TIMESTAMP_INVALID : ST_R_CHAIN_INVALID,
					   ST_VERDICT_INVALID,
					   "%s: certificate '%s' has an unreadable validity period",
					   what, cn_of(x, name, sizeof(name))))
				return ST_ENOMEM;
			out->problems = true;
		}
	}
	return ST_OK;
}

int st_chain_verify(const st_context *ctx, X509 *leaf, STACK_OF(X509) *pool,
		    int64_t at, const struct st_chain_policy *pol, st_reasons *rs,
		    const char *what, struct st_chain_result *out)
{
	bool ts = pol->usage == ST_USAGE_TIMESTAMPING;
	struct chain_entry *e, *stored;
	uint8_t key[32];
	int rc;

	memset(out, 0, sizeof(*out));
	make_key(leaf, pool, pol, key);
	e = st_cache_get(ctx->chains, key);
	if (!e) {
		/* Built outside any lock; a concurrent build of the same key
		 * only costs time. */
		e = calloc(1, sizeof(*e));
		if (!e)
			return ST_ENOMEM;
		e->refs = 1;
		rc = build(ctx, leaf, pool, pol, e);
		if (rc) {
			entry_unref(e);
			return rc;
		}
		stored = st_cache_put(ctx->chains, key, e);
		if (stored) {
			entry_unref(e);
			e = stored;
		}
	}
	rc = apply(e, at, ts, rs, what, out);
	entry_unref(e);
	if (rc == ST_OK)
		rc = st_revocation_check(ctx, out->chain, ts, rs, what);
	return rc;
}

void st_chain_result_clear(struct st_chain_result *r)
{
	sk_X509_pop_free(r->chain, X509_free);
	r->chain = NULL;
}

int st_chain_export(const st_context *ctx, STACK_OF(X509) *chain,
		    st_cert ***out, size_t *n)
{
	int cnt = sk_X509_num(chain);
	st_cert **v;

	*out = NULL;
	*n = 0;
	if (cnt <= 0)
		return ST_OK;
	v = calloc((size_t)cnt, sizeof(*v));
	if (!v)
		return ST_ENOMEM;
	for (int i = 0; i < cnt; i++) {
		v[i] = st_cert_rendered(ctx, sk_X509_value(chain, i));
		if (!v[i]) {
			for (int j = 0; j < i; j++)
				st_cert_unref(v[j]);
			free(v);
			return ST_ENOMEM;
		}
	}
	*out = v;
	*n = (size_t)cnt;
	return ST_OK;
}

int st_chain_check_keys(const st_context *ctx, STACK_OF(X509) *chain,
			st_reasons *rs, const char *what)
{
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		EVP_PKEY *pk = X509_get0_pubkey(x);
		int bits, type, min;
		char *cn;

		if (!pk || st_context_is_anchor(ctx, x))
			continue;
		bits = EVP_PKEY_get_bits(pk);
		type = EVP_PKEY_get_base_id(pk);
		if (type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS || type == EVP_PKEY_DSA)
			min = 2048;
		else if (type == EVP_PKEY_EC)
			min = 256;
		else
			continue;
		if (bits >= min)
			continue;
		cn = st_name_cn(X509_get_subject_name(x));
		/* 1024-bit RSA was standard for code signing until 2013 and
		 * still verifies on Windows: a warning. Below that, keys are
		 * factorable in practice: the signature proves nothing. */
		if (st_reasons_add(rs, ST_R_WEAK_KEY,
				   (type != EVP_PKEY_EC && bits < 1024) || (type == EVP_PKEY_EC && bits < 224)
					   ? ST_VERDICT_INVALID : ST_VERDICT_VALID,
				   "%s: certificate '%s' has a %d-bit %s key", what,
				   cn ? cn : "?", bits, type == EVP_PKEY_EC ? "EC" : "RSA/DSA")) {
			free(cn);
			return ST_ENOMEM;
		}
		free(cn);
	}
	return ST_OK;
}

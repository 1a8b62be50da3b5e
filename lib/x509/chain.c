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
	const struct st_trust *trust;
};

static int verify_cb(int ok, X509_STORE_CTX *sctx)
{
	struct collected *c = X509_STORE_CTX_get_app_data(sctx);

	/* A trust anchor is trusted as it is: roots without basicConstraints
	 * (Microsoft Root Authority, 1997, a v3 certificate whose only
	 * extension is the obsolete 2.5.29.1) anchor chains on Windows, and
	 * genuine Microsoft tools of 2000-2010 chain to it (signtool.exe of
	 * the Windows 7 SDK in grunt-electron-installer 0.31.0). */
	if (!ok && c && X509_STORE_CTX_get_error(sctx) == X509_V_ERR_INVALID_CA &&
	    st_trust_anchor_of(c->trust, X509_STORE_CTX_get_current_cert(sctx)))
		return 1;
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
	/* Another path to another anchor, built when this one ends at a root
	 * the root program restricts for the usage: Windows' chain engine
	 * takes the path that is valid for the usage (Certum's timestamp
	 * tokens carry a cross-certificate from "Certum Trusted Network CA 2",
	 * not trusted for time stamping, to "Certum Trusted Network CA",
	 * which is; innosetup-compiler 6.3.1). */
	struct chain_entry *alt;
};

static void entry_free(struct chain_entry *e)
{
	if (e->alt)
		entry_free(e->alt);
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

const struct st_chain_policy st_policy_windows_timestamps = {
	.usage = ST_USAGE_TIMESTAMPING, .profile = ST_PROFILE_WINDOWS, .name = "windows-ts",
	.expired = ST_VERDICT_INVALID, .expired_proven = ST_VERDICT_INVALID,
	.eku = ST_VERDICT_INVALID, .timestamps = NULL,
};
/* Judges the chain as Windows does (same name: the same cached chains);
 * only the effect of a failure differs, applied by st_timestamp_verify. */
const struct st_chain_policy st_policy_uefi_timestamps = {
	.usage = ST_USAGE_TIMESTAMPING, .profile = ST_PROFILE_WINDOWS, .name = "windows-ts",
	.expired = ST_VERDICT_INVALID, .expired_proven = ST_VERDICT_INVALID,
	.eku = ST_VERDICT_INVALID, .timestamps = NULL, .advisory = true,
};
const struct st_chain_policy st_policy_windows = {
	.usage = ST_USAGE_CODE_SIGNING, .profile = ST_PROFILE_WINDOWS, .name = "windows",
	.expired = ST_VERDICT_INVALID, .expired_proven = ST_VERDICT_INVALID,
	.eku = ST_VERDICT_INVALID, .timestamps = &st_policy_windows_timestamps,
};
/* EDK2 (DxeImageVerificationLib through Pkcs7Verify): X509_PURPOSE_ANY,
 * X509_V_FLAG_PARTIAL_CHAIN and X509_V_FLAG_NO_CHECK_TIME. */
const struct st_chain_policy st_policy_uefi = {
	.usage = ST_USAGE_CODE_SIGNING, .profile = ST_PROFILE_UEFI, .name = "uefi",
	.expired = ST_VERDICT_VALID, .expired_proven = ST_VERDICT_VALID,
	.eku = ST_VERDICT_VALID, .partial_chain = true,
	.timestamps = &st_policy_uefi_timestamps,
};

const char *st_profile_name(int profile)
{
	static const char *const names[] = { "windows", "apple", "uefi" };

	return profile >= 0 && profile < ST_PROFILE__COUNT ? names[profile] : NULL;
}

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
		 const struct st_chain_policy *pol, bool untrusted_first, struct chain_entry *e)
{
	enum st_usage usage = pol->usage;
	X509_STORE_CTX *sctx = X509_STORE_CTX_new();
	struct collected col = { .n = 0 };
	bool ts = usage == ST_USAGE_TIMESTAMPING;
	st_reason untrusted_code = ts ? ST_R_TIMESTAMP_INVALID : ST_R_UNTRUSTED_ROOT;
	char name[160];
	int rc = ST_OK;

	col.trust = ctx->trust;
	if (!sctx || !ctx->trust->stores[pol->profile] ||
	    !X509_STORE_CTX_init(sctx, ctx->trust->stores[pol->profile], leaf, pool)) {
		X509_STORE_CTX_free(sctx);
		return ST_ENOMEM;
	}
	X509_STORE_CTX_set_app_data(sctx, &col);
	X509_STORE_CTX_set_verify_cb(sctx, verify_cb);
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(sctx),
				    X509_V_FLAG_NO_CHECK_TIME |
					    (pol->partial_chain ? X509_V_FLAG_PARTIAL_CHAIN : 0));
	/* The alternate path: the signature's own certificates before the
	 * store, so a cross-certificate leads past a self-signed anchor of the
	 * same name. */
	if (untrusted_first)
		X509_VERIFY_PARAM_clear_flags(X509_STORE_CTX_get0_param(sctx),
					      X509_V_FLAG_TRUSTED_FIRST);
	(void)X509_verify_cert(sctx);
	e->chain = X509_STORE_CTX_get1_chain(sctx);
	{
		int top = sk_X509_num(e->chain) - 1;
		const struct st_anchor *a = top >= 0
			? st_trust_anchor_of(ctx->trust, sk_X509_value(e->chain, top)) : NULL;
		e->trusted = a && (a->profiles & ST_PROFILE_BIT(pol->profile));
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
	/* What the host itself would say (--host-trust): a root it added to
	 * its own Root store makes the chain good there (T1553.004). */
	if (!e->trusted && !ts && sk_X509_num(e->chain) > 0) {
		const struct st_host_cert *h =
			st_trust_host_root(ctx->trust, sk_X509_value(e->chain, sk_X509_num(e->chain) - 1));
		if (h) {
			char *cn = st_name_cn(X509_get_subject_name(h->x));
			rc = st_reasons_add(&e->problems, ST_R_HOST_ROOT, ST_VERDICT_UNTRUSTED,
					    "the chain ends at '%s' (SHA-1 %s), which the host added to its "
					    "%s store (%s): Windows on that host accepts the signature, "
					    "Microsoft's root program does not list the root",
					    cn ? cn : "?", h->sha1, h->store, h->origin);
			free(cn);
			if (rc)
				goto enomem;
		}
	}

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
			if ((flags & EXFLAG_XKUSAGE) && !(xku & XKU_CODE_SIGN) &&
			    !(pol->signer_eku && st_cert_has_eku(x, pol->signer_eku)))
				ST_ADD(&e->problems, ST_R_EKU_NOT_CODE_SIGNING, pol->eku,
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
			ST_ADD(&e->problems, ts ? ST_R_TIMESTAMP_INVALID : ST_R_EKU_NOT_CODE_SIGNING, pol->eku,
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

/*
 * Microsoft's granular deprecation of program roots (the root list's
 * attributes): a root trusted only for other uses, a disallowed date no
 * valid timestamp predates, a not-before date the signer certificate was
 * issued after. Returns the detail of the first that applies, or false.
 */
static bool root_distrusted(const st_context *ctx, const struct chain_entry *e, int64_t at,
			    bool proven, bool ts, char *why, size_t wl)
{
	X509 *top = sk_X509_value(e->chain, sk_X509_num(e->chain) - 1);
	X509 *leaf = sk_X509_value(e->chain, 0);
	const struct st_anchor *a = st_trust_anchor_of(ctx->trust, top);
	unsigned bit = ts ? ST_EKU_TIME_STAMPING : ST_EKU_CODE_SIGNING;
	const char *use = ts ? "time stamping" : "code signing";
	char when[32], lname[160];

	if (!a || !a->program)
		return false;
	if (!a->any_eku && !(a->ekus & bit)) {
		snprintf(why, wl, "Microsoft's Trusted Root Program trusts root '%s' for %s only, not %s",
			 a->name, a->eku_text && *a->eku_text ? a->eku_text : "no use", use);
		return true;
	}
	if (a->disallowed != ST_TIME_NONE && (!a->disallowed_ekus || (a->disallowed_ekus & bit)) &&
	    at >= a->disallowed) {
		st_format_time(a->disallowed, when, sizeof(when));
		snprintf(why, wl, "Microsoft's Trusted Root Program distrusts root '%s' for %s from %s, and %s",
			 a->name, use, when,
			 proven ? "the timestamp is not older" : "no valid timestamp proves the signature older");
		return true;
	}
	if (a->not_before != ST_TIME_NONE && (!a->not_before_ekus || (a->not_before_ekus & bit)) &&
	    leaf != top && st_asn1_time(X509_get0_notBefore(leaf)) >= a->not_before) {
		st_format_time(a->not_before, when, sizeof(when));
		snprintf(why, wl, "certificate '%s' was issued after %s, from when Microsoft's Trusted Root Program distrusts what root '%s' issues for %s",
			 cn_of(leaf, lname, sizeof(lname)), when, a->name, use);
		return true;
	}
	return false;
}

/* Copies the cached chain (new references) and problems into out/rs, then
 * judges what depends on the time: the roots' deprecation and every
 * certificate's validity period. */
/* Whether the chain ends at a program root the program restricts for the
 * usage at some time (another path may avoid it). */
static bool root_restricted(const st_context *ctx, const struct chain_entry *e, bool ts)
{
	const struct st_anchor *a;
	unsigned bit = ts ? ST_EKU_TIME_STAMPING : ST_EKU_CODE_SIGNING;

	if (!e->trusted || sk_X509_num(e->chain) == 0)
		return false;
	a = st_trust_anchor_of(ctx->trust, sk_X509_value(e->chain, sk_X509_num(e->chain) - 1));
	return a && a->program &&
	       ((!a->any_eku && !(a->ekus & bit)) ||
		(a->disallowed != ST_TIME_NONE && (!a->disallowed_ekus || (a->disallowed_ekus & bit))) ||
		(a->not_before != ST_TIME_NONE && (!a->not_before_ekus || (a->not_before_ekus & bit))));
}

static int apply(const st_context *ctx, const struct chain_entry *e, int64_t at, bool proven,
		 const struct st_chain_policy *pol, st_reasons *rs, const char *what,
		 struct st_chain_result *out)
{
	bool ts = pol->usage == ST_USAGE_TIMESTAMPING;
	char name[160], when[32], bound[32], why[1024];
	st_verdict time_effect;
	const char *note = "";

	if (e->alt && e->trusted && pol->profile == ST_PROFILE_WINDOWS &&
	    root_distrusted(ctx, e, at, proven, ts, why, sizeof(why)) &&
	    !root_distrusted(ctx, e->alt, at, proven, ts, why, sizeof(why)))
		e = e->alt;
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
	if (e->trusted && pol->profile == ST_PROFILE_WINDOWS &&
	    root_distrusted(ctx, e, at, proven, ts, why, sizeof(why))) {
		if (st_reasons_add(rs, ts ? ST_R_TIMESTAMP_INVALID : ST_R_ROOT_DISTRUSTED,
				   ST_VERDICT_UNTRUSTED, "%s: %s", what, why))
			return ST_ENOMEM;
		out->trusted = false;
		out->problems = true;
	}
	/* The dates of certificates nobody vouches for prove nothing: outside
	 * a trusted chain they weigh as much as the missing trust. */
	time_effect = !out->trusted ? ST_VERDICT_UNTRUSTED
		    : proven ? pol->expired_proven : pol->expired;
	if (out->trusted && time_effect == ST_VERDICT_VALID)
		note = pol->profile == ST_PROFILE_UEFI
			       ? " (a warning: UEFI firmware checks no validity period)"
			       : " (a warning: macOS accepts an expired certificate when no timestamp proves the signing time and the code does not ask for expiry checks)";
	st_format_time(at, when, sizeof(when));
	for (int i = 0; i < sk_X509_num(out->chain); i++) {
		X509 *x = sk_X509_value(out->chain, i);
		int64_t nb = st_asn1_time(X509_get0_notBefore(x));
		int64_t na = st_asn1_time(X509_get0_notAfter(x));

		if (na != ST_TIME_NONE && at > na) {
			st_format_time(na, bound, sizeof(bound));
			if (st_reasons_add(rs, ts ? ST_R_TIMESTAMP_INVALID : ST_R_CERT_EXPIRED, time_effect,
					   "%s: certificate '%s' expired %s, before the verification time %s%s",
					   what, cn_of(x, name, sizeof(name)), bound, when, note))
				return ST_ENOMEM;
			out->problems = true;
		} else if (nb != ST_TIME_NONE && at < nb) {
			st_format_time(nb, bound, sizeof(bound));
			if (st_reasons_add(rs, ts ? ST_R_TIMESTAMP_INVALID : ST_R_CERT_NOT_YET_VALID,
					   time_effect,
					   "%s: certificate '%s' is valid only from %s, after the verification time %s%s",
					   what, cn_of(x, name, sizeof(name)), bound, when, note))
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
		    int64_t at, bool proven, const struct st_chain_policy *pol, st_reasons *rs,
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
		rc = build(ctx, leaf, pool, pol, false, e);
		if (rc == ST_OK && pol->profile == ST_PROFILE_WINDOWS && root_restricted(ctx, e, ts)) {
			struct chain_entry *alt = calloc(1, sizeof(*alt));
			rc = alt ? build(ctx, leaf, pool, pol, true, alt) : ST_ENOMEM;
			/* Kept only when it leads to another trusted anchor. */
			if (rc == ST_OK && alt->trusted &&
			    X509_cmp(sk_X509_value(alt->chain, sk_X509_num(alt->chain) - 1),
				     sk_X509_value(e->chain, sk_X509_num(e->chain) - 1)) != 0)
				e->alt = alt;
			else if (alt) {
				alt->refs = 1;
				entry_free(alt);
			}
		}
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
	rc = apply(ctx, e, at, proven, pol, rs, what, out);
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

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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authenticode/spc.h"
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

static void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == ST_TIME_NONE || !gmtime_r(&tt, &tm))
		snprintf(buf, len, "?");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
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

#define ADDR(code, eff, ...)                                               \
	do {                                                               \
		if (st_reasons_add(rs, code, eff, __VA_ARGS__))            \
			goto enomem;                                       \
	} while (0)

int st_chain_verify(const st_context *ctx, X509 *leaf, STACK_OF(X509) *pool,
		    int64_t at, enum st_usage usage, st_reasons *rs,
		    const char *what, struct st_chain_result *out)
{
	X509_STORE_CTX *sctx = X509_STORE_CTX_new();
	struct collected col = { .n = 0 };
	bool ts = usage == ST_USAGE_TIMESTAMPING;
	char name[160], when[32], bound[32];
	int rc = ST_OK;

	memset(out, 0, sizeof(*out));
	if (!sctx || !X509_STORE_CTX_init(sctx, ctx->store, leaf, pool)) {
		X509_STORE_CTX_free(sctx);
		return ST_ENOMEM;
	}
	X509_STORE_CTX_set_app_data(sctx, &col);
	X509_STORE_CTX_set_verify_cb(sctx, verify_cb);
	X509_STORE_CTX_set_time(sctx, 0, (time_t)at);
	(void)X509_verify_cert(sctx);
	out->chain = X509_STORE_CTX_get1_chain(sctx);
	fmt_time(at, when, sizeof(when));

	{
		int top = sk_X509_num(out->chain) - 1;
		out->trusted = top >= 0 &&
			st_context_is_anchor(ctx, sk_X509_value(out->chain, top));
	}

	for (int i = 0; i < col.n; i++) {
		int err = col.e[i].err;
		X509 *x = col.e[i].cert;
		const char *es = X509_verify_cert_error_string(err);

		cn_of(x, name, sizeof(name));
		switch (err) {
		case X509_V_ERR_CERT_HAS_EXPIRED:
			fmt_time(st_asn1_time(X509_get0_notAfter(x)), bound, sizeof(bound));
			ADDR(ts ? ST_R_TIMESTAMP_INVALID : ST_R_CERT_EXPIRED, ST_EFFECT_DEFAULT,
			     "%s: certificate '%s' expired %s, before the verification time %s",
			     what, name, bound, when);
			break;
		case X509_V_ERR_CERT_NOT_YET_VALID:
			fmt_time(st_asn1_time(X509_get0_notBefore(x)), bound, sizeof(bound));
			ADDR(ts ? ST_R_TIMESTAMP_INVALID : ST_R_CERT_NOT_YET_VALID, ST_EFFECT_DEFAULT,
			     "%s: certificate '%s' is valid only from %s, after the verification time %s",
			     what, name, bound, when);
			break;
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
			ADDR(ts ? ST_R_TIMESTAMP_INVALID : ST_R_SELF_SIGNED, ST_VERDICT_UNTRUSTED,
			     "%s: signer certificate '%s' is self-signed and not a trust anchor",
			     what, name);
			break;
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
			ADDR(ts ? ST_R_TIMESTAMP_INVALID : ST_R_UNTRUSTED_ROOT, ST_VERDICT_UNTRUSTED,
			     "%s: chain ends at self-signed '%s', which is not a trust anchor",
			     what, name);
			break;
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		case X509_V_ERR_CERT_UNTRUSTED: {
			char *iss = x ? st_name_cn(X509_get_issuer_name(x)) : NULL;
			ADDR(ts ? ST_R_TIMESTAMP_INVALID : ST_R_UNTRUSTED_ROOT, ST_VERDICT_UNTRUSTED,
			     "%s: issuer '%s' of '%s' is neither in the signature nor a trust anchor",
			     what, iss ? iss : "?", name);
			free(iss);
			break;
		}
		default:
			ADDR(ts ? ST_R_TIMESTAMP_INVALID : ST_R_CHAIN_INVALID, ST_VERDICT_INVALID,
			     "%s: certificate '%s' (depth %d): %s", what, name,
			     col.e[i].depth, es);
			break;
		}
		out->problems = true;
	}
	if (!out->trusted && col.n == 0) {
		/* OpenSSL accepted a chain whose top is not one of ours. */
		ADDR(ts ? ST_R_TIMESTAMP_INVALID : ST_R_UNTRUSTED_ROOT, ST_VERDICT_UNTRUSTED,
		     "%s: chain does not end at a trust anchor", what);
		out->problems = true;
	}

	for (int i = 0; i < sk_X509_num(out->chain); i++) {
		X509 *x = sk_X509_value(out->chain, i);
		uint32_t xku;

		if (explicit_ec(x)) {
			ADDR(ts ? ST_R_TIMESTAMP_INVALID : ST_R_CHAIN_INVALID, ST_VERDICT_INVALID,
			     "%s: certificate '%s' uses explicit EC curve parameters (curve spoofing, CVE-2020-0601)",
			     what, cn_of(x, name, sizeof(name)));
			out->problems = true;
		}
		if (st_context_is_anchor(ctx, x))
			continue;
		xku = X509_get_extended_key_usage(x);
		if (i == 0 && !ts) {
			uint32_t ku = X509_get_key_usage(x);
			if ((X509_get_extension_flags(x) & EXFLAG_XKUSAGE) &&
			    !(xku & XKU_CODE_SIGN)) {
				ADDR(ST_R_EKU_NOT_CODE_SIGNING, ST_EFFECT_DEFAULT,
				     "%s: signer certificate '%s' lacks the codeSigning extended key usage",
				     what, cn_of(x, name, sizeof(name)));
				out->problems = true;
			}
			if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) &&
			    !(ku & KU_DIGITAL_SIGNATURE)) {
				ADDR(ST_R_KEY_USAGE, ST_EFFECT_DEFAULT,
				     "%s: signer certificate '%s' key usage does not allow digitalSignature",
				     what, cn_of(x, name, sizeof(name)));
				out->problems = true;
			}
		} else if (i == 0 && ts) {
			if (!(X509_get_extension_flags(x) & EXFLAG_XKUSAGE) ||
			    !(xku & XKU_TIMESTAMP)) {
				ADDR(ST_R_TIMESTAMP_INVALID, ST_EFFECT_DEFAULT,
				     "%s: TSA certificate '%s' lacks the timeStamping extended key usage",
				     what, cn_of(x, name, sizeof(name)));
				out->problems = true;
			}
		} else if (i > 0 && (X509_get_extension_flags(x) & EXFLAG_XKUSAGE) &&
			   !(xku & XKU_ANYEKU) &&
			   !(xku & (ts ? XKU_TIMESTAMP : XKU_CODE_SIGN))) {
			ADDR(ts ? ST_R_TIMESTAMP_INVALID : ST_R_EKU_NOT_CODE_SIGNING, ST_EFFECT_DEFAULT,
			     "%s: issuing certificate '%s' restricts extended key usages and excludes %s",
			     what, cn_of(x, name, sizeof(name)), ts ? "timeStamping" : "codeSigning");
			out->problems = true;
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

void st_chain_result_clear(struct st_chain_result *r)
{
	sk_X509_pop_free(r->chain, X509_free);
	r->chain = NULL;
}

int st_chain_export(const st_context *ctx, STACK_OF(X509) *chain,
		    st_cert **out, size_t *n)
{
	int cnt = sk_X509_num(chain);
	st_cert *v;

	*out = NULL;
	*n = 0;
	if (cnt <= 0)
		return ST_OK;
	v = calloc((size_t)cnt, sizeof(*v));
	if (!v)
		return ST_ENOMEM;
	for (int i = 0; i < cnt; i++) {
		X509 *x = sk_X509_value(chain, i);
		if (st_cert_fill(&v[i], x, st_context_is_anchor(ctx, x))) {
			for (int j = 0; j < i; j++)
				st_cert_clear(&v[j]);
			free(v);
			return ST_ENOMEM;
		}
	}
	*out = v;
	*n = (size_t)cnt;
	return ST_OK;
}

/* Certificate trust lists (ctl.h): templates, parsing, signature. */
#include "x509/ctl.h"

#include <openssl/asn1t.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/result.h"
#include "x509/chain.h"
#include "x509/signer_info.h"
#include "x509/x509_util.h"

typedef struct {
	ASN1_OCTET_STRING *id;
	STACK_OF(X509_ATTRIBUTE) *attrs;
} ST_CTL_SUBJECT;

DEFINE_STACK_OF(ST_CTL_SUBJECT)

typedef struct {
	ASN1_INTEGER *version;
	STACK_OF(ASN1_OBJECT) *usage;
	ASN1_OCTET_STRING *list_id;
	ASN1_INTEGER *sequence;
	ASN1_TIME *this_update;
	ASN1_TIME *next_update;
	X509_ALGOR *subject_alg;
	STACK_OF(ST_CTL_SUBJECT) *subjects;
	STACK_OF(X509_EXTENSION) *extensions;
} ST_CTL;

DECLARE_ASN1_FUNCTIONS(ST_CTL_SUBJECT)
DECLARE_ASN1_FUNCTIONS(ST_CTL)

ASN1_SEQUENCE(ST_CTL_SUBJECT) = {
	ASN1_SIMPLE(ST_CTL_SUBJECT, id, ASN1_OCTET_STRING),
	ASN1_SET_OF_OPT(ST_CTL_SUBJECT, attrs, X509_ATTRIBUTE)
} ASN1_SEQUENCE_END(ST_CTL_SUBJECT)
IMPLEMENT_ASN1_FUNCTIONS(ST_CTL_SUBJECT)

ASN1_SEQUENCE(ST_CTL) = {
	ASN1_OPT(ST_CTL, version, ASN1_INTEGER),
	ASN1_SEQUENCE_OF(ST_CTL, usage, ASN1_OBJECT),
	ASN1_OPT(ST_CTL, list_id, ASN1_OCTET_STRING),
	ASN1_OPT(ST_CTL, sequence, ASN1_INTEGER),
	ASN1_SIMPLE(ST_CTL, this_update, ASN1_TIME),
	ASN1_OPT(ST_CTL, next_update, ASN1_TIME),
	ASN1_SIMPLE(ST_CTL, subject_alg, X509_ALGOR),
	ASN1_SEQUENCE_OF_OPT(ST_CTL, subjects, ST_CTL_SUBJECT),
	ASN1_EXP_SEQUENCE_OF_OPT(ST_CTL, extensions, X509_EXTENSION, 0)
} ASN1_SEQUENCE_END(ST_CTL)
IMPLEMENT_ASN1_FUNCTIONS(ST_CTL)

int64_t st_filetime(const uint8_t *p)
{
	uint64_t ft = 0;

	for (int i = 7; i >= 0; i--)
		ft = ft << 8 | p[i];
	return (int64_t)(ft / 10000000u) - 11644473600LL;
}

/* The value bytes of the CTL's SEQUENCE: what the messageDigest covers
 * (PKCS#7 digests the content without its tag and length). */
bool st_ctl_content(const struct st_ctl *c, const uint8_t **p, size_t *len)
{
	const ASN1_STRING *seq;
	const unsigned char *q, *q0;
	long clen;
	int tag, cls, r;

	if (!c->sd.content || c->sd.content->type != V_ASN1_SEQUENCE)
		return false;
	seq = c->sd.content->value.sequence;
	q = q0 = ASN1_STRING_get0_data(seq);
	r = ASN1_get_object(&q, &clen, &tag, &cls, ASN1_STRING_length(seq));
	if ((r & 0x80) || r == 0x21)
		return false;
	*p = q;
	*len = (size_t)clen;
	return (size_t)(q - q0) + (size_t)clen <= (size_t)ASN1_STRING_length(seq);
}

int st_ctl_parse(const st_context *ctx, const uint8_t *der, size_t len, struct st_ctl *out,
		 char *why, size_t whylen)
{
	const unsigned char *p;
	ST_CTL *list;
	size_t used;
	int rc, n;

	memset(out, 0, sizeof(*out));
	rc = st_sd_parse(ctx, der, len, &out->sd, &used, why, whylen);
	if (rc)
		return rc;
	if (!st_oid_is(out->sd.content_type, OID_CTL) || !out->sd.content ||
	    out->sd.content->type != V_ASN1_SEQUENCE) {
		st_ctl_clear(out);
		ST_PARSE_FAIL("not a certificate trust list (content type is not 1.3.6.1.4.1.311.10.1)");
	}
	p = ASN1_STRING_get0_data(out->sd.content->value.sequence);
	list = d2i_ST_CTL(NULL, &p, ASN1_STRING_length(out->sd.content->value.sequence));
	ERR_clear_error();
	if (!list) {
		st_ctl_clear(out);
		ST_PARSE_FAIL("the certificate trust list cannot be parsed");
	}
	out->list = list;
	if (sk_ASN1_OBJECT_num(list->usage) > 0)
		st_oid_text(sk_ASN1_OBJECT_value(list->usage, 0), out->usage, sizeof(out->usage));
	out->this_update = st_asn1_time(list->this_update);
	if (list->sequence) {
		BIGNUM *bn = ASN1_INTEGER_to_BN(list->sequence, NULL);
		char *hex = bn ? BN_bn2hex(bn) : NULL;
		snprintf(out->sequence, sizeof(out->sequence), "%s", hex ? hex : "");
		OPENSSL_free(hex);
		BN_free(bn);
	}
	{
		const ASN1_OBJECT *o;
		X509_ALGOR_get0(&o, NULL, NULL, list->subject_alg);
		out->subject_alg = OBJ_obj2nid(o);
		st_oid_text(o, out->subject_alg_oid, sizeof(out->subject_alg_oid));
	}
	n = sk_ST_CTL_SUBJECT_num(list->subjects);
	if (n > ST_LIMIT_CTL_ENTRIES) {
		snprintf(why, whylen, "the trust list has %d entries, more than %d", n,
			 ST_LIMIT_CTL_ENTRIES);
		st_ctl_clear(out);
		return ST_PARSE_LIMIT;
	}
	if (n > 0) {
		out->entries = calloc((size_t)n, sizeof(*out->entries));
		if (!out->entries) {
			st_ctl_clear(out);
			return ST_ENOMEM;
		}
	}
	for (int i = 0; i < n; i++) {
		ST_CTL_SUBJECT *s = sk_ST_CTL_SUBJECT_value(list->subjects, i);
		out->entries[i].id = ASN1_STRING_get0_data(s->id);
		out->entries[i].idlen = (size_t)ASN1_STRING_length(s->id);
		out->entries[i].attrs = s->attrs;
	}
	out->n = (size_t)n;
	return ST_OK;
}

void st_ctl_clear(struct st_ctl *c)
{
	ST_CTL_free(c->list);
	free(c->entries);
	st_sd_clear(&c->sd);
	memset(c, 0, sizeof(*c));
}

const ASN1_OCTET_STRING *st_ctl_prop(const struct st_ctl_entry *e, int prop)
{
	/* 1.3.6.1.4.1.311.10.11 as encoded; the property ID follows (one or
	 * two base-128 bytes). Compared as bytes: the root list has thousands
	 * of attributes, and converting each OID to text dominated loading. */
	static const uint8_t prefix[] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0a, 0x0b };
	uint8_t want[sizeof(prefix) + 2];
	size_t wl = sizeof(prefix);

	if (prop < 0 || prop >= 128 * 128)
		return NULL;
	memcpy(want, prefix, sizeof(prefix));
	if (prop >= 128)
		want[wl++] = (uint8_t)(0x80 | (prop >> 7));
	want[wl++] = (uint8_t)(prop & 0x7f);
	for (int i = 0; i < sk_X509_ATTRIBUTE_num(e->attrs); i++) {
		X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(e->attrs, i);
		const ASN1_OBJECT *o = X509_ATTRIBUTE_get0_object(a);
		ASN1_TYPE *v;

		if ((size_t)OBJ_length(o) != wl || memcmp(OBJ_get0_data(o), want, wl) != 0)
			continue;
		if (X509_ATTRIBUTE_count(a) != 1)
			return NULL;
		v = X509_ATTRIBUTE_get0_type(a, 0);
		return v && v->type == V_ASN1_OCTET_STRING ? v->value.octet_string : NULL;
	}
	return NULL;
}

bool st_ctl_signed_by(const struct st_ctl *c, STACK_OF(X509) *roots, const char *signer_eku,
		      char *why, size_t whylen)
{
	struct st_signer_check chk;
	st_reasons rs = { 0 };
	X509_STORE *store = NULL;
	X509_STORE_CTX *sctx = NULL;
	const uint8_t *content;
	size_t clen;
	bool ok = false;

	if (sk_ST_SIGNER_INFO_num(c->sd.signers) != 1 || !st_ctl_content(c, &content, &clen)) {
		snprintf(why, whylen, "the trust list is not signed by exactly one signer");
		return false;
	}
	if (st_signer_check(sk_ST_SIGNER_INFO_value(c->sd.signers, 0), c->sd.certs, OID_CTL,
			    content, clen, &chk, &rs, ST_R_SIGNATURE_INVALID, "trust list", 0) ||
	    !chk.ok || !chk.cert) {
		snprintf(why, whylen, "%s", rs.n ? rs.v[0].detail : "the signature does not verify");
		goto out;
	}
	store = X509_STORE_new();
	sctx = X509_STORE_CTX_new();
	if (!store || !sctx)
		goto out;
	for (int i = 0; i < sk_X509_num(roots); i++)
		X509_STORE_add_cert(store, sk_X509_value(roots, i));
	if (!X509_STORE_CTX_init(sctx, store, chk.cert, c->sd.certs))
		goto out;
	/* Judged when the list was made: the publisher certificate may have
	 * expired since. */
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(sctx), (time_t)c->this_update);
	if (X509_verify_cert(sctx) != 1) {
		snprintf(why, whylen, "its signer chain does not end at a Microsoft root: %s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx)));
		goto out;
	}
	if (!st_cert_has_eku(chk.cert, signer_eku)) {
		snprintf(why, whylen, "its signer lacks the extended key usage %s", signer_eku);
		goto out;
	}
	ok = true;
out:
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	st_reasons_clear(&rs);
	ERR_clear_error();
	return ok;
}

const STACK_OF(X509_EXTENSION) *st_ctl_extensions(const struct st_ctl *c)
{
	return c->list ? ((const ST_CTL *)c->list)->extensions : NULL;
}

const ASN1_OCTET_STRING *st_ctl_list_id(const struct st_ctl *c)
{
	return c->list ? ((const ST_CTL *)c->list)->list_id : NULL;
}

/* Results as trees of parts, their signatures, and the public accessors. */
#include "core/result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *st_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

void st_hex_into(char *dst, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = digits[p[i] >> 4];
		dst[2 * i + 1] = digits[p[i] & 15];
	}
	dst[2 * n] = '\0';
}

char *st_hex(const uint8_t *p, size_t n)
{
	char *d = malloc(2 * n + 1);
	if (d)
		st_hex_into(d, p, n);
	return d;
}

/* ---- certificates ---------------------------------------------------------- */

st_cert *st_cert_ref(st_cert *c)
{
	if (c)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void st_cert_unref(st_cert *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(c->subject);
	free(c->issuer);
	free(c->subject_cn);
	free(c->issuer_cn);
	free(c->serial);
	free(c->key_alg);
	free(c->sig_alg);
	free(c->ekus);
	free(c->policies);
	free(c->critical_extensions);
	free(c);
}

/* ---- parts and signatures -------------------------------------------------- */

static void part_init(struct st_part *p, const char *kind)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->verdict = ST_VERDICT_NOT_EXECUTABLE;
}

st_result *st_result_new(uint64_t size)
{
	st_result *res = calloc(1, sizeof(*res));

	if (!res)
		return NULL;
	part_init(&res->root, "file");
	res->root.path = st_strdup("");
	if (!res->root.path) {
		free(res);
		return NULL;
	}
	res->root.size = size;
	return res;
}

int st_part_add_signature(struct st_part *p)
{
	st_signature *s;

	if (p->nsigs == p->sigcap) {
		size_t ncap = p->sigcap ? p->sigcap * 2 : 2;
		st_signature *nv = realloc(p->sigs, ncap * sizeof(*nv));
		if (!nv)
			return -1;
		p->sigs = nv;
		p->sigcap = ncap;
	}
	s = &p->sigs[p->nsigs];
	memset(s, 0, sizeof(*s));
	s->parent = -1;
	s->signing_time = ST_TIME_NONE;
	s->verification_time = ST_TIME_NONE;
	s->ts_time = ST_TIME_NONE;
	return (int)p->nsigs++;
}

struct st_part *st_part_add_child(struct st_part *p, const char *kind, const char *name,
				  bool constituent)
{
	struct st_part *c;
	size_t plen = strlen(p->path), nlen = strlen(name);

	if (p->nchildren == p->childcap) {
		size_t ncap = p->childcap ? p->childcap * 2 : 4;
		struct st_part **nv = realloc(p->children, ncap * sizeof(*nv));
		if (!nv)
			return NULL;
		p->children = nv;
		p->childcap = ncap;
	}
	c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	part_init(c, kind);
	c->parent = p;
	c->constituent = constituent;
	c->name = st_strdup(name);
	c->path = malloc(plen + nlen + 3);
	if (!c->name || !c->path) {
		free(c->name);
		free(c->path);
		free(c);
		return NULL;
	}
	snprintf(c->path, plen + nlen + 3, "%s%s%s", p->path, plen ? "//" : "", name);
	p->children[p->nchildren++] = c;
	return c;
}

/*
 * The verdict of a part (docs/reasons.md): its own reasons, its signatures
 * and its signed constituent children (unsigned ones are the format's to
 * judge, e.g. partially_signed) combine under its policy. A part with none
 * of them is unsigned, or malformed when a signature structure exists but
 * none could be verified.
 */
void st_part_finish(struct st_part *p)
{
	st_verdict own = st_reasons_worst(&p->reasons), worst = own, broken = ST_VERDICT_VALID;
	bool any = false, any_valid = false;

	st_reasons_clear(&p->all_reasons);
	(void)st_reasons_merge(&p->all_reasons, &p->reasons);
	for (size_t i = 0; i < p->nsigs + p->nchildren; i++) {
		st_verdict v;

		if (i < p->nsigs) {
			st_signature *s = &p->sigs[i];
			s->verdict = st_reasons_worst(&s->reasons);
			v = s->verdict;
			(void)st_reasons_merge(&p->all_reasons, &s->reasons);
		} else {
			const struct st_part *c = p->children[i - p->nsigs];
			if (!c->constituent)
				continue;
			(void)st_reasons_merge(&p->all_reasons, &c->all_reasons);
			if (c->verdict > ST_VERDICT_MALFORMED)
				continue; /* unsigned or not executable */
			v = c->verdict;
		}
		any = true;
		worst = st_verdict_max(worst, v);
		if (v >= ST_VERDICT_INVALID)
			broken = st_verdict_max(broken, v);
		else if (v == ST_VERDICT_VALID)
			any_valid = true;
	}
	if (!any)
		p->verdict = p->signed_structure ? st_verdict_max(own, ST_VERDICT_MALFORMED)
						 : ST_VERDICT_UNSIGNED;
	else if (p->policy == ST_POLICY_ALL_HOLD)
		p->verdict = worst;
	else if (broken >= ST_VERDICT_INVALID)
		p->verdict = st_verdict_max(own, broken);
	else
		p->verdict = st_verdict_max(own, any_valid ? ST_VERDICT_VALID : ST_VERDICT_UNTRUSTED);
}

static void signature_clear(st_signature *s)
{
	free(s->signed_digest);
	free(s->computed_digest);
	free(s->program_name);
	st_reasons_clear(&s->reasons);
	st_cert_unref(s->signer);
	for (size_t i = 0; i < s->chain_len; i++)
		st_cert_unref(s->chain[i]);
	free(s->chain);
	st_cert_unref(s->ts_signer);
	st_props_clear(&s->props);
}

int st_signature_copy(st_signature *d, const st_signature *s)
{
	*d = *s;
	d->signed_digest = d->computed_digest = d->program_name = NULL;
	d->reasons = (st_reasons){ 0 };
	d->props = (st_props){ 0 };
	d->chain = NULL;
	d->chain_len = 0;
	d->signer = st_cert_ref(s->signer);
	d->ts_signer = st_cert_ref(s->ts_signer);
	if ((s->signed_digest && !(d->signed_digest = st_strdup(s->signed_digest))) ||
	    (s->computed_digest && !(d->computed_digest = st_strdup(s->computed_digest))) ||
	    (s->program_name && !(d->program_name = st_strdup(s->program_name))) ||
	    st_reasons_merge(&d->reasons, &s->reasons))
		goto enomem;
	if (s->chain_len) {
		if (!(d->chain = calloc(s->chain_len, sizeof(*d->chain))))
			goto enomem;
		for (size_t i = 0; i < s->chain_len; i++)
			d->chain[i] = st_cert_ref(s->chain[i]);
		d->chain_len = s->chain_len;
	}
	for (size_t i = 0; i < s->props.n; i++) {
		const struct st_property *pr = &s->props.v[i];
		if (pr->decl->type == ST_PROPERTY_STRING ? st_props_set_str(&d->props, pr->decl, pr->s)
							 : st_props_set_int(&d->props, pr->decl, pr->i))
			goto enomem;
	}
	return ST_OK;
enomem:
	signature_clear(d);
	memset(d, 0, sizeof(*d));
	return ST_ENOMEM;
}

void st_part_clear(struct st_part *p)
{
	for (size_t i = 0; i < p->nsigs; i++)
		signature_clear(&p->sigs[i]);
	free(p->sigs);
	for (size_t i = 0; i < p->nchildren; i++) {
		st_part_clear(p->children[i]);
		free(p->children[i]);
	}
	free(p->children);
	free(p->name);
	free(p->path);
	st_reasons_clear(&p->reasons);
	st_reasons_clear(&p->all_reasons);
	st_props_clear(&p->props);
	memset(p, 0, sizeof(*p));
}

void st_result_free(st_result *res)
{
	if (!res)
		return;
	st_part_clear(&res->root);
	free(res);
}

/* ---- accessors ------------------------------------------------------------- */

const st_part *st_result_part(const st_result *r) { return &r->root; }
st_verdict st_result_verdict(const st_result *r) { return r->root.verdict; }
const char *st_result_format(const st_result *r) { return r->root.format; }
uint64_t st_result_file_size(const st_result *r) { return r->root.size; }
const char *st_result_sha256(const st_result *r) { return st_part_sha256(&r->root); }
const char *st_result_arch(const st_result *r) { return r->root.arch; }
const char *st_result_subformat(const st_result *r) { return r->root.subformat; }
size_t st_result_reason_count(const st_result *r) { return st_part_reason_count(&r->root); }
st_reason st_result_reason(const st_result *r, size_t i) { return st_part_reason(&r->root, i); }
const char *st_result_reason_detail(const st_result *r, size_t i) { return st_part_reason_detail(&r->root, i); }
st_verdict st_result_reason_effect(const st_result *r, size_t i) { return st_part_reason_effect(&r->root, i); }
const char *st_result_ecs_status(const st_result *r) { return st_part_ecs_status(&r->root); }

const char *st_part_kind(const st_part *p) { return p->kind; }
const char *st_part_name(const st_part *p) { return p->name; }
const char *st_part_path(const st_part *p) { return p->path; }
const st_part *st_part_parent(const st_part *p) { return p->parent; }
int st_part_is_constituent(const st_part *p) { return p->constituent; }
int st_part_has_range(const st_part *p) { return p->has_range; }
uint64_t st_part_offset(const st_part *p) { return p->offset; }
uint64_t st_part_size(const st_part *p) { return p->size; }
const char *st_part_sha256(const st_part *p) { return p->hashed ? p->sha256 : NULL; }
const char *st_part_sha1(const st_part *p) { return p->legacy_hashed ? p->sha1 : NULL; }
const char *st_part_md5(const st_part *p) { return p->legacy_hashed ? p->md5 : NULL; }
const char *st_part_format(const st_part *p) { return p->format; }
const char *st_part_subformat(const st_part *p) { return p->subformat; }
const char *st_part_arch(const st_part *p) { return p->arch; }
st_verdict st_part_verdict(const st_part *p) { return p->verdict; }

const char *st_part_ecs_status(const st_part *p)
{
	return st_reasons_ecs_status(&p->all_reasons, p->verdict);
}

size_t st_part_reason_count(const st_part *p) { return p->all_reasons.n; }

st_reason st_part_reason(const st_part *p, size_t i)
{
	return i < p->all_reasons.n ? p->all_reasons.v[i].code : ST_R__COUNT;
}

const char *st_part_reason_detail(const st_part *p, size_t i)
{
	return i < p->all_reasons.n ? p->all_reasons.v[i].detail : NULL;
}

st_verdict st_part_reason_effect(const st_part *p, size_t i)
{
	return i < p->all_reasons.n ? p->all_reasons.v[i].effect : ST_VERDICT_VALID;
}

size_t st_part_signature_count(const st_part *p) { return p->nsigs; }

const st_signature *st_part_signature(const st_part *p, size_t i)
{
	return i < p->nsigs ? &p->sigs[i] : NULL;
}

const st_signature *st_part_primary_signature(const st_part *p)
{
	if (p->nsigs)
		return &p->sigs[0];
	for (size_t i = 0; i < p->nchildren; i++) {
		const st_signature *s;
		if (p->children[i]->constituent &&
		    (s = st_part_primary_signature(p->children[i])) != NULL)
			return s;
	}
	return NULL;
}

size_t st_part_child_count(const st_part *p) { return p->nchildren; }

const st_part *st_part_child(const st_part *p, size_t i)
{
	return i < p->nchildren ? p->children[i] : NULL;
}

st_verdict st_signature_verdict(const st_signature *s) { return s->verdict; }
int st_signature_depth(const st_signature *s) { return s->depth; }
int st_signature_parent(const st_signature *s) { return s->parent; }
const char *st_signature_digest_algorithm(const st_signature *s) { return s->digest_alg; }
const char *st_signature_source(const st_signature *s) { return s->source ? s->source : "embedded"; }
const char *st_signature_signed_digest(const st_signature *s) { return s->signed_digest; }
const char *st_signature_computed_digest(const st_signature *s) { return s->computed_digest; }
int64_t st_signature_signing_time(const st_signature *s) { return s->signing_time; }
const char *st_signature_program_name(const st_signature *s) { return s->program_name; }
const char *st_signature_page_hash_algorithm(const st_signature *s) { return s->page_hash_alg; }
int st_signature_trusted(const st_signature *s) { return s->trusted; }
const char *st_signature_trust_profile(const st_signature *s) { return s->profile; }
int64_t st_signature_verification_time(const st_signature *s) { return s->verification_time; }
size_t st_signature_reason_count(const st_signature *s) { return s->reasons.n; }

st_reason st_signature_reason(const st_signature *s, size_t i)
{
	return i < s->reasons.n ? s->reasons.v[i].code : ST_R__COUNT;
}

const char *st_signature_reason_detail(const st_signature *s, size_t i)
{
	return i < s->reasons.n ? s->reasons.v[i].detail : NULL;
}

st_verdict st_signature_reason_effect(const st_signature *s, size_t i)
{
	return i < s->reasons.n ? s->reasons.v[i].effect : ST_VERDICT_VALID;
}

const st_cert *st_signature_signer(const st_signature *s) { return s->signer; }
size_t st_signature_chain_length(const st_signature *s) { return s->chain_len; }

const st_cert *st_signature_chain_cert(const st_signature *s, size_t i)
{
	return i < s->chain_len ? s->chain[i] : NULL;
}

const char *st_signature_timestamp_kind(const st_signature *s) { return s->ts_kind; }
int64_t st_signature_timestamp_time(const st_signature *s) { return s->ts_time; }
int st_signature_timestamp_valid(const st_signature *s) { return s->ts_valid; }
const st_cert *st_signature_timestamp_signer(const st_signature *s) { return s->ts_signer; }

const char *st_signature_timestamp_digest_algorithm(const st_signature *s)
{
	return s->ts_digest_alg;
}

const char *st_cert_subject(const st_cert *c) { return c->subject; }
const char *st_cert_issuer(const st_cert *c) { return c->issuer; }
const char *st_cert_subject_cn(const st_cert *c) { return c->subject_cn; }
const char *st_cert_issuer_cn(const st_cert *c) { return c->issuer_cn; }
const char *st_cert_serial(const st_cert *c) { return c->serial; }
int64_t st_cert_not_before(const st_cert *c) { return c->not_before; }
int64_t st_cert_not_after(const st_cert *c) { return c->not_after; }
const char *st_cert_sha1(const st_cert *c) { return c->sha1; }
const char *st_cert_sha256(const st_cert *c) { return c->sha256; }
const char *st_cert_key_algorithm(const st_cert *c) { return c->key_alg; }
int st_cert_key_bits(const st_cert *c) { return c->key_bits; }
const char *st_cert_signature_algorithm(const st_cert *c) { return c->sig_alg; }
int st_cert_is_trust_anchor(const st_cert *c) { return c->trust_anchor; }
const char *st_cert_ekus(const st_cert *c) { return c->ekus; }
const char *st_cert_key_sha256(const st_cert *c) { return c->key_sha256; }
const char *st_cert_policies(const st_cert *c) { return c->policies; }
const char *st_cert_critical_extensions(const st_cert *c) { return c->critical_extensions; }
int st_cert_is_ca(const st_cert *c) { return c->is_ca; }

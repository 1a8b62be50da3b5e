/* Results: reasons, verdicts and the public accessors. */
#include "core/result.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

static const struct {
	const char *name;
	st_verdict effect;
	const char *ecs_status;
	int ecs_rank;
	const char *summary;
} reason_table[ST_R__COUNT] = {
#define ST_REASON(id, name_, effect_, ecs, rank, summary_) \
	[ST_R_##id] = { name_, ST_VERDICT_##effect_, ecs, rank, summary_ },
#include "sigtrace_reasons.h"
#undef ST_REASON
};

static const char *const verdict_names[] = {
	[ST_VERDICT_VALID] = "valid",
	[ST_VERDICT_UNTRUSTED] = "untrusted",
	[ST_VERDICT_INVALID] = "invalid",
	[ST_VERDICT_MALFORMED] = "malformed",
	[ST_VERDICT_UNSIGNED] = "unsigned",
	[ST_VERDICT_NOT_EXECUTABLE] = "not_executable",
};

const char *const st_version_keys[ST_VERSION_KEYS] = {
	"CompanyName", "ProductName", "OriginalFilename", "FileDescription",
	"FileVersion",
};

const char *st_reason_name(st_reason r)
{
	if ((unsigned)r >= ST_R__COUNT)
		return "unknown";
	return reason_table[r].name;
}

st_reason st_reason_by_name(const char *name)
{
	for (int r = 0; name && r < ST_R__COUNT; r++)
		if (strcmp(reason_table[r].name, name) == 0)
			return (st_reason)r;
	return ST_R__COUNT;
}

st_verdict st_reason_effect(st_reason r)
{
	if ((unsigned)r >= ST_R__COUNT)
		return ST_VERDICT_MALFORMED;
	return reason_table[r].effect;
}

const char *st_reason_ecs_status(st_reason r)
{
	return (unsigned)r < ST_R__COUNT ? reason_table[r].ecs_status : NULL;
}

const char *st_reason_summary(st_reason r)
{
	return (unsigned)r < ST_R__COUNT ? reason_table[r].summary : NULL;
}

/*
 * file.code_signature.status (docs/output.md): "trusted" for valid files,
 * errorMalformed for malformed ones; otherwise the status of the reason of
 * lowest rank among those whose effect is the verdict (the reasons that make
 * the verdict what it is), else among all reasons.
 */
const char *st_reasons_ecs_status(const st_reasons *rs, st_verdict v)
{
	int best = -1;

	switch (v) {
	case ST_VERDICT_VALID:
		return "trusted";
	case ST_VERDICT_MALFORMED:
		return "errorMalformed";
	case ST_VERDICT_UNTRUSTED:
	case ST_VERDICT_INVALID:
		break;
	default:
		return NULL;
	}
	for (int pass = 0; pass < 2 && best < 0; pass++) {
		for (size_t i = 0; i < rs->n; i++) {
			st_reason r = rs->v[i].code;
			if ((unsigned)r >= ST_R__COUNT || (pass == 0 && rs->v[i].effect != v))
				continue;
			if (best < 0 || reason_table[r].ecs_rank < reason_table[best].ecs_rank)
				best = (int)r;
		}
	}
	if (best >= 0)
		return reason_table[best].ecs_status;
	return v == ST_VERDICT_UNTRUSTED ? "errorUntrustedRoot" : "errorChaining";
}

const char *st_verdict_name(st_verdict v)
{
	if ((unsigned)v > ST_VERDICT_NOT_EXECUTABLE)
		return "unknown";
	return verdict_names[v];
}

const char *st_strerror(int err)
{
	switch (err) {
	case ST_OK: return "success";
	case ST_ENOMEM: return "out of memory";
	case ST_EIO: return "input could not be read";
	case ST_EINVAL: return "invalid argument";
	case ST_ETRUST: return "no trust anchor could be loaded";
	case ST_ETOOBIG: return "input exceeds the size limit";
	default: return "unknown error";
	}
}

st_verdict st_verdict_max(st_verdict a, st_verdict b)
{
	return a > b ? a : b;
}

int st_reasons_add(st_reasons *rs, st_reason code, st_verdict effect,
		   const char *fmt, ...)
{
	char buf[ST_LIMIT_DETAIL];
	va_list ap;

	if (effect == ST_EFFECT_DEFAULT)
		effect = st_reason_effect(code);
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].code == code) {
			rs->v[i].effect = st_verdict_max(rs->v[i].effect, effect);
			return ST_OK;
		}
	}
	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 4;
		st_reason_item *nv = realloc(rs->v, ncap * sizeof(*nv));
		if (!nv)
			return ST_ENOMEM;
		rs->v = nv;
		rs->cap = ncap;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rs->v[rs->n].detail = st_strdup(buf);
	if (!rs->v[rs->n].detail)
		return ST_ENOMEM;
	rs->v[rs->n].code = code;
	rs->v[rs->n].effect = effect;
	rs->n++;
	return ST_OK;
}

void st_reasons_clear(st_reasons *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].detail);
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

bool st_reasons_has(const st_reasons *rs, st_reason code)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].code == code)
			return true;
	return false;
}

st_verdict st_reasons_worst(const st_reasons *rs)
{
	st_verdict w = ST_VERDICT_VALID;
	for (size_t i = 0; i < rs->n; i++)
		w = st_verdict_max(w, rs->v[i].effect);
	return w;
}

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

int st_result_add_signature(st_result *res)
{
	st_signature *s;

	if (res->nsigs == res->sigcap) {
		size_t ncap = res->sigcap ? res->sigcap * 2 : 2;
		st_signature *nv = realloc(res->sigs, ncap * sizeof(*nv));
		if (!nv)
			return -1;
		res->sigs = nv;
		res->sigcap = ncap;
	}
	s = &res->sigs[res->nsigs];
	memset(s, 0, sizeof(*s));
	s->parent = -1;
	s->slice = -1;
	s->signing_time = ST_TIME_NONE;
	s->verification_time = ST_TIME_NONE;
	s->ts_time = ST_TIME_NONE;
	return (int)res->nsigs++;
}

static void merge(st_reasons *dst, const st_reasons *src)
{
	for (size_t i = 0; i < src->n; i++)
		(void)st_reasons_add(dst, src->v[i].code, src->v[i].effect, "%s",
				     src->v[i].detail);
}

/*
 * File verdict from several signatures (docs/reasons.md, "Files with several
 * signatures"): any signature that fails integrity, validity or structure
 * makes the file fail with it; otherwise the file is valid when at least one
 * signature is valid, and untrusted when none is.
 */
void st_result_finish(st_result *res, bool signed_file)
{
	st_verdict file = st_reasons_worst(&res->reasons);
	st_verdict broken = ST_VERDICT_VALID;
	bool any_valid = false;

	for (size_t i = 0; i < res->nsigs; i++) {
		st_signature *s = &res->sigs[i];
		s->verdict = st_reasons_worst(&s->reasons);
		if (s->verdict >= ST_VERDICT_INVALID)
			broken = st_verdict_max(broken, s->verdict);
		else if (s->verdict == ST_VERDICT_VALID)
			any_valid = true;
	}
	st_reasons_clear(&res->all_reasons);
	merge(&res->all_reasons, &res->reasons);
	for (size_t i = 0; i < res->nsigs; i++)
		merge(&res->all_reasons, &res->sigs[i].reasons);
	if (res->nsigs == 0)
		res->verdict = signed_file ? st_verdict_max(file, ST_VERDICT_MALFORMED)
					   : ST_VERDICT_UNSIGNED;
	else if (res->all_must_hold) {
		st_verdict worst = file;
		for (size_t i = 0; i < res->nsigs; i++)
			worst = st_verdict_max(worst, res->sigs[i].verdict);
		res->verdict = worst;
	} else if (broken >= ST_VERDICT_INVALID)
		res->verdict = st_verdict_max(file, broken);
	else
		res->verdict = st_verdict_max(file, any_valid ? ST_VERDICT_VALID
							      : ST_VERDICT_UNTRUSTED);
}

void st_cert_clear(st_cert *c)
{
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
	memset(c, 0, sizeof(*c));
}

static void signature_clear(st_signature *s)
{
	free(s->signed_digest);
	free(s->computed_digest);
	free(s->program_name);
	free(s->signing_id);
	free(s->team_id);
	st_reasons_clear(&s->reasons);
	st_cert_clear(&s->signer);
	for (size_t i = 0; i < s->chain_len; i++)
		st_cert_clear(&s->chain[i]);
	free(s->chain);
	st_cert_clear(&s->ts_signer);
}

void st_result_free(st_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nsigs; i++)
		signature_clear(&res->sigs[i]);
	free(res->sigs);
	free(res->slices);
	for (size_t i = 0; i < ST_VERSION_KEYS; i++)
		free(res->version[i]);
	st_reasons_clear(&res->reasons);
	st_reasons_clear(&res->all_reasons);
	free(res);
}

/* ---- accessors ---- */

st_verdict st_result_verdict(const st_result *r) { return r->verdict; }
const char *st_result_format(const st_result *r) { return r->format; }
uint64_t st_result_file_size(const st_result *r) { return r->size; }
const char *st_result_sha256(const st_result *r) { return r->hashed ? r->sha256 : NULL; }
const char *st_result_arch(const st_result *r) { return r->arch; }
const char *st_result_subformat(const st_result *r) { return r->subformat; }

const char *st_result_version_string(const st_result *r, const char *key)
{
	for (size_t i = 0; i < ST_VERSION_KEYS; i++)
		if (strcmp(st_version_keys[i], key) == 0)
			return r->version[i];
	return NULL;
}

size_t st_result_reason_count(const st_result *r) { return r->all_reasons.n; }

st_reason st_result_reason(const st_result *r, size_t i)
{
	return i < r->all_reasons.n ? r->all_reasons.v[i].code : ST_R__COUNT;
}

const char *st_result_reason_detail(const st_result *r, size_t i)
{
	return i < r->all_reasons.n ? r->all_reasons.v[i].detail : NULL;
}

st_verdict st_result_reason_effect(const st_result *r, size_t i)
{
	return i < r->all_reasons.n ? r->all_reasons.v[i].effect : ST_VERDICT_VALID;
}

const char *st_result_ecs_status(const st_result *r)
{
	return st_reasons_ecs_status(&r->all_reasons, r->verdict);
}

size_t st_result_signature_count(const st_result *r) { return r->nsigs; }

const st_signature *st_result_signature(const st_result *r, size_t i)
{
	return i < r->nsigs ? &r->sigs[i] : NULL;
}

st_verdict st_signature_verdict(const st_signature *s) { return s->verdict; }
int st_signature_table_entry(const st_signature *s) { return s->table_entry; }
int st_signature_depth(const st_signature *s) { return s->depth; }
int st_signature_parent(const st_signature *s) { return s->parent; }
const char *st_signature_digest_algorithm(const st_signature *s) { return s->digest_alg; }
const char *st_signature_signed_digest(const st_signature *s) { return s->signed_digest; }
const char *st_signature_computed_digest(const st_signature *s) { return s->computed_digest; }
int64_t st_signature_signing_time(const st_signature *s) { return s->signing_time; }
const char *st_signature_program_name(const st_signature *s) { return s->program_name; }
const char *st_signature_page_hash_algorithm(const st_signature *s) { return s->page_hash_alg; }
int st_signature_trusted(const st_signature *s) { return s->trusted; }
int st_signature_slice(const st_signature *s) { return s->slice; }
const char *st_signature_signing_id(const st_signature *s) { return s->signing_id; }
const char *st_signature_team_id(const st_signature *s) { return s->team_id; }
const char *st_signature_cdhash(const st_signature *s) { return s->cdhash[0] ? s->cdhash : NULL; }
uint32_t st_signature_code_directory_flags(const st_signature *s) { return s->cd_flags; }
const char *st_signature_signer_type(const st_signature *s) { return s->signer_type; }

size_t st_result_slice_count(const st_result *r) { return r->nslices; }
const char *st_result_slice_arch(const st_result *r, size_t i) { return i < r->nslices ? r->slices[i].arch : NULL; }
uint64_t st_result_slice_offset(const st_result *r, size_t i) { return i < r->nslices ? r->slices[i].offset : 0; }
uint64_t st_result_slice_size(const st_result *r, size_t i) { return i < r->nslices ? r->slices[i].size : 0; }
st_verdict st_result_slice_verdict(const st_result *r, size_t i) { return i < r->nslices ? r->slices[i].verdict : ST_VERDICT_UNSIGNED; }
int st_result_slice_signature(const st_result *r, size_t i) { return i < r->nslices ? r->slices[i].sig : -1; }
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

const st_cert *st_signature_signer(const st_signature *s)
{
	return s->has_signer ? &s->signer : NULL;
}

size_t st_signature_chain_length(const st_signature *s) { return s->chain_len; }

const st_cert *st_signature_chain_cert(const st_signature *s, size_t i)
{
	return i < s->chain_len ? &s->chain[i] : NULL;
}

const char *st_signature_timestamp_kind(const st_signature *s) { return s->ts_kind; }
int64_t st_signature_timestamp_time(const st_signature *s) { return s->ts_time; }
int st_signature_timestamp_valid(const st_signature *s) { return s->ts_valid; }

const st_cert *st_signature_timestamp_signer(const st_signature *s)
{
	return s->has_ts_signer ? &s->ts_signer : NULL;
}

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

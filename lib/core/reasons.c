/*
 * Reasons: the registry tables (generated from sigtrace_reasons.h), the
 * reason lists of parts and signatures, and the ECS status they give.
 */
#include "core/result.h"

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

int st_reasons_merge(st_reasons *dst, const st_reasons *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (st_reasons_add(dst, src->v[i].code, src->v[i].effect, "%s", src->v[i].detail))
			return ST_ENOMEM;
	return ST_OK;
}

#include <string.h>
#include <time.h>

#include "cli.h"

void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == ST_TIME_NONE || !gmtime_r(&tt, &tm))
		buf[0] = '\0';
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int primary_signature(const st_result *res)
{
	return st_result_signature_count(res) ? 0 : -1;
}

static bool has(const st_result *res, st_reason r)
{
	for (size_t i = 0; i < st_result_reason_count(res); i++)
		if (st_result_reason(res, i) == r)
			return true;
	return false;
}

const char *ecs_status(const st_result *res)
{
	static const struct {
		st_reason r;
		const char *status;
	} order[] = {
		{ ST_R_REVOKED, "errorRevoked" },
		{ ST_R_DIGEST_MISMATCH, "errorBadDigest" },
		{ ST_R_PAGE_HASH_MISMATCH, "errorBadDigest" },
		{ ST_R_CERT_PADDING, "errorBadDigest" },
		{ ST_R_TRAILING_DATA, "errorBadDigest" },
		{ ST_R_CERT_TABLE_NOT_AT_END, "errorBadDigest" },
		{ ST_R_CDHASH_MISMATCH, "errorBadDigest" },
		{ ST_R_SPECIAL_SLOT_MISMATCH, "errorBadDigest" },
		{ ST_R_SIGNATURE_INVALID, "errorBadSignature" },
		{ ST_R_CERT_EXPIRED, "errorExpired" },
		{ ST_R_CERT_NOT_YET_VALID, "errorExpired" },
		{ ST_R_CHAIN_INVALID, "errorChaining" },
		{ ST_R_EKU_NOT_CODE_SIGNING, "errorUsage" },
		{ ST_R_KEY_USAGE, "errorUsage" },
		{ ST_R_TIMESTAMP_INVALID, "errorTimestamp" },
		{ ST_R_TEAM_ID_MISMATCH, "errorTeamIdMismatch" },
		{ ST_R_PARTIALLY_SIGNED, "errorPartiallySigned" },
		{ ST_R_NESTED_SIGNATURE_INVALID, "errorNestedSignature" },
		{ ST_R_WEAK_DIGEST, "errorWeakCrypto" },
		{ ST_R_WEAK_KEY, "errorWeakCrypto" },
		{ ST_R_UNEXPECTED_SIGNER_TYPE, "errorSignerType" },
		{ ST_R_LINKER_SIGNED, "errorAdhoc" },
		{ ST_R_ADHOC, "errorAdhoc" },
		{ ST_R_SELF_SIGNED, "errorUntrustedRoot" },
		{ ST_R_UNTRUSTED_ROOT, "errorUntrustedRoot" },
	};
	st_verdict v = st_result_verdict(res);

	switch (v) {
	case ST_VERDICT_VALID:
		return "trusted";
	case ST_VERDICT_UNSIGNED:
	case ST_VERDICT_NOT_EXECUTABLE:
		return NULL;
	case ST_VERDICT_MALFORMED:
		return "errorMalformed";
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (has(res, order[i].r))
			return order[i].status;
	return v == ST_VERDICT_UNTRUSTED ? "errorUntrustedRoot" : "errorChaining";
}

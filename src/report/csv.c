/*
 * CSV in Sysinternals sigcheck's layout (docs/output.md): the columns of
 * `sigcheck -c -h` in its order, so sigcheck parsers and Timeline Explorer
 * read them, followed by sigtrace's own. The header line is unquoted as
 * sigcheck writes it; every field of a row is quoted (RFC 4180: embedded
 * quotes doubled), rows end in CRLF. A value that a spreadsheet would take
 * for a formula gets a leading apostrophe (csv_field).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "report/record.h"

/* sigcheck -c -h, then sigtrace's columns. */
static const char *const columns[] = {
	"Path", "Verified", "Date", "Publisher", "Company", "Description", "Product",
	"Product Version", "File Version", "Machine Type", "MD5", "SHA1", "PESHA1",
	"PESHA256", "SHA256", "IMP",
	"sigtrace.verdict", "sigtrace.reasons", "sigtrace.status", "sigtrace.format",
	"sigtrace.arch", "sigtrace.size", "sigtrace.signing_time", "sigtrace.timestamp",
	"sigtrace.signer_sha256", "sigtrace.original_file_name", "sigtrace.details",
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

enum {
	C_PATH, C_VERIFIED, C_DATE, C_PUBLISHER, C_COMPANY, C_DESCRIPTION, C_PRODUCT,
	C_PRODUCT_VERSION, C_FILE_VERSION, C_MACHINE, C_MD5, C_SHA1, C_PESHA1, C_PESHA256,
	C_SHA256, C_IMP,
	C_VERDICT, C_REASONS, C_STATUS, C_FORMAT, C_ARCH, C_SIZE, C_SIGNING_TIME,
	C_TIMESTAMP, C_SIGNER_SHA256, C_ORIGINAL_NAME, C_DETAILS, C_COUNT
};

_Static_assert(C_COUNT == NCOLUMNS, "one enum value per column");

/* One quoted field. A value starting with = + - @ TAB or CR (what
 * spreadsheets evaluate as a formula) or with ' gets a leading ': a reader
 * strips one leading ' to recover any value. */
static void csv_field(FILE *out, const char *v, bool first)
{
	if (!first)
		fputc(',', out);
	fputc('"', out);
	if (v && v[0] && strchr("=+-@\t\r'", v[0]))
		fputc('\'', out);
	for (const char *p = v; p && *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

/*
 * --format sigcheck: exactly the header of `sigcheck -c -h -vt` (the
 * columns above up to IMP, then its two VirusTotal columns, left empty:
 * sigtrace asks no one), which Timeline Explorer recognises as sigcheck
 * output; --format csv adds sigtrace's columns instead.
 */
static const char *const vt_columns[] = { "VT detection", "VT link" };
#define SIGCHECK_COLUMNS (C_IMP + 1)

static void csv_row(FILE *out, const char *const *v, bool sigcheck)
{
	size_t n = sigcheck ? SIGCHECK_COLUMNS : NCOLUMNS;

	for (size_t i = 0; i < n; i++)
		csv_field(out, v[i], i == 0);
	for (size_t i = 0; sigcheck && i < 2; i++)
		csv_field(out, "", false);
	fputs("\r\n", out);
}

void report_csv_header(FILE *out, bool sigcheck)
{
	size_t n = sigcheck ? SIGCHECK_COLUMNS : NCOLUMNS;

	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "," : "", columns[i]);
	for (size_t i = 0; sigcheck && i < 2; i++)
		fprintf(out, ",%s", vt_columns[i]);
	fputs("\r\n", out);
}

/* The WinVerifyTrust message sigcheck prints for a failure of this kind
 * (winerror.h), or NULL when Windows has no such code. */
static const char *windows_message(const char *status)
{
	static const struct { const char *status, *msg; } map[] = {
		{ "errorBadDigest", "The digital signature of the object did not verify." },
		{ "errorBadSignature", "The digital signature of the object did not verify." },
		{ "errorUntrustedRoot", "A certificate chain processed, but terminated in a root "
					"certificate which is not trusted by the trust provider." },
		{ "errorExpired", "A required certificate is not within its validity period when "
				  "verifying against the current system clock or the timestamp "
				  "in the signed file." },
		{ "errorRevoked", "A certificate was explicitly revoked by its issuer." },
		{ "errorChaining", "A certificate chain could not be built to a trusted root "
				   "authority." },
		{ "errorUsage", "The certificate is not valid for the requested usage." },
	};

	for (size_t i = 0; status && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].status, status) == 0)
			return map[i].msg;
	return NULL;
}

/* The Verified column: "Signed", "Unsigned", "n/a" for files that are not
 * executables, else Windows' message for the status, else the verdict and
 * the summary of the reason that decides the status. */
static void verified_text(const st_part *p, char *buf, size_t len)
{
	st_verdict v = st_part_verdict(p);
	const char *status = st_part_ecs_status(p), *msg;
	size_t n = st_part_reason_count(p), pick = 0;

	switch (v) {
	case ST_VERDICT_VALID: snprintf(buf, len, "Signed"); return;
	case ST_VERDICT_UNSIGNED: snprintf(buf, len, "Unsigned"); return;
	case ST_VERDICT_NOT_EXECUTABLE: snprintf(buf, len, "n/a"); return;
	default: break;
	}
	if ((msg = windows_message(status)) != NULL) {
		snprintf(buf, len, "%s", msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *rs = st_reason_ecs_status(st_part_reason(p, i));
		if (status && rs && strcmp(rs, status) == 0) {
			pick = i;
			break;
		}
	}
	if (n && st_reason_summary(st_part_reason(p, pick)))
		snprintf(buf, len, "%s: %s", st_verdict_name(v),
			 st_reason_summary(st_part_reason(p, pick)));
	else
		snprintf(buf, len, "%s", st_verdict_name(v));
	buf[0] = (char)toupper((unsigned char)buf[0]);
}

/* sigcheck's date style (en-US: "4:05 PM 3/1/2025"), in UTC. */
static void sigcheck_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	buf[0] = '\0';
	if (t == ST_TIME_NONE || !gmtime_r(&tt, &tm))
		return;
	snprintf(buf, len, "%d:%02d %s %d/%d/%d", tm.tm_hour % 12 ? tm.tm_hour % 12 : 12,
		 tm.tm_min, tm.tm_hour < 12 ? "AM" : "PM", tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_year + 1900);
}

/* sigcheck's Machine Type from the architecture. */
static const char *machine_type(const char *arch)
{
	static const char *const bits64[] = {
		"x64", "arm64", "arm64ec", "ia64", "riscv64", "loongarch64",
		"x86_64", "x86_64h", "arm64e", "ppc64",
	};
	static const char *const bits32[] = {
		"x86", "arm", "armnt", "riscv32", "loongarch32", "i386", "armv6", "armv7",
		"armv7s", "armv7k", "arm64_32", "ppc",
	};

	for (size_t i = 0; arch && i < sizeof(bits64) / sizeof(bits64[0]); i++)
		if (strcmp(arch, bits64[i]) == 0)
			return "64-bit";
	for (size_t i = 0; arch && i < sizeof(bits32) / sizeof(bits32[0]); i++)
		if (strcmp(arch, bits32[i]) == 0)
			return "32-bit";
	return "n/a";
}

/* The string value of the part's property that fills ECS field ecs. */
static const char *ecs_string(const st_part *p, const char *ecs)
{
	for (size_t i = 0; i < st_part_property_count(p); i++) {
		const st_property *pr = st_part_property(p, i);
		const char *e = st_property_declaration(pr)->ecs;
		if (e && strcmp(e, ecs) == 0 && st_property_type_of(pr) == ST_PROPERTY_STRING)
			return st_property_string(pr);
	}
	return NULL;
}

static void upper_hex(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[i] = '\0';
}

/* The part's reason codes ("a,b") and "code: detail; code: detail",
 * malloc'd (NULL when out of memory). */
static void reason_lists(const st_part *p, char **codes, char **details)
{
	size_t clen = 0, dlen = 0;
	FILE *c = open_memstream(codes, &clen), *d = open_memstream(details, &dlen);

	for (size_t i = 0; c && d && i < st_part_reason_count(p); i++) {
		const char *name = st_reason_name(st_part_reason(p, i));
		fprintf(c, "%s%s", i ? "," : "", name);
		fprintf(d, "%s%s: %s", i ? "; " : "", name, st_part_reason_detail(p, i));
	}
	if (c)
		fclose(c);
	else
		*codes = NULL;
	if (d)
		fclose(d);
	else
		*details = NULL;
}

void report_csv(FILE *out, const struct record *r, bool sigcheck)
{
	const st_part *part = r->part;
	const char *v[NCOLUMNS] = { 0 };
	int p = record_primary(r);
	const st_signature *ps = p >= 0 ? r->sigs[p].sig : NULL;
	const st_cert *signer = ps ? st_signature_signer(ps) : NULL;
	char verified[256], date[40], signing[32], stamp[32], size[24];
	char sha256[72], pesha1[48], pesha256[72], sha1[48], md5[40], *reasons = NULL, *details = NULL;
	bool pe = st_part_format(part) && strcmp(st_part_format(part), "pe") == 0;

	verified_text(part, verified, sizeof(verified));
	signing[0] = stamp[0] = date[0] = pesha1[0] = pesha256[0] = '\0';
	if (ps) {
		int64_t when = st_signature_timestamp_valid(ps) ? st_signature_timestamp_time(ps)
								 : st_signature_signing_time(ps);
		sigcheck_date(when, date, sizeof(date));
		fmt_time(st_signature_signing_time(ps), signing, sizeof(signing));
		if (st_signature_timestamp_valid(ps))
			fmt_time(st_signature_timestamp_time(ps), stamp, sizeof(stamp));
	}
	/* PESHA1, PESHA256: the Authenticode digests of the PE file itself
	 * that its signatures made sigtrace compute. */
	for (size_t i = 0; pe && i < r->nsigs; i++) {
		const st_signature *s = r->sigs[i].sig;
		const char *alg = st_signature_digest_algorithm(s);
		const char *d = st_signature_computed_digest(s);
		if (r->sigs[i].part != 0 || !alg || !d)
			continue;
		if (strcmp(alg, "sha1") == 0 && !pesha1[0])
			upper_hex(d, pesha1, sizeof(pesha1));
		else if (strcmp(alg, "sha256") == 0 && !pesha256[0])
			upper_hex(d, pesha256, sizeof(pesha256));
	}
	upper_hex(st_part_sha256(part), sha256, sizeof(sha256));
	upper_hex(st_part_sha1(part), sha1, sizeof(sha1));
	upper_hex(st_part_md5(part), md5, sizeof(md5));
	snprintf(size, sizeof(size), "%llu", (unsigned long long)st_part_size(part));
	reason_lists(part, &reasons, &details);

	v[C_PATH] = r->path;
	v[C_VERIFIED] = verified;
	v[C_DATE] = date;
	v[C_PUBLISHER] = signer ? st_cert_subject_cn(signer) : "n/a";
	v[C_COMPANY] = ecs_string(part, "file.pe.company");
	v[C_DESCRIPTION] = ecs_string(part, "file.pe.description");
	v[C_PRODUCT] = ecs_string(part, "file.pe.product");
	v[C_FILE_VERSION] = ecs_string(part, "file.pe.file_version");
	v[C_MACHINE] = machine_type(st_part_arch(part));
	v[C_PESHA1] = pesha1;
	v[C_PESHA256] = pesha256;
	v[C_SHA256] = sha256;
	v[C_SHA1] = sha1;
	v[C_MD5] = md5;
	v[C_VERDICT] = st_verdict_name(st_part_verdict(part));
	v[C_REASONS] = reasons;
	v[C_STATUS] = st_part_ecs_status(part);
	v[C_FORMAT] = st_part_format(part);
	v[C_ARCH] = st_part_arch(part);
	v[C_SIZE] = size;
	v[C_SIGNING_TIME] = signing;
	v[C_TIMESTAMP] = stamp;
	v[C_SIGNER_SHA256] = signer ? st_cert_sha256(signer) : NULL;
	v[C_ORIGINAL_NAME] = ecs_string(part, "file.pe.original_file_name");
	v[C_DETAILS] = details;
	csv_row(out, v, sigcheck);
	free(reasons);
	free(details);
}

void report_csv_error(FILE *out, const char *path, const char *msg, bool sigcheck)
{
	const char *v[NCOLUMNS] = { 0 };

	v[C_PATH] = path;
	v[C_VERIFIED] = msg;
	v[C_VERDICT] = "error";
	v[C_DETAILS] = msg;
	csv_row(out, v, sigcheck);
}

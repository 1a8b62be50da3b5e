/* Human-readable reports: `verify` (verbose) and `scan --format text`
 * (one line per file). */
#include <string.h>

#include "cli.h"

static void cert_line(FILE *out, const char *indent, const st_cert *c)
{
	char nb[32], na[32];

	fmt_time(st_cert_not_before(c), nb, sizeof(nb));
	fmt_time(st_cert_not_after(c), na, sizeof(na));
	int w = (int)strlen(indent);

	fprintf(out, "%s%s%s\n", indent, st_cert_subject(c),
		st_cert_is_trust_anchor(c) ? "  [trust anchor]" : "");
	fprintf(out, "%*s  issuer %s\n", w, "", st_cert_issuer(c));
	fprintf(out, "%*s  serial %s, valid %s .. %s, %s %d-bit, %s\n", w, "",
		st_cert_serial(c), nb, na, st_cert_key_algorithm(c),
		st_cert_key_bits(c), st_cert_signature_algorithm(c));
	fprintf(out, "%*s  sha256 %s\n", w, "", st_cert_sha256(c));
}

static void signature_block(FILE *out, const st_result *res, size_t i)
{
	const st_signature *s = st_result_signature(res, i);
	const st_cert *signer = st_signature_signer(s);
	char t[32];
	const char *alg = st_signature_digest_algorithm(s);

	fprintf(out, "  signature %zu: %s", i, st_verdict_name(st_signature_verdict(s)));
	if (st_signature_slice(s) >= 0)
		fprintf(out, " (%s slice)",
			st_result_slice_arch(res, (size_t)st_signature_slice(s)));
	else if (st_signature_depth(s) > 0)
		fprintf(out, " (nested in signature %d, depth %d)",
			st_signature_parent(s), st_signature_depth(s));
	else
		fprintf(out, " (certificate-table entry %d)", st_signature_table_entry(s));
	fputc('\n', out);
	if (signer) {
		fprintf(out, "    signer:       %s\n", st_cert_subject_cn(signer));
	}
	if (st_signature_slice(s) >= 0) {
		uint32_t f = st_signature_code_directory_flags(s);
		fprintf(out, "    identifier:   %s\n", st_signature_signing_id(s) ? st_signature_signing_id(s) : "");
		if (st_signature_team_id(s))
			fprintf(out, "    team id:      %s\n", st_signature_team_id(s));
		if (st_signature_cdhash(s))
			fprintf(out, "    cdhash:       %s\n", st_signature_cdhash(s));
		fprintf(out, "    flags:        0x%x%s%s%s\n", f, f & 0x2 ? " adhoc" : "",
			f & 0x20000 ? " linker-signed" : "", f & 0x10000 ? " runtime" : "");
		if (st_signature_signer_type(s))
			fprintf(out, "    signer type:  %s\n", st_signature_signer_type(s));
	}
	if (st_signature_program_name(s))
		fprintf(out, "    program name: %s\n", st_signature_program_name(s));
	fprintf(out, "    digest:       %s\n", alg ? alg : "unknown");
	if (st_signature_signed_digest(s))
		fprintf(out, "      signed:     %s\n", st_signature_signed_digest(s));
	if (st_signature_computed_digest(s))
		fprintf(out, "      computed:   %s\n", st_signature_computed_digest(s));
	if (st_signature_page_hash_algorithm(s))
		fprintf(out, "    page hashes:  %s\n", st_signature_page_hash_algorithm(s));
	fmt_time(st_signature_signing_time(s), t, sizeof(t));
	if (t[0])
		fprintf(out, "    signing time: %s (claimed by the signer)\n", t);
	if (st_signature_timestamp_kind(s)) {
		const st_cert *tsa = st_signature_timestamp_signer(s);
		fmt_time(st_signature_timestamp_time(s), t, sizeof(t));
		fprintf(out, "    timestamp:    %s %s%s%s, %s\n", st_signature_timestamp_kind(s),
			t[0] ? t : "(no time)", tsa ? " by " : "",
			tsa ? st_cert_subject_cn(tsa) : "",
			st_signature_timestamp_valid(s) ? "verified" : "NOT verified");
	} else {
		fprintf(out, "    timestamp:    none\n");
	}
	fmt_time(st_signature_verification_time(s), t, sizeof(t));
	fprintf(out, "    checked at:   %s%s\n", t,
		st_signature_timestamp_valid(s) ? " (timestamp time)" : "");
	fprintf(out, "    trusted:      %s\n", st_signature_trusted(s) ? "yes" : "no");
	if (st_signature_chain_length(s)) {
		fprintf(out, "    chain:\n");
		for (size_t k = 0; k < st_signature_chain_length(s); k++) {
			char ind[32];
			snprintf(ind, sizeof(ind), "      [%zu] ", k);
			cert_line(out, ind, st_signature_chain_cert(s, k));
		}
	} else if (signer) {
		fprintf(out, "    signer certificate:\n");
		cert_line(out, "      ", signer);
	}
	if (st_signature_reason_count(s)) {
		fprintf(out, "    reasons:\n");
		for (size_t k = 0; k < st_signature_reason_count(s); k++)
			fprintf(out, "      %s: %s\n", st_reason_name(st_signature_reason(s, k)),
				st_signature_reason_detail(s, k));
	}
}

void report_text_verbose(FILE *out, const char *path, const st_result *res)
{
	st_verdict v = st_result_verdict(res);
	const char *status = ecs_status(res);

	fprintf(out, "%s: %s\n", path, st_verdict_name(v));
	if (st_result_format(res))
		fprintf(out, "  format:    %s %s (%s)\n", st_result_subformat(res)
			? st_result_subformat(res) : st_result_format(res),
			st_result_arch(res) ? st_result_arch(res) : "",
			st_result_format(res));
	fprintf(out, "  size:      %llu bytes\n", (unsigned long long)st_result_file_size(res));
	if (st_result_sha256(res))
		fprintf(out, "  sha256:    %s\n", st_result_sha256(res));
	if (status)
		fprintf(out, "  status:    %s\n", status);
	{
		static const char *const keys[] = { "CompanyName", "ProductName",
			"OriginalFilename", "FileDescription", "FileVersion" };
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *val = st_result_version_string(res, keys[k]);
			if (val)
				fprintf(out, "  %-17s %s\n", keys[k], val);
		}
	}
	if (st_result_slice_count(res) > 1 ||
	    (st_result_slice_count(res) == 1 && st_result_arch(res) &&
	     strcmp(st_result_arch(res), "universal") == 0)) {
		fprintf(out, "  slices:\n");
		for (size_t i = 0; i < st_result_slice_count(res); i++) {
			int sig = st_result_slice_signature(res, i);
			fprintf(out, "    %-9s %s", st_result_slice_arch(res, i),
				st_verdict_name(st_result_slice_verdict(res, i)));
			if (sig >= 0)
				fprintf(out, " (signature %d)", sig);
			fprintf(out, ", offset %llu, %llu bytes\n",
				(unsigned long long)st_result_slice_offset(res, i),
				(unsigned long long)st_result_slice_size(res, i));
		}
	}
	if (st_result_reason_count(res)) {
		fprintf(out, "  reasons:\n");
		for (size_t i = 0; i < st_result_reason_count(res); i++)
			fprintf(out, "    %s: %s\n", st_reason_name(st_result_reason(res, i)),
				st_result_reason_detail(res, i));
	}
	for (size_t i = 0; i < st_result_signature_count(res); i++)
		signature_block(out, res, i);
	if (v == ST_VERDICT_INVALID || v == ST_VERDICT_MALFORMED || v == ST_VERDICT_UNTRUSTED)
		fprintf(out, "  att&ck:    T1036.001 Masquerading: Invalid Code Signature\n");
	fputc('\n', out);
}

void report_text_line(FILE *out, const char *path, const st_result *res)
{
	int p = primary_signature(res);
	const st_cert *signer = p >= 0 ? st_signature_signer(st_result_signature(res, (size_t)p)) : NULL;

	fprintf(out, "%-10s ", st_verdict_name(st_result_verdict(res)));
	if (st_result_reason_count(res)) {
		for (size_t i = 0; i < st_result_reason_count(res); i++)
			fprintf(out, "%s%s", i ? "," : "", st_reason_name(st_result_reason(res, i)));
	} else {
		fputc('-', out);
	}
	fprintf(out, " \"%s\" %s\n", signer ? st_cert_subject_cn(signer) : "", path);
}

void report_text_error(FILE *out, const char *path, const char *msg)
{
	fprintf(out, "%-10s %s %s\n", "error", msg, path);
}

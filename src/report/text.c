/* Human-readable reports: `verify` (verbose) and `scan --format text`
 * (one line per record). Formats are not known here: parts and properties
 * are printed as the formats declare them. */
#include <string.h>

#include "cli/cli.h"
#include "report/record.h"

/* Who the trust profile speaks for. */
static const char *profile_label(const char *profile)
{
	return strcmp(profile, "windows") == 0 ? "Windows"
	       : strcmp(profile, "apple") == 0 ? "macOS"
	       : strcmp(profile, "uefi") == 0  ? "UEFI firmware"
					       : profile;
}

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

static void signature_block(FILE *out, const struct record *r, size_t i)
{
	const struct record_sig *rs = &r->sigs[i];
	const st_signature *s = rs->sig;
	const st_part *part = r->parts[rs->part];
	const st_cert *signer = st_signature_signer(s);
	char t[32], label[64], val[256];
	const char *alg = st_signature_digest_algorithm(s);

	fprintf(out, "  signature %zu: %s", i, st_verdict_name(st_signature_verdict(s)));
	if (rs->parent >= 0)
		fprintf(out, " (nested in signature %d, depth %d)", rs->parent, st_signature_depth(s));
	else if (rs->part > 0)
		fprintf(out, " (%s %s)", st_part_name(part), st_part_kind(part));
	fputc('\n', out);
	if (strcmp(st_signature_source(s), "embedded") != 0)
		fprintf(out, "    source:       %s\n", st_signature_source(s));
	if (signer)
		fprintf(out, "    signer:       %s\n", st_cert_subject_cn(signer));
	for (size_t k = 0; k < st_signature_property_count(s); k++) {
		const st_property *pr = st_signature_property(s, k);
		snprintf(label, sizeof(label), "%s:", st_property_declaration(pr)->label);
		property_text(pr, val, sizeof(val));
		fprintf(out, "    %-13s %s\n", label, val);
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
		st_signature_timestamp_valid(s) &&
				st_signature_verification_time(s) == st_signature_timestamp_time(s)
			? " (timestamp time)" : "");
	fprintf(out, "    trusted:      %s", st_signature_trusted(s) ? "yes" : "no");
	if (st_signature_trust_profile(s))
		fprintf(out, " (judged as %s does)", profile_label(st_signature_trust_profile(s)));
	fputc('\n', out);
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

/* Index in r->sigs of the first signature of part i, -1 if none. */
static int first_signature_of(const struct record *r, size_t i)
{
	for (size_t k = 0; k < r->nsigs; k++)
		if (r->sigs[k].part == i)
			return (int)k;
	return -1;
}

void report_text_verbose(FILE *out, const struct record *r)
{
	const st_part *part = r->part;
	st_verdict v = st_part_verdict(part);
	const char *status = st_part_ecs_status(part);
	char val[256];

	fprintf(out, "%s: %s\n", r->path, st_verdict_name(v));
	if (st_part_format(part))
		fprintf(out, "  format:    %s %s (%s)\n", st_part_subformat(part)
			? st_part_subformat(part) : st_part_format(part),
			st_part_arch(part) ? st_part_arch(part) : "",
			st_part_format(part));
	fprintf(out, "  size:      %llu bytes\n", (unsigned long long)st_part_size(part));
	if (st_part_sha256(part))
		fprintf(out, "  sha256:    %s\n", st_part_sha256(part));
	if (status)
		fprintf(out, "  status:    %s\n", status);
	for (size_t k = 0; k < st_part_property_count(part); k++) {
		const st_property *pr = st_part_property(part, k);
		property_text(pr, val, sizeof(val));
		fprintf(out, "  %-17s %s\n", st_property_declaration(pr)->label, val);
	}
	if (r->nparts > 1) {
		fprintf(out, "  parts:\n");
		for (size_t i = 1; i < r->nparts; i++) {
			const st_part *c = r->parts[i];
			int sig = first_signature_of(r, i);

			if (!st_part_format(c) && !st_part_has_range(c)) {
				/* A reference, not bytes (a catalog's entry):
				 * its name and what it declares. */
				fprintf(out, "    %s", st_part_name(c));
				for (size_t k = 0; k < st_part_property_count(c); k++) {
					const st_property *pr = st_part_property(c, k);
					property_text(pr, val, sizeof(val));
					fprintf(out, "%s%s %s", k ? ", " : ": ",
						st_property_declaration(pr)->label, val);
				}
				fputc('\n', out);
				continue;
			}
			fprintf(out, "    %-9s %s", st_part_name(c), st_verdict_name(st_part_verdict(c)));
			if (sig >= 0)
				fprintf(out, " (signature %d)", sig);
			if (st_part_has_range(c))
				fprintf(out, ", offset %llu", (unsigned long long)st_part_offset(c));
			fprintf(out, ", %llu bytes\n", (unsigned long long)st_part_size(c));
		}
	}
	if (st_part_reason_count(part)) {
		fprintf(out, "  reasons:\n");
		for (size_t i = 0; i < st_part_reason_count(part); i++)
			fprintf(out, "    %s: %s\n", st_reason_name(st_part_reason(part, i)),
				st_part_reason_detail(part, i));
	}
	for (size_t i = 0; i < r->nsigs; i++)
		signature_block(out, r, i);
	if (v == ST_VERDICT_INVALID || v == ST_VERDICT_MALFORMED || v == ST_VERDICT_UNTRUSTED)
		fprintf(out, "  att&ck:    T1036.001 Masquerading: Invalid Code Signature\n");
	fputc('\n', out);
}

void report_text_line(FILE *out, const struct record *r)
{
	int p = record_primary(r);
	const st_cert *signer = p >= 0 ? st_signature_signer(r->sigs[p].sig) : NULL;
	const st_part *part = r->part;

	fprintf(out, "%-10s ", st_verdict_name(st_part_verdict(part)));
	if (st_part_reason_count(part)) {
		for (size_t i = 0; i < st_part_reason_count(part); i++)
			fprintf(out, "%s%s", i ? "," : "", st_reason_name(st_part_reason(part, i)));
	} else {
		fputc('-', out);
	}
	fprintf(out, " \"%s\" %s\n", signer ? st_cert_subject_cn(signer) : "", r->path);
}

void report_text_error(FILE *out, const char *path, const char *msg)
{
	fprintf(out, "%-10s %s %s\n", "error", msg, path);
}

/*
 * `sigtrace explain [REASON]`: the ATT&CK card of T1036.001 offline, with
 * each procedure example and what in sigtrace catches it; or one reason:
 * its registry entry (sigtrace_reasons.h) and its row of docs/reasons.md
 * (embedded: the same text the documentation shows, which a unit test
 * checks against the registry).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "report/attack.h"

extern const char st_cli_reasons_md[];

/* What catches each procedure example of T1036.001 (ATT&CK v19) and the
 * tools its description names. `reasons` are verdict reason codes; `hunt`
 * names outliers rules and executed findings. tests/cli/test_explain.sh
 * checks every code against the registry and docs/outliers.md and
 * docs/telemetry.md. */
static const struct procedure {
	const char *id, *name, *trait, *reasons, *hunt;
} procedures[] = {
	{ "G0067", "APT37", "malware signed with a certificate named \"Tencent Technology (Shenzhen) Company Limited\" that no trusted CA issued",
	  "untrusted_root,publisher_impersonation", "subject_impostor_twin,one_off_signer" },
	{ "S0128", "BADNEWS", "an Authenticode signature that does not verify",
	  "digest_mismatch,signature_invalid", "signature_transplanted" },
	{ "S0666", "Gelsemium", "DLLs with unverified signatures, loaded by a signed process",
	  "digest_mismatch,untrusted_root", "side_loaded,judgement_differs" },
	{ "S0198", "NETWIRE", "fake and invalid certificates",
	  "untrusted_root,self_signed,signature_invalid,publisher_impersonation", "one_off_signer" },
	{ "S1050", "PcShare", "an invalid certificate to look legitimate",
	  "chain_invalid,cert_expired,untrusted_root", "" },
	{ "S0019", "Regin", "64-bit stage 1 modules signed with fake \"Microsoft Corporation\" and \"Broadcom Corporation\" certificates",
	  "publisher_impersonation,untrusted_root", "subject_impostor_twin" },
	{ "G0112", "Windshift", "malware signed with revoked certificates",
	  "revoked", "revoked" },
	{ "S0466", "WindTail", "macOS malware incompletely signed with revoked certificates",
	  "revoked,unsealed_resource", "revoked" },
	{ "tool", "SigThief", "the signature of a signed program copied onto another",
	  "digest_mismatch", "signature_transplanted" },
	{ "tool", "MetaTwin", "the signature and the version resource of a signed program copied onto another",
	  "digest_mismatch,metadata_mismatch", "signature_transplanted,metadata_mismatch" },
};

static void wrap(const char *label, const char *text);

/* "T1553.004 Install Root Certificate (T1553 Subvert Trust Controls,
 * tactic TA0112 Defense Impairment)", or without a sub-technique "T1068
 * Exploitation for Privilege Escalation (tactic TA0004 ...)". */
static void attack_text(const struct attack_neighbour *n, char *text, size_t len)
{
	if (n->subtechnique_id)
		snprintf(text, len, "%s %s (%s %s, tactic %s %s)", n->subtechnique_id, n->subtechnique_name,
			 n->technique_id, n->technique_name, n->tactic_id, n->tactic_name);
	else
		snprintf(text, len, "%s %s (tactic %s %s)", n->technique_id, n->technique_name, n->tactic_id,
			 n->tactic_name);
}

static void card(void)
{
	puts("T1036.001 Invalid Code Signature, a sub-technique of T1036 Masquerading\n"
	     "MITRE ATT&CK v19: tactic TA0005 Stealth (Defense Evasion before v19 split it into\n"
	     "Stealth and TA0112 Defense Impairment); platforms Windows and macOS.\n"
	     "https://attack.mitre.org/techniques/T1036/001/\n"
	     "\n"
	     "Adversaries give their programs the look of signed software: a signature or its\n"
	     "metadata copied from a signed program, a certificate named after a real vendor\n"
	     "that no trusted authority issued, or a revoked, expired or broken certificate.\n"
	     "The signature fails validation, but people and tools that read only the names\n"
	     "take the file for genuine. Unlike T1553.002 Code Signing, no valid signature\n"
	     "results.\n"
	     "\n"
	     "Data source: File Metadata (DS0022): signature validity and signing-certificate\n"
	     "metadata of files (sigtrace verify, scan), across files and hosts (scan --db,\n"
	     "outliers), and of the files that ran (ingest, executed).\n"
	     "Mitigation: M1045 Code Signing: require signed binaries; check the signature of\n"
	     "what executes.\n"
	     "\n"
	     "Procedure examples, and what catches them:");
	for (size_t i = 0; i < sizeof(procedures) / sizeof(procedures[0]); i++) {
		const struct procedure *p = &procedures[i];
		char label[32];
		snprintf(label, sizeof(label), "  %-5s %-10s ", p->id, p->name);
		wrap(label, p->trait);
		printf("        reasons: %s\n", p->reasons);
		if (*p->hunt)
			printf("        outliers and executed: %s\n", p->hunt);
	}
	puts("\nNeighbouring techniques a finding also belongs to (in its threat.* fields):");
	for (size_t i = 0; attack_neighbour_at(i); i++) {
		const struct attack_neighbour *n = attack_neighbour_at(i);
		char label[40], text[256];
		snprintf(label, sizeof(label), "  %-18s ", n->reason);
		attack_text(n, text, sizeof(text));
		wrap(label, text);
	}
	puts("\nsigtrace explain REASON tells what a reason code means and what to do.");
}

/* The row of docs/reasons.md for a code: "| `code` | effect | meaning |
 * action |". */
static bool reason_row(const char *code, char *meaning, size_t ml, char *action, size_t al)
{
	char head[96];
	const char *p;

	snprintf(head, sizeof(head), "\n| `%s` | ", code);
	if (!(p = strstr(st_cli_reasons_md, head)))
		return false;
	p += strlen(head);
	for (int col = 0; col < 3; col++) {
		const char *end = strstr(p, " | ");
		const char *eol = strchr(p, '\n');
		size_t len;
		if (col == 2) {
			/* The last column ends with " |" at the end of the line. */
			len = eol ? (size_t)(eol - p) : strlen(p);
			if (len >= 2 && p[len - 1] == '|')
				len -= 2;
			snprintf(action, al, "%.*s", (int)len, p);
			break;
		}
		if (!end || (eol && end > eol))
			return false;
		if (col == 1)
			snprintf(meaning, ml, "%.*s", (int)(end - p), p);
		p = end + 3;
	}
	return true;
}

static void wrap(const char *label, const char *text)
{
	size_t col = strlen(label);

	fputs(label, stdout);
	while (*text) {
		size_t w = strcspn(text, " ");
		if (col + w + 1 > 78 && col > strlen(label)) {
			printf("\n%*s", (int)strlen(label), "");
			col = strlen(label);
		} else if (col > strlen(label)) {
			putchar(' ');
			col++;
		}
		printf("%.*s", (int)w, text);
		col += w;
		text += w;
		while (*text == ' ')
			text++;
	}
	putchar('\n');
}

static int one_reason(const char *code)
{
	st_reason r = st_reason_by_name(code);
	char meaning[4096] = "", action[4096] = "", catches[512] = "";
	const struct attack_neighbour *n;
	size_t o = 0;

	if (r == ST_R__COUNT) {
		fprintf(stderr, "sigtrace: explain: '%s' is not a reason code (docs/reasons.md lists them)\n", code);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(procedures) / sizeof(procedures[0]); i++) {
		char list[128];
		const char *p = procedures[i].reasons;
		snprintf(list, sizeof(list), ",%s,", p);
		char needle[80];
		snprintf(needle, sizeof(needle), ",%s,", code);
		if (strstr(list, needle) && o < sizeof(catches))
			o += (size_t)snprintf(catches + o, sizeof(catches) - o, "%s%s", o ? ", " : "", procedures[i].name);
	}
	printf("%s: %s\n", st_reason_name(r), st_reason_summary(r));
	printf("verdict at least %s; file.code_signature.status %s\n", st_verdict_name(st_reason_effect(r)),
	       st_reason_ecs_status(r));
	if (reason_row(code, meaning, sizeof(meaning), action, sizeof(action))) {
		putchar('\n');
		wrap("Meaning:    ", meaning);
		wrap("What to do: ", action);
	}
	if (*catches)
		printf("\nT1036.001 procedure examples it catches: %s (sigtrace explain)\n", catches);
	if ((n = attack_neighbour_of(code))) {
		char text[256];
		attack_text(n, text, sizeof(text));
		printf("\nAlso ATT&CK %s: in the threat.* fields of its records\n", text);
	}
	return EXIT_CLEAN;
}

int cmd_explain(const struct opts *o)
{
	if (o->npaths == 0) {
		card();
		return EXIT_CLEAN;
	}
	return one_reason(o->paths[0]);
}

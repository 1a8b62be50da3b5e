/*
 * The execution events sigtrace takes from Windows logs, and how their
 * EventData names become fields (docs/telemetry.md lists them with their
 * sources). Data names are Sysmon's schema (v10 and later), the Security
 * log's 4688 template and Code Integrity's manifest (3033/3034 name their
 * values FileNameBuffer..., 3076/3077 "File Name"..., 3089 PublisherName...).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "telemetry/telemetry.h"

#define SYSMON "Microsoft-Windows-Sysmon"
#define SECURITY "Microsoft-Windows-Security-Auditing"

#define CI_LEVEL_NAMES \
	{ { "FileNameBuffer", ST_FIELD_IMAGE }, { "ProcessNameBuffer", ST_FIELD_PROCESS_IMAGE }, \
	  { "RequestedPolicy", EV_FIELD_REQUESTED_LEVEL }, { "ValidatedPolicy", EV_FIELD_VALIDATED_LEVEL } }
/* The flat hashes are of the whole file, as sigtrace's inventory keeps
 * them ("SHA256 Hash" is the Authenticode digest). */
#define CI_POLICY_NAMES \
	{ { "File Name", ST_FIELD_IMAGE }, { "Process Name", ST_FIELD_PROCESS_IMAGE }, \
	  { "Requested Signing Level", EV_FIELD_REQUESTED_LEVEL }, \
	  { "Validated Signing Level", EV_FIELD_VALIDATED_LEVEL }, { "SHA256 Flat Hash", ST_FIELD_SHA256 }, \
	  { "SHA1 Flat Hash", ST_FIELD_SHA1 }, { "PolicyName", EV_FIELD_POLICY } }

static const struct event_map maps[] = {
	{ SYSMON, 1, "sysmon", ST_EVENT_PROCESS, false, false,
	  { { "Image", ST_FIELD_IMAGE }, { "CommandLine", ST_FIELD_COMMAND_LINE },
	    { "ParentImage", ST_FIELD_PARENT_IMAGE }, { "ParentCommandLine", ST_FIELD_PARENT_COMMAND_LINE },
	    { "User", ST_FIELD_USER }, { "ProcessGuid", ST_FIELD_PROCESS_GUID }, { "Hashes", ST_FIELD_SHA256 } } },
	{ SYSMON, 6, "sysmon", ST_EVENT_DRIVER_LOAD, false, false,
	  { { "ImageLoaded", ST_FIELD_IMAGE }, { "Hashes", ST_FIELD_SHA256 }, { "Signed", ST_FIELD_SIGNED },
	    { "Signature", ST_FIELD_SIGNATURE }, { "SignatureStatus", ST_FIELD_SIGNATURE_STATUS } } },
	{ SYSMON, 7, "sysmon", ST_EVENT_IMAGE_LOAD, false, false,
	  { { "ImageLoaded", ST_FIELD_IMAGE }, { "Image", ST_FIELD_PROCESS_IMAGE },
	    { "ProcessGuid", ST_FIELD_PROCESS_GUID }, { "User", ST_FIELD_USER }, { "Hashes", ST_FIELD_SHA256 },
	    { "Signed", ST_FIELD_SIGNED }, { "Signature", ST_FIELD_SIGNATURE },
	    { "SignatureStatus", ST_FIELD_SIGNATURE_STATUS } } },
	/* The creator's account: SubjectDomainName\SubjectUserName. */
	{ SECURITY, 4688, "security", ST_EVENT_PROCESS, false, false,
	  { { "NewProcessName", ST_FIELD_IMAGE }, { "CommandLine", ST_FIELD_COMMAND_LINE },
	    { "ParentProcessName", ST_FIELD_PARENT_IMAGE }, { "SubjectUserName", ST_FIELD_USER },
	    { "SubjectDomainName", ST_FIELD_USER } } },
	/* Code Integrity: 3033 a load refused because the image did not meet
	 * the signing level the process requires, 3034 the same in audit
	 * mode (it loaded); 3077 refused by an App Control policy, 3076 the
	 * same in audit mode. The audited loads happened: image loads (driver
	 * loads when the process is System, event_finish). */
	{ CODE_INTEGRITY, 3033, "codeintegrity", ST_EVENT_BLOCKED_LOAD, false, false, CI_LEVEL_NAMES },
	{ CODE_INTEGRITY, 3034, "codeintegrity", ST_EVENT_IMAGE_LOAD, false, false, CI_LEVEL_NAMES },
	{ CODE_INTEGRITY, 3076, "codeintegrity", ST_EVENT_IMAGE_LOAD, false, false, CI_POLICY_NAMES },
	{ CODE_INTEGRITY, 3077, "codeintegrity", ST_EVENT_BLOCKED_LOAD, false, false, CI_POLICY_NAMES },
	/* One per signature of the file, after the load it belongs to. */
	{ CODE_INTEGRITY, 3089, "codeintegrity", ST_EVENT_BLOCKED_LOAD, true, false,
	  { { "PublisherName", ST_FIELD_SIGNATURE }, { "SignatureType", EV_FIELD_SIGNATURE_TYPE } } },
	/* CAPI2 81: the result of WinVerifyTrust on a file, asked for by a
	 * program (an installer checking what it is about to run, the shell
	 * checking a download). Windows' own judgement of the signature,
	 * at that time. */
	{ "Microsoft-Windows-CAPI2", 81, "capi2", ST_EVENT_TRUST_CHECK, false, true,
	  { { "FileInfo@filePath", ST_FIELD_IMAGE }, { "EventAuxInfo@ProcessName", ST_FIELD_PROCESS_IMAGE },
	    { "Result@value", EV_FIELD_RESULT } } },
};

const struct event_map *event_map_find(const char *provider, uint32_t id)
{
	for (size_t i = 0; provider && i < sizeof(maps) / sizeof(maps[0]); i++)
		if (maps[i].id == id && strcmp(maps[i].provider, provider) == 0)
			return &maps[i];
	return NULL;
}

static int set(struct st_event *e, int f, const char *v, size_t len)
{
	char *c;

	if (len > ST_EVENT_FIELD_MAX)
		len = ST_EVENT_FIELD_MAX;
	if (!(c = malloc(len + 1)))
		return -1;
	memcpy(c, v, len);
	c[len] = '\0';
	free(e->field[f]);
	e->field[f] = c;
	return 0;
}

/* "SHA1=80A5...,MD5=0431...,SHA256=0603...,IMPHASH=5EDA..." (the
 * algorithms Sysmon's HashAlgorithms names), lower-cased. */
static int hashes(struct st_event *e, const char *v)
{
	static const struct { const char *name; st_event_field f; size_t hexlen; } algs[] = {
		{ "SHA256=", ST_FIELD_SHA256, 64 }, { "SHA1=", ST_FIELD_SHA1, 40 }, { "MD5=", ST_FIELD_MD5, 32 },
	};

	while (*v) {
		const char *end = strchr(v, ',');
		size_t len = end ? (size_t)(end - v) : strlen(v);
		for (size_t i = 0; i < 3; i++) {
			size_t nl = strlen(algs[i].name);
			char hex[65];
			bool ok = len == nl + algs[i].hexlen && strncmp(v, algs[i].name, nl) == 0;
			for (size_t k = 0; ok && k < algs[i].hexlen; k++) {
				ok = isxdigit((unsigned char)v[nl + k]) != 0;
				hex[k] = (char)tolower((unsigned char)v[nl + k]);
			}
			if (ok && set(e, algs[i].f, hex, algs[i].hexlen))
				return -1;
		}
		v += len + (end ? 1 : 0);
	}
	return 0;
}

int event_set(struct st_event *e, int f, const char *v)
{
	return set(e, f, v, strlen(v));
}

int event_set_hex(struct st_event *e, int f, const char *v, size_t hexlen)
{
	char hex[129];

	if (strncmp(v, "0x", 2) == 0 || strncmp(v, "0X", 2) == 0)
		v += 2;
	if (hexlen >= sizeof(hex) || strlen(v) != hexlen)
		return 0;
	for (size_t k = 0; k < hexlen; k++) {
		if (!isxdigit((unsigned char)v[k]))
			return 0;
		hex[k] = (char)tolower((unsigned char)v[k]);
	}
	return set(e, f, hex, hexlen);
}

/* A signing level as Code Integrity logs it: a number (or 0x..). */
static bool level_ok(const char *v)
{
	for (const char *c = v; *c; c++)
		if (!isxdigit((unsigned char)*c) && !(c == v + 1 && (*c == 'x' || *c == 'X')))
			return false;
	return *v != '\0' && strlen(v) < 12;
}

int event_finish(struct st_event *e)
{
	const char *proc = e->field[ST_FIELD_PROCESS_IMAGE];
	const char *req = e->field[EV_FIELD_REQUESTED_LEVEL], *val = e->field[EV_FIELD_VALIDATED_LEVEL];
	const char *policy = e->field[EV_FIELD_POLICY];
	char status[512];

	if (e->source && strcmp(e->source, "capi2") == 0) {
		/* Result: 0, or the HRESULT in hex ("800B0100": no signature). */
		const char *r = e->field[EV_FIELD_RESULT];
		bool ok = r && strspn(r, "0") == strlen(r) && *r;
		if (!r || !level_ok(r))
			return 0;
		snprintf(status, sizeof(status), "WinVerifyTrust 0x%s", r);
		return set(e, ST_FIELD_SIGNED, ok ? "true" : "false", ok ? 4 : 5) ||
		       set(e, ST_FIELD_SIGNATURE_STATUS, ok ? "Valid" : status, strlen(ok ? "Valid" : status));
	}
	if (!e->source || strcmp(e->source, "codeintegrity") != 0)
		return 0;
	/* Kernel modules load into the System process. */
	if (e->kind == ST_EVENT_IMAGE_LOAD && proc && strcasecmp(proc, "System") == 0)
		e->kind = ST_EVENT_DRIVER_LOAD;
	snprintf(status, sizeof(status), "Code Integrity %u: %s: signing level %s required, %s validated%s%s",
		 e->id, e->kind == ST_EVENT_BLOCKED_LOAD ? "blocked" : "audit only, loaded",
		 req && level_ok(req) ? req : "?", val && level_ok(val) ? val : "?",
		 policy ? "; policy " : "", policy ? policy : "");
	return set(e, ST_FIELD_SIGNATURE_STATUS, status, strlen(status));
}

bool event_take_signer(struct st_event *e, const struct st_event *s)
{
	const char *a = e->field[EV_FIELD_ACTIVITY], *b = s->field[EV_FIELD_ACTIVITY];
	const char *type = s->field[EV_FIELD_SIGNATURE_TYPE], *pub = s->field[ST_FIELD_SIGNATURE];

	if (!a || !b || strcasecmp(a, b) != 0 || e->field[ST_FIELD_SIGNATURE])
		return false;
	/* SignatureType 0: the file had no signature Code Integrity could use. */
	if (type && strcmp(type, "0") == 0)
		return set(e, ST_FIELD_SIGNATURE, "(unsigned)", 10) == 0;
	return pub && set(e, ST_FIELD_SIGNATURE, pub, strlen(pub)) == 0;
}

int event_map_apply(const struct event_map *m, struct st_event *e, const char *name, const char *value)
{
	for (size_t i = 0; i < sizeof(m->names) / sizeof(m->names[0]) && m->names[i].data; i++) {
		if (strcmp(m->names[i].data, name) != 0)
			continue;
		if (strcmp(name, "Hashes") == 0)
			return hashes(e, value);
		if (m->names[i].field == ST_FIELD_SHA256 || m->names[i].field == ST_FIELD_SHA1)
			return event_set_hex(e, m->names[i].field, value, m->names[i].field == ST_FIELD_SHA256 ? 64 : 40);
		/* Sysmon writes "-" or "?" where it has no value. */
		if (!*value || strcmp(value, "-") == 0 || strcmp(value, "?") == 0)
			return 0;
		if (strcmp(name, "SubjectUserName") == 0 || strcmp(name, "SubjectDomainName") == 0) {
			/* DOMAIN\user, whichever of the two comes first. */
			char buf[1024];
			const char *have = e->field[ST_FIELD_USER];
			bool domain = strcmp(name, "SubjectDomainName") == 0;
			if (!have)
				snprintf(buf, sizeof(buf), "%s%s", value, domain ? "\\" : "");
			else if (domain)
				snprintf(buf, sizeof(buf), "%s\\%s", value, have);
			else
				snprintf(buf, sizeof(buf), "%s%s", have, value);
			return set(e, ST_FIELD_USER, buf, strlen(buf));
		}
		return set(e, m->names[i].field, value, strlen(value));
	}
	return 0;
}

void event_clear(struct st_event *e)
{
	for (int i = 0; i < EV_FIELD_TOTAL; i++)
		free(e->field[i]);
	memset(e, 0, sizeof(*e));
}

/*
 * The execution events sigtrace takes from Windows logs, and how their
 * EventData names become fields (docs/telemetry.md lists them with their
 * sources). Data names are Sysmon's schema (v10 and later) and the
 * Security log's 4688 template.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry/telemetry.h"

#define SYSMON "Microsoft-Windows-Sysmon"
#define SECURITY "Microsoft-Windows-Security-Auditing"

static const struct event_map maps[] = {
	{ SYSMON, 1, "sysmon", ST_EVENT_PROCESS,
	  { { "Image", ST_FIELD_IMAGE }, { "CommandLine", ST_FIELD_COMMAND_LINE },
	    { "ParentImage", ST_FIELD_PARENT_IMAGE }, { "ParentCommandLine", ST_FIELD_PARENT_COMMAND_LINE },
	    { "User", ST_FIELD_USER }, { "ProcessGuid", ST_FIELD_PROCESS_GUID }, { "Hashes", ST_FIELD_SHA256 } } },
	{ SYSMON, 6, "sysmon", ST_EVENT_DRIVER_LOAD,
	  { { "ImageLoaded", ST_FIELD_IMAGE }, { "Hashes", ST_FIELD_SHA256 }, { "Signed", ST_FIELD_SIGNED },
	    { "Signature", ST_FIELD_SIGNATURE }, { "SignatureStatus", ST_FIELD_SIGNATURE_STATUS } } },
	{ SYSMON, 7, "sysmon", ST_EVENT_IMAGE_LOAD,
	  { { "ImageLoaded", ST_FIELD_IMAGE }, { "Image", ST_FIELD_PROCESS_IMAGE },
	    { "ProcessGuid", ST_FIELD_PROCESS_GUID }, { "User", ST_FIELD_USER }, { "Hashes", ST_FIELD_SHA256 },
	    { "Signed", ST_FIELD_SIGNED }, { "Signature", ST_FIELD_SIGNATURE },
	    { "SignatureStatus", ST_FIELD_SIGNATURE_STATUS } } },
	/* The creator's account: SubjectDomainName\SubjectUserName. */
	{ SECURITY, 4688, "security", ST_EVENT_PROCESS,
	  { { "NewProcessName", ST_FIELD_IMAGE }, { "CommandLine", ST_FIELD_COMMAND_LINE },
	    { "ParentProcessName", ST_FIELD_PARENT_IMAGE }, { "SubjectUserName", ST_FIELD_USER },
	    { "SubjectDomainName", ST_FIELD_USER } } },
};

const struct event_map *event_map_find(const char *provider, uint32_t id)
{
	for (size_t i = 0; provider && i < sizeof(maps) / sizeof(maps[0]); i++)
		if (maps[i].id == id && strcmp(maps[i].provider, provider) == 0)
			return &maps[i];
	return NULL;
}

static int set(struct st_event *e, st_event_field f, const char *v, size_t len)
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

int event_map_apply(const struct event_map *m, struct st_event *e, const char *name, const char *value)
{
	for (size_t i = 0; i < sizeof(m->names) / sizeof(m->names[0]) && m->names[i].data; i++) {
		if (strcmp(m->names[i].data, name) != 0)
			continue;
		if (strcmp(name, "Hashes") == 0)
			return hashes(e, value);
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
	for (int i = 0; i < ST_FIELD_COUNT; i++)
		free(e->field[i]);
	memset(e, 0, sizeof(*e));
}

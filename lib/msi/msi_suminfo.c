/*
 * The summary information of a Windows Installer file: the root stream
 * "\x05SummaryInformation", an OLE property set (MS-OLEPS 2.21): byte
 * order FFFE at 0, the number of sections at 24, the first section's FMTID
 * at 28 and offset at 44; a section is its size, its property count, then
 * (identifier, offset) pairs, offsets from the section's start; a property
 * is its type (VT_I2 2, VT_LPSTR 0x1E, ...) then its value, a VT_LPSTR a
 * length (with the NUL) and bytes in the code page of property 1.
 *
 * Windows Installer's use of the identifiers: 2 title, 3 subject (the
 * product name), 4 author (the manufacturer), 6 comments, 7 template
 * (platform;languages), 9 revision number (the package code), 18 the
 * creating application. Nothing here is signed structure: a damaged
 * property is skipped.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "msi/msi.h"

#define MSI_SI_MAX_PROPERTIES 1024

static const struct {
	uint32_t pid;
	int slot;
} wanted[] = {
	{ 2, MSI_SI_TITLE },     { 3, MSI_SI_SUBJECT },  { 4, MSI_SI_AUTHOR },
	{ 6, MSI_SI_COMMENTS },  { 7, MSI_SI_TEMPLATE }, { 9, MSI_SI_REVISION },
	{ 18, MSI_SI_APPNAME },
};

/* The string's bytes in code page cp as UTF-8 (malloc'd); bytes that do
 * not convert become '?'. */
static char *to_utf8(const uint8_t *p, size_t n, unsigned cp)
{
	char from[16], *out, *o;
	size_t cap = n * 4 + 1, ol;
	iconv_t cd = (iconv_t)-1;

	if (n > ST_LIMIT_VERSION_STRING)
		n = ST_LIMIT_VERSION_STRING;
	while (n && p[n - 1] == 0)
		n--;
	if (!(out = malloc(cap)))
		return NULL;
	if (cp == 65001)
		snprintf(from, sizeof(from), "UTF-8");
	else
		snprintf(from, sizeof(from), "CP%u", cp ? cp : 1252);
	cd = iconv_open("UTF-8", from);
	o = out;
	ol = cap - 1;
	while (n && ol) {
		if (cd != (iconv_t)-1) {
			char *in = (char *)(uintptr_t)p;
			size_t il = n, r = iconv(cd, &in, &il, &o, &ol);
			p += n - il;
			n = il;
			if (r != (size_t)-1 || !n || !ol)
				break;
		}
		/* a byte that does not convert (or no converter): '?' */
		*o++ = p[0] >= 0x20 && p[0] < 0x7f ? (char)p[0] : '?';
		ol--;
		p++;
		n--;
	}
	*o = 0;
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	return out;
}

int msi_suminfo_parse(const uint8_t *data, size_t len, struct msi_suminfo *si)
{
	st_span s = st_span_make(data, len), sec;
	uint16_t order, cp16 = 0;
	uint32_t nsets, off, size, count;
	unsigned cp = 1252;

	memset(si, 0, sizeof(*si));
	if (!st_read_u16le(s, 0, &order) || order != 0xFFFE || !st_read_u32le(s, 24, &nsets) ||
	    nsets < 1 || !st_read_u32le(s, 44, &off) || !st_read_u32le(s, off, &size) ||
	    !st_span_sub(s, off, size, &sec) || !st_read_u32le(sec, 4, &count))
		return ST_OK;
	if (count > MSI_SI_MAX_PROPERTIES)
		count = MSI_SI_MAX_PROPERTIES;
	/* the code page first: the strings are in it */
	for (uint32_t i = 0; i < count; i++) {
		uint32_t pid, po, type;
		if (!st_read_u32le(sec, 8 + 8 * (uint64_t)i, &pid) ||
		    !st_read_u32le(sec, 12 + 8 * (uint64_t)i, &po))
			break;
		if (pid == 1 && st_read_u32le(sec, po, &type) && type == 2 &&
		    st_read_u16le(sec, (uint64_t)po + 4, &cp16))
			cp = cp16;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t pid, po, type, n;
		st_span str;
		if (!st_read_u32le(sec, 8 + 8 * (uint64_t)i, &pid) ||
		    !st_read_u32le(sec, 12 + 8 * (uint64_t)i, &po))
			break;
		if (!st_read_u32le(sec, po, &type) || type != 0x1E ||
		    !st_read_u32le(sec, (uint64_t)po + 4, &n) ||
		    !st_span_sub(sec, (uint64_t)po + 8, n, &str))
			continue;
		for (size_t w = 0; w < sizeof(wanted) / sizeof(wanted[0]); w++) {
			if (wanted[w].pid != pid || si->s[wanted[w].slot])
				continue;
			if (!(si->s[wanted[w].slot] = to_utf8(str.data, str.len, cp))) {
				msi_suminfo_clear(si);
				return ST_ENOMEM;
			}
		}
	}
	return ST_OK;
}

void msi_suminfo_clear(struct msi_suminfo *si)
{
	for (int i = 0; i < MSI_SI_COUNT; i++) {
		free(si->s[i]);
		si->s[i] = NULL;
	}
}

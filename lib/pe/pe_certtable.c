/*
 * WIN_CERTIFICATE entries of the PE certificate table.
 *
 * Rules (Authenticode PE specification; pitfalls in
 * docs/reasons.md): the table is located by a file offset, not an RVA; each
 * entry has dwLength (header included), wRevision 0x0200 and
 * wCertificateType 0x0002; entries start on 8-byte boundaries and their
 * rounded lengths add up to the directory size. Several entries are legal
 * (signed UEFI shims carry two) and each is verified.
 *
 * Nothing inside the table is covered by any digest, so every byte of it
 * must belong to a PKCS#7 structure or be alignment padding: anything else
 * is data smuggled into a signed file (CVE-2013-3900), reported as
 * cert_padding.
 */
#include "pe/pe_certtable.h"

#include <limits.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"

_Static_assert(sizeof(((struct pe_cert_table *)0)->entries) /
		       sizeof(struct pe_cert_entry) == ST_LIMIT_CERT_ENTRIES,
	       "entry array matches the documented limit");

#define ADD(code, ...) ST_ADD(rs, code, ST_EFFECT_DEFAULT, __VA_ARGS__)

static bool all_zero(st_span s)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.data[i])
			return false;
	return true;
}

/* Finds the extent of the DER SEQUENCE at the start of body. */
static int der_extent(st_span body, size_t *len, char *why, size_t whylen)
{
	const unsigned char *p = body.data;
	long plen = 0;
	int tag = 0, xclass = 0, ret;
	long avail = body.len > (size_t)LONG_MAX ? LONG_MAX : (long)body.len;

	ret = ASN1_get_object(&p, &plen, &tag, &xclass, avail);
	if (ret & 0x80) {
		/* ASN1_get_object advances p past a readable header even when
		 * the declared length exceeds what the entry holds. */
		if (p != body.data)
			snprintf(why, whylen,
				 "PKCS#7 declares %ld content bytes but the entry holds %ld: truncated",
				 plen, avail - (long)(p - body.data));
		else
			snprintf(why, whylen, "PKCS#7 DER header is unreadable");
		ERR_clear_error();
		return -1;
	}
	if (tag != V_ASN1_SEQUENCE || xclass != V_ASN1_UNIVERSAL || !(ret & V_ASN1_CONSTRUCTED)) {
		snprintf(why, whylen, "entry does not start with a DER SEQUENCE");
		return -1;
	}
	if (ret == 0x21) {
		/* Indefinite length (BER): the PKCS#7 parser finds the end;
		 * hand it the whole body. */
		*len = body.len;
		return 1;
	}
	*len = (size_t)(p - body.data) + (size_t)plen;
	return 0;
}

int pe_cert_table_parse(const struct pe_image *img, struct pe_cert_table *t,
			st_reasons *rs)
{
	uint64_t off = img->cert_off, size = img->cert_size, end, pos;
	uint64_t fsize = img->size;
	st_span tab;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!img->has_secdir_entry || (off == 0 && size == 0))
		return ST_OK;
	t->present = true;
	if (off == 0 || size == 0) {
		ADD(ST_R_MALFORMED_SIGNATURE,
		    "security directory has offset 0x%llx and size 0x%llx",
		    (unsigned long long)off, (unsigned long long)size);
		return ST_OK;
	}
	if (!st_add_u64(off, size, &end) || end > fsize) {
		ADD(ST_R_MALFORMED_SIGNATURE,
		    "certificate table [0x%llx, 0x%llx) lies outside the file (size 0x%llx)",
		    (unsigned long long)off, (unsigned long long)off + size,
		    (unsigned long long)fsize);
		return ST_OK;
	}
	if (off % 8)
		ADD(ST_R_MALFORMED_SIGNATURE,
		    "certificate table offset 0x%llx is not 8-byte aligned",
		    (unsigned long long)off);
	if (off < img->size_of_headers)
		ADD(ST_R_CERT_TABLE_NOT_AT_END,
		    "certificate table at 0x%llx overlaps the headers (SizeOfHeaders 0x%x)",
		    (unsigned long long)off, img->size_of_headers);
	for (uint16_t i = 0; i < img->nsections; i++) {
		const struct pe_section *s = &img->sections[i];
		uint64_t send = (uint64_t)s->raw_ptr + s->raw_size;
		if (s->raw_size && off < send && end > s->raw_ptr) {
			ADD(ST_R_CERT_TABLE_NOT_AT_END,
			    "certificate table [0x%llx, 0x%llx) overlaps section %s [0x%x, 0x%llx)",
			    (unsigned long long)off, (unsigned long long)end,
			    s->name, s->raw_ptr, (unsigned long long)send);
			break;
		}
		if (s->raw_size && send > end && s->raw_ptr >= end) {
			ADD(ST_R_CERT_TABLE_NOT_AT_END,
			    "section %s [0x%x, 0x%llx) lies after the certificate table",
			    s->name, s->raw_ptr, (unsigned long long)send);
			break;
		}
	}
	if (end < fsize)
		ADD(ST_R_TRAILING_DATA,
		    "%llu bytes follow the certificate table (ends at 0x%llx, file size 0x%llx)",
		    (unsigned long long)(fsize - end), (unsigned long long)end,
		    (unsigned long long)fsize);
	rc = st_input_view(img->in, off, size, &tab);
	if (rc < 0)
		return rc;
	if (rc) {
		ADD(ST_R_LIMIT_EXCEEDED,
		    "certificate table of %llu bytes is larger than the %llu bytes read of a file's structures",
		    (unsigned long long)size, (unsigned long long)ST_LIMIT_VIEW_BYTES);
		return ST_OK;
	}

	for (pos = off; pos < end;) {
		struct pe_cert_entry *e;
		uint32_t len;
		uint16_t rev, type;
		uint64_t next, entry_end;
		st_span body;
		char why[160];
		size_t derlen = 0;
		int dr;

		if (t->n == ST_LIMIT_CERT_ENTRIES) {
			ADD(ST_R_LIMIT_EXCEEDED,
			    "more than %d certificate-table entries; the rest are not verified",
			    ST_LIMIT_CERT_ENTRIES);
			break;
		}
		if (end - pos < 8 ||
		    !st_read_u32le(tab, pos - off, &len) ||
		    !st_read_u16le(tab, pos - off + 4, &rev) ||
		    !st_read_u16le(tab, pos - off + 6, &type)) {
			ADD(ST_R_MALFORMED_SIGNATURE,
			    "%llu bytes at 0x%llx are too short for a WIN_CERTIFICATE header",
			    (unsigned long long)(end - pos), (unsigned long long)pos);
			break;
		}
		if (len < 8 || (uint64_t)len > end - pos) {
			ADD(ST_R_MALFORMED_SIGNATURE,
			    "WIN_CERTIFICATE %zu at 0x%llx: dwLength %u does not fit the table (%llu bytes left)",
			    t->n, (unsigned long long)pos, len,
			    (unsigned long long)(end - pos));
			break;
		}
		e = &t->entries[t->n++];
		e->off = pos;
		e->length = len;
		e->revision = rev;
		e->type = type;
		entry_end = pos + len;
		if (rev != WIN_CERT_REVISION_2_0)
			ADD(ST_R_MALFORMED_SIGNATURE,
			    "WIN_CERTIFICATE %zu: revision 0x%04x, expected 0x0200",
			    t->n - 1, rev);
		if (type != WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
			ADD(ST_R_MALFORMED_SIGNATURE,
			    "WIN_CERTIFICATE %zu: certificate type 0x%04x is not PKCS#7 (0x0002)",
			    t->n - 1, type);
		}
		(void)st_span_sub(tab, pos - off + 8, len - 8, &body);
		dr = der_extent(body, &derlen, why, sizeof(why));
		if (dr < 0) {
			ADD(ST_R_MALFORMED_SIGNATURE, "WIN_CERTIFICATE %zu: %s",
			    t->n - 1, why);
		} else {
			st_span rest;
			e->usable = type == WIN_CERT_TYPE_PKCS_SIGNED_DATA;
			(void)st_span_sub(body, 0, derlen, &e->der);
			(void)st_span_tail(body, derlen, &rest);
			/* Up to 7 zero bytes round the DER to 8; anything
			 * more, or any non-zero byte, is unhashed payload. */
			if (rest.len >= 8 || !all_zero(rest))
				ADD(ST_R_CERT_PADDING,
				    "WIN_CERTIFICATE %zu: %zu bytes after the PKCS#7 inside the entry (at 0x%llx) are covered by no signature",
				    t->n - 1, rest.len,
				    (unsigned long long)(pos + 8 + derlen));
		}
		if (!st_align_up_u64(entry_end, 8, &next))
			break;
		if (next > end) {
			/* The last entry may end unpadded at the table end. */
			if (entry_end != end)
				ADD(ST_R_MALFORMED_SIGNATURE,
				    "certificate table size does not add up to its entries");
			break;
		}
		{
			st_span pad;
			(void)st_span_sub(tab, entry_end - off, next - entry_end, &pad);
			if (!all_zero(pad))
				ADD(ST_R_CERT_PADDING,
				    "non-zero alignment bytes after WIN_CERTIFICATE %zu at 0x%llx",
				    t->n - 1, (unsigned long long)entry_end);
		}
		pos = next;
	}
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

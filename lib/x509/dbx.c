/* The UEFI dbx (dbx.h). The EFI signature-list layout is read by hand: no
 * library on the platforms sigtrace runs on parses it (UEFI specification
 * 2.10, section 32.4.1, "Signature Database"). */
#include "x509/dbx.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/reader.h"
#include "core/result.h"
#include "x509/x509_util.h"

/* GUIDs as stored (the first three fields little-endian). */
static const uint8_t guid_sha256[16] = { 0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40,
					 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28 };
static const uint8_t guid_x509[16] = { 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
				       0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 };
static const uint8_t guid_pkcs7[16] = { 0x9d, 0xd2, 0xaf, 0x4a, 0xdf, 0x68, 0xee, 0x49,
					0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7 };
/* Signature types a dbx holds (UEFI 2.10 table 32-7): SHA-256, X.509,
 * SHA-1, X.509 SHA-256/384/512 (TBS hashes). Used to recognise a list. */
static const uint8_t guid_known[][16] = {
	{ 0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28 },
	{ 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 },
	{ 0x12, 0xa5, 0x6c, 0x82, 0x10, 0xcf, 0xc9, 0x4a, 0xb1, 0x87, 0xbe, 0x01, 0x49, 0x66, 0x31, 0xbd },
	{ 0x92, 0xa4, 0xd2, 0x3b, 0xc0, 0x96, 0x79, 0x40, 0xb4, 0x20, 0xfc, 0xf9, 0x8e, 0xf1, 0x03, 0xed },
	{ 0x6e, 0x87, 0x76, 0x70, 0xc2, 0x80, 0xe6, 0x4e, 0xaa, 0xd2, 0x28, 0xb3, 0x49, 0xa6, 0x86, 0x5b },
	{ 0x63, 0xbf, 0x6d, 0x44, 0x02, 0x25, 0xda, 0x4c, 0xbc, 0xfa, 0x24, 0x65, 0xd2, 0xb0, 0xfe, 0x9d },
};

static int cmp_dbx(const void *a, const void *b)
{
	const struct st_dbx_entry *x = a, *y = b;

	if (x->certificate != y->certificate)
		return x->certificate - y->certificate;
	return memcmp(x->hash, y->hash, 32);
}

static int push(struct st_trust *t, const struct st_dbx_entry *e)
{
	struct st_dbx_entry *nv;

	if (t->ndbx >= ST_LIMIT_DBX_ENTRIES)
		return ST_PARSE_LIMIT;
	nv = realloc(t->dbx, (t->ndbx + 1) * sizeof(*nv));
	if (!nv)
		return ST_ENOMEM;
	t->dbx = nv;
	t->dbx[t->ndbx++] = *e;
	return ST_OK;
}

static int dbx_line(char *line, void *arg)
{
	struct st_trust *t = arg;
	char *f[6], text[512];
	struct st_dbx_entry e = { 0 };
	int rc;

	if (st_trust_fields(line, f, 6) != 6)
		return ST_OK;
	e.certificate = strcmp(f[0], "certificate") == 0;
	if (!st_trust_unhex(f[2], e.hash, e.certificate ? 20 : 32))
		return ST_OK;
	if (e.certificate)
		snprintf(text, sizeof(text), "%s, added %s: %s", f[3], f[4], f[5]);
	else
		snprintf(text, sizeof(text), "%s (%s), added %s: %s", f[3], f[1], f[4], f[5]);
	if (!(e.text = st_strdup(text)))
		return ST_ENOMEM;
	if ((rc = push(t, &e)) != ST_OK)
		free(e.text);
	return rc == ST_PARSE_LIMIT ? ST_OK : rc;
}

int st_dbx_add_tsv(struct st_trust *t, const char *text)
{
	size_t before = t->ndbx;
	int rc = st_trust_each_line(text, dbx_line, t);

	if (t->ndbx)
		qsort(t->dbx, t->ndbx, sizeof(*t->dbx), cmp_dbx);
	return rc ? rc : (int)(t->ndbx - before);
}

static bool known_type(st_span s, uint64_t off)
{
	uint8_t g[16];

	if (!st_read_bytes(s, off, g, 16))
		return false;
	for (size_t i = 0; i < sizeof(guid_known) / sizeof(guid_known[0]); i++)
		if (memcmp(g, guid_known[i], 16) == 0)
			return true;
	return false;
}

/* Where the signature lists start: at 0; after efivarfs' 4-byte attributes;
 * or after an EFI_VARIABLE_AUTHENTICATION_2 (EFI_TIME, then a
 * WIN_CERTIFICATE_UEFI_GUID of type 0x0EF1 with the PKCS#7 GUID, whose
 * dwLength covers the PKCS#7). UINT64_MAX when none of these fits. */
static uint64_t lists_start(st_span s)
{
	uint32_t dwlen;
	uint16_t type;
	uint8_t g[16];
	uint64_t end;

	if (known_type(s, 0))
		return 0;
	if (known_type(s, 4))
		return 4;
	if (st_read_u32le(s, 16, &dwlen) && st_read_u16le(s, 22, &type) && type == 0x0EF1 &&
	    st_read_bytes(s, 24, g, 16) && memcmp(g, guid_pkcs7, 16) == 0 &&
	    st_add_u64(16, dwlen, &end) && known_type(s, end))
		return end;
	return UINT64_MAX;
}

int st_dbx_add_lists(struct st_trust *t, const uint8_t *d, size_t len, const char *origin,
		     size_t *skipped, char *why, size_t whylen)
{
	st_span s = st_span_make(d, len);
	uint64_t off = lists_start(s);
	size_t before = t->ndbx;
	int rc = ST_OK;

	*skipped = 0;
	if (off == UINT64_MAX) {
		snprintf(why, whylen, "not an EFI signature list");
		return 0;
	}
	while (off < len && rc == ST_OK) {
		uint32_t list_size, hdr_size, sig_size;
		uint8_t type[16];
		uint64_t first, n;
		bool sha256, x509;

		if (!st_read_bytes(s, off, type, 16) || !st_read_u32le(s, off + 16, &list_size) ||
		    !st_read_u32le(s, off + 20, &hdr_size) || !st_read_u32le(s, off + 24, &sig_size) ||
		    !st_span_contains(s, off, list_size) || sig_size <= 16 ||
		    (uint64_t)list_size < 28 + (uint64_t)hdr_size ||
		    (list_size - 28 - (uint64_t)hdr_size) % sig_size != 0) {
			snprintf(why, whylen, "signature list at offset %llu is malformed",
				 (unsigned long long)off);
			rc = ST_PARSE_MALFORMED;
			break;
		}
		first = off + 28 + hdr_size;
		n = (list_size - 28 - (uint64_t)hdr_size) / sig_size;
		sha256 = memcmp(type, guid_sha256, 16) == 0 && sig_size == 16 + 32;
		x509 = memcmp(type, guid_x509, 16) == 0;
		for (uint64_t i = 0; i < n && rc == ST_OK; i++) {
			/* Each EFI_SIGNATURE_DATA: the owner's GUID, then the data. */
			const uint8_t *data = d + first + i * sig_size + 16;
			size_t dlen = sig_size - 16;
			struct st_dbx_entry e = { 0 };
			char text[300];

			if (!sha256 && !x509) {
				(*skipped)++;
				continue;
			}
			e.certificate = x509;
			if (sha256)
				memcpy(e.hash, data, 32);
			else if (!EVP_Digest(data, dlen, e.hash, NULL, EVP_sha1(), NULL))
				rc = ST_ENOMEM;
			snprintf(text, sizeof(text), "entry %zu of %s", t->ndbx - before, origin);
			if (rc == ST_OK && !(e.text = st_strdup(text)))
				rc = ST_ENOMEM;
			if (rc == ST_OK && (rc = push(t, &e)) != ST_OK)
				free(e.text);
		}
		off += list_size;
	}
	if (rc != ST_OK) {
		/* All or nothing: a list that is cut or malformed is not taken in
		 * part. */
		while (t->ndbx > before)
			free(t->dbx[--t->ndbx].text);
	}
	if (t->ndbx)
		qsort(t->dbx, t->ndbx, sizeof(*t->dbx), cmp_dbx);
	if (rc == ST_ENOMEM)
		return ST_ENOMEM;
	if (rc == ST_PARSE_LIMIT)
		snprintf(why, whylen, "more than %u dbx entries", (unsigned)ST_LIMIT_DBX_ENTRIES);
	return rc == ST_OK ? (int)(t->ndbx - before) : 0;
}

const struct st_dbx_entry *st_trust_dbx(const struct st_trust *t, const uint8_t *hash,
					bool certificate)
{
	struct st_dbx_entry key = { .certificate = certificate };

	memcpy(key.hash, hash, certificate ? 20 : 32);
	return t->ndbx ? bsearch(&key, t->dbx, t->ndbx, sizeof(key), cmp_dbx) : NULL;
}

/*
 * SpcIndirectDataContent, SpcPeImageData, SpcLink, SpcSerializedObject and
 * SpcSpOpusInfo, declared with OpenSSL's ASN.1 templates. OIDs are compared
 * as dotted text so nothing is registered with OBJ_create (which is not
 * thread-safe).
 */
#include "authenticode/spc.h"

#include <limits.h>
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/result.h"
#include "x509/x509_util.h"

typedef struct {
	ASN1_OBJECT *type;
	ASN1_TYPE *value;
} SpcAttributeTypeAndOptionalValue;

typedef struct {
	SpcAttributeTypeAndOptionalValue *data;
	X509_SIG *messageDigest;
} SpcIndirectDataContent;

typedef struct {
	int type;
	union {
		ASN1_BMPSTRING *unicode;
		ASN1_IA5STRING *ascii;
	} value;
} SpcString;

typedef struct {
	ASN1_OCTET_STRING *classId;
	ASN1_OCTET_STRING *serializedData;
} SpcSerializedObject;

typedef struct {
	int type;
	union {
		ASN1_IA5STRING *url;
		SpcSerializedObject *moniker;
		SpcString *file;
	} value;
} SpcLink;

typedef struct {
	ASN1_BIT_STRING *flags;
	SpcLink *file;
} SpcPeImageData;

typedef struct {
	SpcString *programName;
	SpcLink *moreInfo;
} SpcSpOpusInfo;

DECLARE_ASN1_FUNCTIONS(SpcAttributeTypeAndOptionalValue)
DECLARE_ASN1_FUNCTIONS(SpcIndirectDataContent)
DECLARE_ASN1_FUNCTIONS(SpcString)
DECLARE_ASN1_FUNCTIONS(SpcSerializedObject)
DECLARE_ASN1_FUNCTIONS(SpcLink)
DECLARE_ASN1_FUNCTIONS(SpcPeImageData)
DECLARE_ASN1_FUNCTIONS(SpcSpOpusInfo)

ASN1_SEQUENCE(SpcAttributeTypeAndOptionalValue) = {
	ASN1_SIMPLE(SpcAttributeTypeAndOptionalValue, type, ASN1_OBJECT),
	ASN1_OPT(SpcAttributeTypeAndOptionalValue, value, ASN1_ANY)
} ASN1_SEQUENCE_END(SpcAttributeTypeAndOptionalValue)
IMPLEMENT_ASN1_FUNCTIONS(SpcAttributeTypeAndOptionalValue)

ASN1_SEQUENCE(SpcIndirectDataContent) = {
	ASN1_SIMPLE(SpcIndirectDataContent, data, SpcAttributeTypeAndOptionalValue),
	ASN1_SIMPLE(SpcIndirectDataContent, messageDigest, X509_SIG)
} ASN1_SEQUENCE_END(SpcIndirectDataContent)
IMPLEMENT_ASN1_FUNCTIONS(SpcIndirectDataContent)

ASN1_CHOICE(SpcString) = {
	ASN1_IMP_OPT(SpcString, value.unicode, ASN1_BMPSTRING, 0),
	ASN1_IMP_OPT(SpcString, value.ascii, ASN1_IA5STRING, 1)
} ASN1_CHOICE_END(SpcString)
IMPLEMENT_ASN1_FUNCTIONS(SpcString)

ASN1_SEQUENCE(SpcSerializedObject) = {
	ASN1_SIMPLE(SpcSerializedObject, classId, ASN1_OCTET_STRING),
	ASN1_SIMPLE(SpcSerializedObject, serializedData, ASN1_OCTET_STRING)
} ASN1_SEQUENCE_END(SpcSerializedObject)
IMPLEMENT_ASN1_FUNCTIONS(SpcSerializedObject)

ASN1_CHOICE(SpcLink) = {
	ASN1_IMP_OPT(SpcLink, value.url, ASN1_IA5STRING, 0),
	ASN1_IMP_OPT(SpcLink, value.moniker, SpcSerializedObject, 1),
	ASN1_EXP_OPT(SpcLink, value.file, SpcString, 2)
} ASN1_CHOICE_END(SpcLink)
IMPLEMENT_ASN1_FUNCTIONS(SpcLink)

ASN1_SEQUENCE(SpcPeImageData) = {
	ASN1_OPT(SpcPeImageData, flags, ASN1_BIT_STRING),
	ASN1_EXP_OPT(SpcPeImageData, file, SpcLink, 0)
} ASN1_SEQUENCE_END(SpcPeImageData)
IMPLEMENT_ASN1_FUNCTIONS(SpcPeImageData)

ASN1_SEQUENCE(SpcSpOpusInfo) = {
	ASN1_EXP_OPT(SpcSpOpusInfo, programName, SpcString, 0),
	ASN1_EXP_OPT(SpcSpOpusInfo, moreInfo, SpcLink, 1)
} ASN1_SEQUENCE_END(SpcSpOpusInfo)
IMPLEMENT_ASN1_FUNCTIONS(SpcSpOpusInfo)

/* Class id of the SpcSerializedObject that carries page hashes. */
static const uint8_t page_hash_class_id[16] = {
	0xa6, 0xb5, 0x86, 0xd5, 0xb4, 0xa1, 0x24, 0x66,
	0xae, 0x05, 0xa2, 0x17, 0xda, 0x8e, 0x60, 0xd6,
};

/* Walks the elements of a DER SET (the whole TLV in `set`), handing each
 * element's full TLV to fn. Returns false when the encoding is broken. */
static bool for_each_in_set(const uint8_t *set, size_t len,
			    bool (*fn)(const uint8_t *, size_t, void *), void *arg)
{
	const unsigned char *p = set, *end;
	long plen;
	int tag, xclass, ret;

	if (len > (size_t)LONG_MAX)
		return false;
	ret = ASN1_get_object(&p, &plen, &tag, &xclass, (long)len);
	if ((ret & 0x80) || ret == 0x21 || tag != V_ASN1_SET)
		return false;
	end = p + plen;
	while (p < end) {
		const unsigned char *q = p;
		long elen;
		ret = ASN1_get_object(&q, &elen, &tag, &xclass, end - p);
		if ((ret & 0x80) || ret == 0x21)
			return false;
		size_t total = (size_t)(q - p) + (size_t)elen;
		if (!fn(p, total, arg))
			return false;
		p += total;
	}
	return true;
}

struct page_collect {
	struct spc_info *info;
	bool enomem;
};

static bool collect_octets(const uint8_t *der, size_t len, void *arg)
{
	struct page_collect *pc = arg;
	const unsigned char *p = der;
	ASN1_OCTET_STRING *os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)len);
	size_t n;
	uint8_t *nb;

	if (!os)
		return false;
	n = (size_t)ASN1_STRING_length(os);
	nb = realloc(pc->info->page_hashes, pc->info->page_hashes_len + n + 1);
	if (!nb) {
		pc->enomem = true;
		ASN1_OCTET_STRING_free(os);
		return false;
	}
	memcpy(nb + pc->info->page_hashes_len, ASN1_STRING_get0_data(os), n);
	pc->info->page_hashes = nb;
	pc->info->page_hashes_len += n;
	ASN1_OCTET_STRING_free(os);
	return true;
}

static bool collect_page_attr(const uint8_t *der, size_t len, void *arg)
{
	struct page_collect *pc = arg;
	const unsigned char *p = der;
	SpcAttributeTypeAndOptionalValue *a =
		d2i_SpcAttributeTypeAndOptionalValue(NULL, &p, (long)len);
	bool ok = true;

	if (!a)
		return false;
	if (st_oid_is(a->type, OID_SPC_PAGE_HASH_V1) ||
	    st_oid_is(a->type, OID_SPC_PAGE_HASH_V2)) {
		if (pc->info->page_hash_nid != NID_undef || !a->value ||
		    a->value->type != V_ASN1_SET) {
			ok = false; /* two page-hash tables, or no table */
		} else {
			ASN1_STRING *s = a->value->value.set;
			pc->info->page_hash_nid =
				st_oid_is(a->type, OID_SPC_PAGE_HASH_V1) ? NID_sha1 : NID_sha256;
			ok = for_each_in_set(ASN1_STRING_get0_data(s),
					     (size_t)ASN1_STRING_length(s),
					     collect_octets, pc);
		}
	}
	SpcAttributeTypeAndOptionalValue_free(a);
	return ok;
}

static int parse_pe_image_data(const ASN1_TYPE *value, struct spc_info *out,
			       char *why, size_t whylen)
{
	const unsigned char *p;
	SpcPeImageData *pid;
	int rc = 0;

	if (!value || value->type != V_ASN1_SEQUENCE) {
		snprintf(why, whylen, "SpcPeImageData is missing");
		return ST_PARSE_MALFORMED;
	}
	p = ASN1_STRING_get0_data(value->value.sequence);
	pid = d2i_SpcPeImageData(NULL, &p, ASN1_STRING_length(value->value.sequence));
	if (!pid) {
		snprintf(why, whylen, "SpcPeImageData cannot be parsed");
		return ST_PARSE_MALFORMED;
	}
	if (pid->file && pid->file->type == 1 && pid->file->value.moniker) {
		SpcSerializedObject *so = pid->file->value.moniker;
		struct page_collect pc = { out, false };

		if (ASN1_STRING_length(so->classId) != sizeof(page_hash_class_id) ||
		    memcmp(ASN1_STRING_get0_data(so->classId), page_hash_class_id,
			   sizeof(page_hash_class_id)) != 0) {
			snprintf(why, whylen, "SpcSerializedObject has an unknown class id");
			rc = ST_PARSE_MALFORMED;
		} else if (!for_each_in_set(ASN1_STRING_get0_data(so->serializedData),
					    (size_t)ASN1_STRING_length(so->serializedData),
					    collect_page_attr, &pc)) {
			rc = pc.enomem ? ST_ENOMEM : ST_PARSE_MALFORMED;
			snprintf(why, whylen, "page-hash table cannot be parsed");
		}
	}
	SpcPeImageData_free(pid);
	return rc;
}

int spc_parse(const uint8_t *der, size_t len, struct spc_info *out,
	      char *why, size_t whylen)
{
	const unsigned char *p = der;
	SpcIndirectDataContent *idc;
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *dig;
	const ASN1_OBJECT *aobj;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->page_hash_nid = NID_undef;
	if (len > (size_t)LONG_MAX) {
		snprintf(why, whylen, "SpcIndirectDataContent is too large");
		return ST_PARSE_MALFORMED;
	}
	idc = d2i_SpcIndirectDataContent(NULL, &p, (long)len);
	ERR_clear_error();
	if (!idc || !idc->data || !idc->messageDigest) {
		SpcIndirectDataContent_free(idc);
		snprintf(why, whylen, "SpcIndirectDataContent cannot be parsed");
		return ST_PARSE_MALFORMED;
	}
	st_oid_text(idc->data->type, out->type_oid, sizeof(out->type_oid));
	X509_SIG_get0(idc->messageDigest, &alg, &dig);
	X509_ALGOR_get0(&aobj, NULL, NULL, alg);
	out->md_nid = OBJ_obj2nid(aobj);
	if ((size_t)ASN1_STRING_length(dig) > sizeof(out->digest)) {
		snprintf(why, whylen, "file digest is longer than any supported digest");
		rc = ST_PARSE_MALFORMED;
	} else {
		out->digest_len = (size_t)ASN1_STRING_length(dig);
		memcpy(out->digest, ASN1_STRING_get0_data(dig), out->digest_len);
	}
	if (rc == 0 && strcmp(out->type_oid, OID_SPC_PE_IMAGE_DATA) == 0)
		rc = parse_pe_image_data(idc->data->value, out, why, whylen);
	SpcIndirectDataContent_free(idc);
	ERR_clear_error();
	return rc;
}

void spc_info_clear(struct spc_info *info)
{
	free(info->page_hashes);
	info->page_hashes = NULL;
	info->page_hashes_len = 0;
}

char *spc_opus_program_name(const ASN1_TYPE *value)
{
	const unsigned char *p;
	SpcSpOpusInfo *oi;
	unsigned char *utf8 = NULL;
	char *out = NULL;
	int n = -1;

	if (!value || value->type != V_ASN1_SEQUENCE)
		return NULL;
	p = ASN1_STRING_get0_data(value->value.sequence);
	oi = d2i_SpcSpOpusInfo(NULL, &p, ASN1_STRING_length(value->value.sequence));
	ERR_clear_error();
	if (!oi)
		return NULL;
	if (oi->programName) {
		if (oi->programName->type == 0 && oi->programName->value.unicode)
			n = ASN1_STRING_to_UTF8(&utf8, oi->programName->value.unicode);
		else if (oi->programName->type == 1 && oi->programName->value.ascii)
			n = ASN1_STRING_to_UTF8(&utf8, oi->programName->value.ascii);
	}
	if (n >= 0) {
		if (n > ST_LIMIT_VERSION_STRING)
			n = ST_LIMIT_VERSION_STRING;
		out = malloc((size_t)n + 1);
		if (out) {
			memcpy(out, utf8, (size_t)n);
			out[n] = '\0';
		}
	}
	OPENSSL_free(utf8);
	SpcSpOpusInfo_free(oi);
	ERR_clear_error();
	return out;
}

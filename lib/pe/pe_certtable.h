/* The PE attribute certificate table (security directory). */
#ifndef ST_PE_CERTTABLE_H
#define ST_PE_CERTTABLE_H

#include "pe/pe_image.h"

#define WIN_CERT_REVISION_2_0 0x0200
#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 0x0002

struct pe_cert_entry {
	uint64_t off;        /* file offset of the WIN_CERTIFICATE header */
	uint32_t length;     /* dwLength, header included */
	uint16_t revision, type;
	st_span der;         /* the PKCS#7 DER, exactly as long as it declares */
	bool usable;         /* der can be handed to the PKCS#7 parser */
};

struct pe_cert_table {
	bool present;
	struct pe_cert_entry entries[8];
	size_t n;
};

/* Parses and checks the table. Structural problems become reasons in rs
 * (malformed_signature, cert_padding, trailing_data,
 * cert_table_not_at_end, limit_exceeded). Returns ST_OK, ST_EIO or
 * ST_ENOMEM. The entries' spans live as long as the image's input. */
int pe_cert_table_parse(const struct pe_image *img, struct pe_cert_table *t,
			st_reasons *rs);

#endif

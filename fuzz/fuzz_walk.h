/* Shared by the fuzz targets: touches every public accessor of a result,
 * part by part, as the reports do. */
#ifndef ST_FUZZ_WALK_H
#define ST_FUZZ_WALK_H

#include "sigtrace.h"

static inline void fuzz_touch_cert(const st_cert *c)
{
	if (c) {
		(void)st_cert_subject(c);
		(void)st_cert_sha256(c);
	}
}

static inline void fuzz_touch_part(const st_part *p)
{
	(void)st_part_ecs_status(p);
	(void)st_part_path(p);
	for (size_t i = 0; i < st_part_reason_count(p); i++)
		(void)st_part_reason_detail(p, i);
	for (size_t i = 0; i < st_part_property_count(p); i++)
		(void)st_property_key(st_part_property(p, i));
	for (size_t i = 0; i < st_part_signature_count(p); i++) {
		const st_signature *s = st_part_signature(p, i);
		fuzz_touch_cert(st_signature_signer(s));
		fuzz_touch_cert(st_signature_timestamp_signer(s));
		for (size_t k = 0; k < st_signature_chain_length(s); k++)
			fuzz_touch_cert(st_signature_chain_cert(s, k));
		for (size_t k = 0; k < st_signature_property_count(s); k++)
			(void)st_property_string(st_signature_property(s, k));
	}
	for (size_t i = 0; i < st_part_child_count(p); i++)
		fuzz_touch_part(st_part_child(p, i));
}

/* A whole file through st_verify_buffer, every accessor touched: the body
 * of the whole-file targets (fuzz_pe, fuzz_macho), whose corpora differ. */
static inline int fuzz_whole_file(const uint8_t *data, size_t size)
{
	static st_context *ctx;
	st_result *res = NULL;

	if (!ctx) {
		if (st_context_new(&ctx) != ST_OK)
			return 0;
		st_context_set_time(ctx, 1748736000); /* 2025-06-01 */
	}
	if (st_verify_buffer(ctx, data, size, &res) == ST_OK) {
		fuzz_touch_part(st_result_part(res));
		st_result_free(res);
	}
	return 0;
}

#endif

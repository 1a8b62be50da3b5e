/* Fuzz target: a stapled notarization ticket (macho_ticket.c). Input: a
 * byte n, then n % 4 hashes the code is known by (a type byte and 20
 * bytes each), then the ticket. Seeded with tickets tools/ticket.py made
 * (one naming its first seed hash, one with a broken signature). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "macho/macho.h"
#include "x509/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static st_context *ctx;
	struct macho_ticket_hash want[3];
	struct macho_ticket t;
	size_t n;

	if (!ctx) {
		if (st_context_new(&ctx) != ST_OK)
			return 0;
		st_context_set_time(ctx, 1748736000); /* 2025-06-01 */
		if (st_trust_prepare(ctx->trust) != ST_OK)
			return 0;
	}
	if (size < 1)
		return 0;
	n = data[0] % 4;
	if (size < 1 + 21 * n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		want[i].type = data[1 + 21 * i];
		memcpy(want[i].hash, data + 2 + 21 * i, 20);
	}
	(void)macho_ticket_check(ctx, st_span_make(data + 1 + 21 * n, size - 1 - 21 * n), want, n, &t);
	(void)macho_ticket_state_name(t.state);
	return 0;
}

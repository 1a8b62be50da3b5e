/*
 * Stapled notarization tickets: whether a ticket stapled to a bundle
 * (Contents/CodeResources), a disk image (SuperBlob slot 0x10002) or a flat
 * package (t8lr trailer) is Apple's and names the code it sits with.
 *
 * Written by hand because no library reads the format. The layout
 * (little-endian), confirmed on the real ticket stapled to Dynamsoft's
 * DynamicWebTWAINServiceSetup.pkg (npm dwt 19.3.3) and on public copies:
 *
 *   "s8ch", u32 version (1), u32 chain length, u32 body length,
 *   the chain: one DER SEQUENCE of certificates, leaf first ("Software
 *     Ticket Signing", EC P-256, under Apple System Integration CA 4 and
 *     Apple Root CA - G3),
 *   the body: "g8tk", u16 2, u16 hash length (20), u32 count, u32 flags,
 *     u64 the time Apple made it (Unix seconds), then per hash a u8 type
 *     (Apple's CodeDirectory hash types: 1 SHA-1, 2 SHA-256) and the hash
 *     truncated to 20 bytes,
 *   an ECDSA-with-SHA-256 signature (DER; public copies carry a padding
 *     byte after it) by the leaf over everything before it.
 *
 * macOS looks a code up in its tickets by one hash: a code's CDHash (the
 * CodeDirectory's digest under its own hash type, truncated to 20 bytes),
 * a package's table-of-contents checksum (the real package lists its
 * SHA-1 with type 1, and the CDHashes of the code in its payload). The
 * ticket is bound when it lists one of the hashes the caller gives. The
 * chain is judged at the ticket's time (the leaf lives about 13 months;
 * macOS keeps honouring older tickets); revocation is an online check
 * macOS makes and sigtrace does not.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/limits.h"
#include "core/reader.h"
#include "macho/macho.h"
#include "x509/chain.h"
#include "x509/trust.h"

#define TICKET_HEADER 16
#define TICKET_BODY_HEAD 24
#define TICKET_ENTRY 21
#define TICKET_CERTS 8

/* The ticket leaf carries Apple's critical extension
 * 1.2.840.113635.100.6.1.30. */
static bool ticket_critical(const char *oid)
{
	static const char prefix[] = "1.2.840.113635.100.6.";
	return strncmp(oid, prefix, sizeof(prefix) - 1) == 0;
}

/* Ticket signing certificates carry no code-signing usage: that is a
 * warning here, not a failure. */
static const struct st_chain_policy ticket_policy = {
	.usage = ST_USAGE_CODE_SIGNING, .profile = ST_PROFILE_APPLE, .name = "apple-ticket",
	.accept_critical = ticket_critical,
	.expired = ST_VERDICT_INVALID, .expired_proven = ST_VERDICT_INVALID,
	.eku = ST_VERDICT_VALID,
};

const char *macho_ticket_state_name(enum macho_ticket_state s)
{
	switch (s) {
	case MACHO_TICKET_BOUND: return "bound";
	case MACHO_TICKET_OTHER_CODE: return "other_code";
	case MACHO_TICKET_BAD_SIGNATURE: return "bad_signature";
	case MACHO_TICKET_UNTRUSTED: return "untrusted";
	case MACHO_TICKET_MALFORMED: return "malformed";
	}
	return "malformed";
}

static void say(struct macho_ticket *t, enum macho_ticket_state s, const char *why)
{
	t->state = s;
	snprintf(t->why, sizeof(t->why), "%s", why);
}

int macho_ticket_check(const st_context *ctx, st_span tk, const struct macho_ticket_hash *want,
		       size_t nwant, struct macho_ticket *out)
{
	uint32_t version, chain_len, body_len, count;
	uint16_t body_ver, hash_len;
	uint64_t when, signed_len;
	const uint8_t *chain, *body, *sig;
	size_t sig_len, seq_len, seq_head = 0;
	STACK_OF(X509) *certs = NULL;
	EVP_MD_CTX *md = NULL;
	st_reasons rs = { 0 };
	struct st_chain_result cr = { 0 };
	int rc = ST_OK;

	memset(out, 0, sizeof(*out));
	say(out, MACHO_TICKET_MALFORMED, "the ticket cannot be read");
	if (tk.len < TICKET_HEADER || memcmp(tk.data, "s8ch", 4) != 0 || !st_read_u32le(tk, 4, &version) ||
	    version != 1 || !st_read_u32le(tk, 8, &chain_len) || !st_read_u32le(tk, 12, &body_len))
		return ST_OK;
	if (!st_add_u64(TICKET_HEADER, chain_len, &signed_len) || !st_add_u64(signed_len, body_len, &signed_len) ||
	    signed_len >= tk.len || body_len < TICKET_BODY_HEAD)
		return ST_OK;
	chain = tk.data + TICKET_HEADER;
	body = chain + chain_len;
	sig = tk.data + signed_len;
	sig_len = st_der_sequence_length(st_span_make(sig, tk.len - (size_t)signed_len), NULL);
	if (memcmp(body, "g8tk", 4) != 0 || sig_len == 0 || sig_len > tk.len - signed_len)
		return ST_OK;
	{
		st_span b = st_span_make(body, body_len);
		if (!st_read_u16le(b, 4, &body_ver) || !st_read_u16le(b, 6, &hash_len) ||
		    !st_read_u32le(b, 8, &count) || !st_read_u64le(b, 16, &when) || body_ver != 2 || hash_len != 20 ||
		    count > (body_len - TICKET_BODY_HEAD) / TICKET_ENTRY)
			return ST_OK;
	}
	out->time = when > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)when;
	out->nhashes = count;

	/* The certificates: one SEQUENCE around them. */
	seq_len = st_der_sequence_length(st_span_make(chain, chain_len), &seq_head);
	if (seq_len != chain_len)
		return ST_OK;
	if (!(certs = sk_X509_new_null()))
		return ST_ENOMEM;
	{
		const uint8_t *p = chain + seq_head, *end = chain + chain_len;
		while (p < end && sk_X509_num(certs) < TICKET_CERTS) {
			X509 *x = d2i_X509(NULL, &p, end - p);
			if (!x || !sk_X509_push(certs, x)) {
				X509_free(x);
				break;
			}
		}
		if (p != end || sk_X509_num(certs) == 0)
			goto done;
	}

	/* Apple's signature over header, chain and body. */
	if (!(md = EVP_MD_CTX_new())) {
		rc = ST_ENOMEM;
		goto done;
	}
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(sk_X509_value(certs, 0))) != 1 ||
	    EVP_DigestVerify(md, sig, sig_len, tk.data, (size_t)signed_len) != 1) {
		say(out, MACHO_TICKET_BAD_SIGNATURE, "the ticket's signature does not verify");
		goto done;
	}
	/* Its chain, at the time the ticket says it was made (not after the
	 * verification time). */
	{
		X509 *leaf = sk_X509_shift(certs);
		int64_t at = out->time < ctx->at ? out->time : ctx->at;
		rc = st_chain_verify(ctx, leaf, certs, at, true, &ticket_policy, &rs, "notarization ticket", &cr);
		X509_free(leaf);
		if (rc)
			goto done;
		if (!cr.trusted || st_reasons_worst(&rs) > ST_VERDICT_VALID) {
			say(out, MACHO_TICKET_UNTRUSTED, "the ticket's certificate chain does not end at an Apple root");
			goto done;
		}
	}
	/* Whether it names this code. */
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = body + TICKET_BODY_HEAD + (size_t)i * TICKET_ENTRY;
		for (size_t k = 0; k < nwant; k++) {
			if (e[0] == want[k].type && memcmp(e + 1, want[k].hash, 20) == 0) {
				say(out, MACHO_TICKET_BOUND, "the ticket names this code");
				goto done;
			}
		}
	}
	snprintf(out->why, sizeof(out->why), "Apple's ticket names %u other hash%s, not this code's", count,
		 count == 1 ? "" : "es");
	out->state = MACHO_TICKET_OTHER_CODE;
done:
	st_chain_result_clear(&cr);
	st_reasons_clear(&rs);
	EVP_MD_CTX_free(md);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();   /* what a damaged ticket left on OpenSSL's queue */
	return rc;
}

size_t macho_ticket_hashes_of_check(const struct macho_check *m, struct macho_ticket_hash *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < m->ncd && n < cap; i++) {
		if (m->cds[i].cdhash_len < 20)
			continue;
		out[n].type = m->cds[i].hash_type;
		memcpy(out[n].hash, m->cds[i].cdhash, 20);
		n++;
	}
	return n;
}

/* The CDHash of one signature of a Mach-O part (macho.cdhash: the
 * strongest CodeDirectory's, 20 bytes), with the hash types its digest
 * may stand for. */
static size_t hashes_of_signature(const st_signature *sig, struct macho_ticket_hash *out, size_t cap)
{
	const st_property *cd = st_signature_property_find(sig, "macho.cdhash");
	const char *alg = st_signature_digest_algorithm(sig);
	uint8_t types[2];
	size_t nt = 0, n = 0;
	uint8_t h[20];

	if (!cd || !st_property_string(cd) || strlen(st_property_string(cd)) != 40 ||
	    !st_trust_unhex(st_property_string(cd), h, 20) || !alg)
		return 0;
	if (strcmp(alg, "sha1") == 0) {
		types[nt++] = 1;
	} else if (strcmp(alg, "sha256") == 0) {
		types[nt++] = 2;
		types[nt++] = 3;   /* SHA-256 truncated to 20 bytes */
	} else if (strcmp(alg, "sha384") == 0) {
		types[nt++] = 4;
	}
	for (size_t i = 0; i < nt && n < cap; i++) {
		out[n].type = types[i];
		memcpy(out[n].hash, h, 20);
		n++;
	}
	return n;
}

size_t macho_ticket_hashes_of_part(const st_part *p, struct macho_ticket_hash *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < st_part_signature_count(p) && n < cap; i++)
		n += hashes_of_signature(st_part_signature(p, i), out + n, cap - n);
	/* A universal file: each slice's (the ticket lists every
	 * architecture). */
	for (size_t c = 0; c < st_part_child_count(p) && n < cap; c++) {
		const st_part *s = st_part_child(p, c);
		if (!st_part_is_constituent(s))
			continue;
		for (size_t i = 0; i < st_part_signature_count(s) && n < cap; i++)
			n += hashes_of_signature(st_part_signature(s, i), out + n, cap - n);
	}
	return n;
}

int macho_ticket_report(const st_context *ctx, st_span tk, const struct macho_ticket_hash *want, size_t nwant,
			st_props *props, const st_property_decl *state_decl, st_reasons *rs)
{
	struct macho_ticket t;
	int rc = macho_ticket_check(ctx, tk, want, nwant, &t);

	if (rc)
		return rc;
	if ((rc = st_props_set_str(props, state_decl, macho_ticket_state_name(t.state))))
		return rc;
	if (t.state != MACHO_TICKET_BOUND)
		return st_reasons_add(rs, ST_R_TICKET_MISMATCH, ST_EFFECT_DEFAULT, "stapled notarization ticket: %s",
				      t.why);
	return ST_OK;
}

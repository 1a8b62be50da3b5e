/* Unit tests for the Mach-O code-signature parsers: SuperBlob index and
 * CodeDirectory header, on blobs built here byte by byte. */
#include <stdint.h>
#include <string.h>

#include "core/result.h"
#include "harness.h"
#include "macho/macho.h"
#include "macho/macho_blobs.h"
#include "macho/macho_layout.h"

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* A version-0x20400 CodeDirectory: identifier "id", team "TEAM", 2 special
 * and 3 code slots of SHA-256, 4 KiB pages, codeLimit 10000. */
static size_t make_cd_hdr(uint8_t *b, uint32_t version, size_t hdr)
{
	size_t ident = hdr, team = ident + 3, hash = team + 5 + 2 * 32;
	size_t len = hash + 3 * 32;

	memset(b, 0, len);
	be32(b, 0xfade0c02);
	be32(b + 4, (uint32_t)len);
	be32(b + 8, version);
	be32(b + 16, (uint32_t)hash);
	be32(b + 20, (uint32_t)ident);
	be32(b + 24, 2);
	be32(b + 28, 3);
	be32(b + 32, 10000);
	b[36] = 32;
	b[37] = 2;
	b[39] = 12;
	be32(b + 48, (uint32_t)team);
	memcpy(b + ident, "id", 3);
	memcpy(b + team, "TEAM", 5);
	memset(b + hash, 0xab, 32);  /* code slot 0 */
	return len;
}

static size_t make_cd(uint8_t *b, uint32_t version)
{
	return make_cd_hdr(b, version, 88);
}

/* A requirement set built word by word: the designated requirement (type
 * 3) holding the expression appended with w() and d(). */
struct rq {
	uint8_t b[512];
	size_t n;
};

static void w(struct rq *r, uint32_t v)
{
	be32(r->b + r->n, v);
	r->n += 4;
}

static void d(struct rq *r, const void *p, uint32_t len)
{
	w(r, len);
	memcpy(r->b + r->n, p, len);
	r->n += len;
	while (r->n % 4)
		r->b[r->n++] = 0;
}

/* Wraps the expression of e into a requirements blob in r; renders it. */
static bool render(const struct rq *e, char *out, size_t cap)
{
	struct rq r = { { 0 }, 0 };
	struct cs_superblob s;

	w(&r, 0xfade0c01);
	w(&r, (uint32_t)(20 + 12 + e->n));
	w(&r, 1);
	w(&r, 3);
	w(&r, 20);
	w(&r, 0xfade0c00);
	w(&r, (uint32_t)(12 + e->n));
	w(&r, 1);
	memcpy(r.b + r.n, e->b, e->n);
	r.n += e->n;
	memset(&s, 0, sizeof(s));
	s.n = 1;
	s.blobs[0].type = 2;
	s.blobs[0].magic = 0xfade0c01;
	s.blobs[0].data = st_span_make(r.b, r.n);
	return macho_designated_requirement(&s, out, cap);
}

static void requirements(void)
{
	static const uint8_t devid_oid[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x02, 0x06 };
	char out[512];
	struct rq e = { { 0 }, 0 };

	/* identifier and (anchor apple generic and (cert 1 marker exists and
	 * leaf OU = "T")) */
	w(&e, 6);
	w(&e, 2), d(&e, "com.example.tool", 16);
	w(&e, 6);
	w(&e, 15);
	w(&e, 6);
	w(&e, 14), w(&e, 1), d(&e, devid_oid, sizeof(devid_oid)), w(&e, 0);
	w(&e, 11), w(&e, 0), d(&e, "subject.OU", 10), w(&e, 1), d(&e, "TEAMID1234", 10);
	CHECK(render(&e, out, sizeof(out)) &&
		      strcmp(out, "(identifier \"com.example.tool\") and ((anchor apple generic) and "
				  "((certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */) and "
				  "(certificate leaf[subject.OU] = \"TEAMID1234\")))") == 0,
	      "designated requirement: identifier, anchor apple generic, an OID marker, the leaf's OU");
	e.n = 0;
	w(&e, 9), w(&e, 8), d(&e, "\x01\x02\xff", 3);
	CHECK(render(&e, out, sizeof(out)) && strcmp(out, "! (cdhash H\"0102ff\")") == 0,
	      "designated requirement: a negated cdhash");
	e.n = 0;
	w(&e, 10), d(&e, "CFBundleVersion", 15), w(&e, 3), d(&e, "1.", 2);
	CHECK(render(&e, out, sizeof(out)) && strcmp(out, "info [CFBundleVersion] = \"1.*\"") == 0,
	      "designated requirement: an info key that begins with a value");
	e.n = 0;
	w(&e, 19), d(&e, "x", 1);
	CHECK(!render(&e, out, sizeof(out)) && out[0] == '\0', "designated requirement: named code gives no text");
	e.n = 0;
	w(&e, 2), d(&e, "a\"b", 3);
	CHECK(!render(&e, out, sizeof(out)), "designated requirement: a quote inside a string gives no text");
	e.n = 0;
	for (int i = 0; i < 40; i++)
		w(&e, 9);
	w(&e, 1);
	CHECK(!render(&e, out, sizeof(out)), "designated requirement: nesting deeper than 32 gives no text");
	e.n = 0;
	w(&e, 6), w(&e, 1);
	CHECK(!render(&e, out, sizeof(out)), "designated requirement: an expression cut short gives no text");
	e.n = 0;
	w(&e, 2), d(&e, "com.example.long.identifier.for.a.small.buffer", 46);
	CHECK(!render(&e, out, 16), "designated requirement: text longer than the buffer gives none");
}

int main(void)
{
	uint8_t cd[512], sb[256];
	struct cs_codedir d;
	struct cs_superblob s;
	char why[200];
	size_t len = make_cd(cd, 0x20400);

	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_OK,
	      "well-formed CodeDirectory parses");
	CHECK(strcmp(d.ident, "id") == 0 && d.team && strcmp(d.team, "TEAM") == 0,
	      "identifier and team ID");
	CHECK(d.n_code == 3 && d.n_special == 2 && d.code_limit == 10000 &&
	      cs_codedir_page_size(&d) == 4096, "slots, codeLimit and page size");
	CHECK(cs_codedir_code(&d, 0)[0] == 0xab, "code slot 0 is at hashOffset");
	CHECK(d.cdhash_len == 32 && strcmp(d.hash_name, "sha256") == 0, "CDHash is a full SHA-256");

	/* cs_blobs.h ends the 0x20600 header at 108 bytes (end_withLinkage);
	 * 112 is only the C struct's padded size. macho-devid-cd20600.arm64
	 * was once rejected for its identifier at 108. */
	len = make_cd_hdr(cd, 0x20600, 108);
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_OK &&
	      strcmp(d.ident, "id") == 0, "version 0x20600: identifier right after the 108-byte header");
	len = make_cd_hdr(cd, 0x20600, 104);
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "version 0x20600: identifier inside the header");

	len = make_cd(cd, 0x20100);
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_OK &&
	      d.team == NULL, "version 0x20100 has no team field");

	len = make_cd(cd, 0x20400);
	cd[36] = 20;
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "hash size that does not match the hash type");
	make_cd(cd, 0x20400);
	cd[37] = 3;
	cd[36] = 20;
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_OK &&
	      strcmp(d.hash_name, "sha256-truncated") == 0 && d.hash_size == 20,
	      "SHA-256 truncated to 20 bytes");
	make_cd(cd, 0x20400);
	cd[39] = 31;
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "page size 2^31 rejected (would overflow)");
	make_cd(cd, 0x20400);
	cd[39] = 0;
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_OK &&
	      cs_codedir_page_size(&d) == 0, "page size 0 means one page");
	make_cd(cd, 0x20400);
	be32(cd + 28, 4);
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "code slots past the end of the blob");
	make_cd(cd, 0x20400);
	be32(cd + 24, 0x40000000);
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_PARSE_LIMIT,
	      "special-slot count over the limit");
	make_cd(cd, 0x20400);
	be32(cd + 24, 40);
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "special slots reaching into the header");
	make_cd(cd, 0x20400);
	cd[len - 1 - 3 * 32 - 2 * 32 - 5 + 4] = 'X';  /* team's NUL */
	memset(cd + 88 + 3, 'X', 5);
	be32(cd + 48, (uint32_t)(len - 1));
	cd[len - 1] = 'Z';
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "team ID without a terminating NUL");
	make_cd(cd, 0x20400);
	be32(cd + 8, 0x10000);
	CHECK(cs_codedir_parse(st_span_make(cd, len), 0, &d, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "unknown major version");
	CHECK(cs_codedir_parse(st_span_make(cd, 40), 0, &d, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "truncated CodeDirectory");

	/* SuperBlob with two blobs. */
	memset(sb, 0, sizeof(sb));
	be32(sb, 0xfade0cc0);
	be32(sb + 4, 60);
	be32(sb + 8, 2);
	be32(sb + 12, 0); be32(sb + 16, 28);
	be32(sb + 20, 2); be32(sb + 24, 48);
	be32(sb + 28, 0xfade0c02); be32(sb + 32, 20);
	be32(sb + 48, 0xfade0c01); be32(sb + 52, 12);
	CHECK(cs_superblob_parse(st_span_make(sb, 64), &s, why, sizeof(why)) == ST_OK && s.n == 2 &&
	      cs_superblob_find(&s, 2) && cs_superblob_find(&s, 2)->data.len == 12,
	      "SuperBlob index");
	be32(sb + 52, 13);
	CHECK(cs_superblob_parse(st_span_make(sb, 64), &s, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "blob length past the SuperBlob");
	be32(sb + 52, 12);
	be32(sb + 20, 0);
	CHECK(cs_superblob_parse(st_span_make(sb, 64), &s, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "slot indexed twice");
	be32(sb + 20, 2);
	be32(sb + 24, 8);
	CHECK(cs_superblob_parse(st_span_make(sb, 64), &s, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "blob overlapping the index");
	be32(sb + 24, 48);
	be32(sb + 4, 65);
	CHECK(cs_superblob_parse(st_span_make(sb, 64), &s, why, sizeof(why)) == ST_PARSE_MALFORMED,
	      "SuperBlob longer than the signature area");

	/* Identification by magic. */
	{
		static const uint8_t java[8] = { 0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52 };
		static const uint8_t fat[8] = { 0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2 };
		static const uint8_t thin[4] = { 0xcf, 0xfa, 0xed, 0xfe };
		CHECK(!macho_is_fat(st_span_make(java, 8)), "a Java class file is not a universal binary");
		CHECK(macho_is_fat(st_span_make(fat, 8)), "universal header");
		CHECK(macho_is_thin(st_span_make(thin, 4)), "64-bit little-endian Mach-O");
		CHECK(strcmp(macho_arch_name(0x0100000c, 2), "arm64e") == 0, "arm64e subtype");
	}
	requirements();
	return harness_done();
}

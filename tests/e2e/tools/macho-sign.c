/*
 * macho-sign.c -- TEST-ONLY Mach-O code signer for the sigtrace end-to-end
 * fixtures (tests/e2e/make-macho-fixtures.sh).
 *
 * This is not a production signer and is not part of sigtrace. It exists so
 * that the Mach-O verifier in lib/macho/ is tested against signatures made by
 * a second, independent implementation of Apple's embedded code-signature
 * format, with knobs for the odd shapes the tests need (alternate
 * CodeDirectories, unusual page sizes, unsorted CMS attributes, wrong cdhash
 * attributes, ...). It only ever reads files the test scripts made, but all
 * parsing is bounds-checked anyway.
 *
 * Usage: macho-sign [options] IN OUT
 *
 * IN is a thin Mach-O (32/64-bit, either byte order) or a fat/fat64 file.
 * Every slice (or only the --arch ones) gets a new embedded signature; the
 * other slices are copied unchanged, and the fat layout is recomputed
 * honouring each slice's alignment. A slice that already has
 * LC_CODE_SIGNATURE (lld and Go write one) is re-signed in place: the
 * signature replaces whatever followed the old dataoff. A slice without one
 * gets a new LC_CODE_SIGNATURE when at least 16 zero bytes follow the load
 * commands; the signature then starts at the end of __LINKEDIT, rounded up
 * to 16 bytes.
 *
 * The signature area (LC_CODE_SIGNATURE datasize) is the SuperBlob rounded
 * up to 16 bytes; with a CMS signature it also holds some zero padding after
 * the SuperBlob (the CMS size is estimated before the code pages are hashed,
 * like codesign_allocate does). __LINKEDIT's filesize is set to end there and
 * its vmsize is that rounded up to the page size (16 KiB for arm64, 4 KiB
 * otherwise).
 *
 * Options:
 *   --identifier ID        CodeDirectory identifier (default: IN's file name)
 *   --team-id TEAM         team identifier in the CodeDirectory (version >= 0x20200)
 *   --cert PEM --key PEM   sign with a CMS signature (without --cert: ad-hoc)
 *   --chain PEM            extra certificates for the CMS (intermediates, not the root)
 *   --empty-cms            ad-hoc with an empty CMS wrapper blob (length 8)
 *   --hash H               slot-0 CodeDirectory hash: sha1|sha256|sha256t|sha384 (sha256)
 *   --alt-hash H           add an alternate CodeDirectory (slot 0x1000) with hash H
 *   --page-size N          4096 (default), 16384, ... ; 0 = one page covering all code
 *   --cd-version V         CodeDirectory version (default 0x20400; 0x20001..0x20600)
 *   --flags F              CodeDirectory flags OR'd in (adhoc 0x2 is added when ad-hoc)
 *   --runtime-version V    the CodeDirectory runtime field (version >= 0x20500)
 *   --platform N           the CodeDirectory platform byte (default 0)
 *   --special-slots N      at least N special slots in the CodeDirectories (the
 *                          unused ones zero; for limit tests)
 *   --requirements         bind an empty requirement set (slot 2)
 *   --designated-requirement
 *                          bind a requirement set holding a designated requirement
 *   --requirement-team T   name team T in it instead of --team-id's
 *                          'identifier "ID" and anchor apple generic and
 *                          certificate leaf[subject.OU] = "TEAM"' (slot 2)
 *   --entitlements FILE    bind an XML entitlements blob (slot 5)
 *   --der-entitlements FILE  bind a DER entitlements blob (slot 7)
 *   --info-plist FILE      bind a bundle's Info.plist (slot 1: the hash of the
 *                          file's bytes; the file stays outside the binary)
 *   --resources FILE       bind a bundle's _CodeSignature/CodeResources (slot 3)
 *   --signing-time T       pinned CMS signingTime, YYYY-MM-DD[THH:MM:SSZ]
 *   --no-cdhash-attrs      omit Apple's cdhash attributes (1.2.840.113635.100.9.1/.2)
 *   --bad-cdhash           the cdhash attributes name wrong cdhashes (CMS still valid)
 *   --unsorted-attrs       signed attributes in reverse DER order, signature computed
 *                          over the bytes as encoded
 *   --tsa-cert PEM --tsa-key PEM [--tsa-chain PEM] --tsa-time T
 *                          add an RFC 3161 timestamp token (unsigned attribute
 *                          1.2.840.113549.1.9.16.2.14) over the signature value,
 *                          made in-process with genTime T
 *   --arch NAME            only sign slices of this architecture (repeatable):
 *                          i386 x86_64 x86_64h arm armv7 armv7s arm64 arm64e arm64_32 ppc ppc64
 *
 * Output is deterministic for given keys and inputs, except for the
 * signature bytes of non-deterministic algorithms (ECDSA) and the signingTime
 * that OpenSSL puts into the timestamp token's own CMS.
 */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

/* ---- constants ------------------------------------------------------------ */

#define LC_SEGMENT 0x1u
#define LC_SEGMENT_64 0x19u
#define LC_CODE_SIGNATURE 0x1du
#define MH_EXECUTE 0x2u

#define CSMAGIC_REQUIREMENT 0xfade0c00u
#define CSMAGIC_REQUIREMENTS 0xfade0c01u
#define CSMAGIC_CODEDIRECTORY 0xfade0c02u
#define CSMAGIC_EMBEDDED_SIGNATURE 0xfade0cc0u
#define CSMAGIC_BLOBWRAPPER 0xfade0b01u
#define CSMAGIC_EMBEDDED_ENTITLEMENTS 0xfade7171u
#define CSMAGIC_EMBEDDED_DER_ENTITLEMENTS 0xfade7172u

#define CSSLOT_CODEDIRECTORY 0u
#define CSSLOT_REQUIREMENTS 2u
#define CSSLOT_ENTITLEMENTS 5u
#define CSSLOT_DER_ENTITLEMENTS 7u
#define CSSLOT_ALTERNATE_CODEDIRECTORIES 0x1000u
#define CSSLOT_SIGNATURESLOT 0x10000u
#define MAX_SPECIAL 7u

#define CS_ADHOC 0x2u
#define CS_EXECSEG_MAIN_BINARY 0x1u

#define OID_CDHASH_PLIST "1.2.840.113635.100.9.1"
#define OID_CDHASH_DIGESTS "1.2.840.113635.100.9.2"
#define OID_TIMESTAMP_TOKEN "1.2.840.113549.1.9.16.2.14"
#define OID_TSA_POLICY "1.2.3.4.1"

/* ---- errors and buffers --------------------------------------------------- */

static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("macho-sign: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (ERR_peek_error() != 0)
        ERR_print_errors_fp(stderr);
    exit(1);
}

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf;

static void b_reserve(buf *b, size_t n)
{
    if (n > SIZE_MAX / 2 - b->len)
        die("size overflow");
    if (b->len + n > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->len + n)
            c *= 2;
        uint8_t *p = realloc(b->p, c);
        if (p == NULL)
            die("out of memory");
        b->p = p;
        b->cap = c;
    }
}

static void b_put(buf *b, const void *d, size_t n)
{
    b_reserve(b, n);
    if (n != 0)
        memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void b_zero(buf *b, size_t n)
{
    b_reserve(b, n);
    memset(b->p + b->len, 0, n);
    b->len += n;
}

static void b_u8(buf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    b_put(b, &x, 1);
}

static void b_be16(buf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    b_put(b, x, 2);
}

static void b_be32(buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    b_put(b, x, 4);
}

static void b_be64(buf *b, uint64_t v)
{
    b_be32(b, (uint32_t)(v >> 32));
    b_be32(b, (uint32_t)v);
}

static void b_free(buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p, int be)
{
    if (be)
        return get_be32(p);
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get64(const uint8_t *p, int be)
{
    if (be)
        return get_be64(p);
    return (uint64_t)get32(p + 4, 0) << 32 | get32(p, 0);
}

static void put32(uint8_t *p, int be, uint32_t v)
{
    if (be) {
        put_be32(p, v);
        return;
    }
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, int be, uint64_t v)
{
    if (be) {
        put_be64(p, v);
        return;
    }
    put32(p, 0, (uint32_t)v);
    put32(p + 4, 0, (uint32_t)(v >> 32));
}

static size_t align_up(size_t v, size_t a)
{
    if (v > SIZE_MAX - a)
        die("size overflow");
    return (v + a - 1) / a * a;
}

static void read_file(const char *path, buf *out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("cannot open %s", path);
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        b_put(out, tmp, n);
    if (ferror(f))
        die("cannot read %s", path);
    fclose(f);
}

static void write_file(const char *path, const buf *b)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        die("cannot create %s", path);
    if (fwrite(b->p, 1, b->len, f) != b->len || fclose(f) != 0)
        die("cannot write %s", path);
}

/* ---- hashes --------------------------------------------------------------- */

struct htype {
    unsigned id;      /* CodeDirectory hashType */
    const char *name; /* option value */
    size_t size;      /* CodeDirectory hashSize */
    const char *md;   /* OpenSSL digest name */
};

static const struct htype htypes[] = {
    {1, "sha1", 20, "SHA1"},
    {2, "sha256", 32, "SHA256"},
    {3, "sha256t", 20, "SHA256"}, /* SHA-256 truncated to 20 bytes */
    {4, "sha384", 48, "SHA384"},
};

static const struct htype *htype_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof htypes / sizeof htypes[0]; i++)
        if (strcmp(htypes[i].name, name) == 0)
            return &htypes[i];
    die("unknown hash '%s' (sha1, sha256, sha256t, sha384)", name);
    return NULL;
}

static EVP_MD *md_cache[5];

static const EVP_MD *md_of(const struct htype *h)
{
    if (md_cache[h->id] == NULL) {
        md_cache[h->id] = EVP_MD_fetch(NULL, h->md, NULL);
        if (md_cache[h->id] == NULL)
            die("digest %s not available", h->md);
    }
    return md_cache[h->id];
}

/* Full (untruncated) digest; returns its length. */
static size_t digest_full(const struct htype *h, const void *d, size_t n, uint8_t out[EVP_MAX_MD_SIZE])
{
    unsigned int len = 0;
    if (!EVP_Digest(d, n, out, &len, md_of(h), NULL))
        die("digest failed");
    return len;
}

/* ---- Mach-O parsing ------------------------------------------------------- */

struct slice_info {
    const uint8_t *p;
    size_t len;
    int be, is64;
    uint32_t cputype, cpusubtype, filetype, ncmds, sizeofcmds;
    size_t hdrsize;
    size_t lc_sig;      /* offset of LC_CODE_SIGNATURE, 0 if none */
    size_t lc_linkedit; /* offset of the __LINKEDIT segment command, 0 if none */
    uint64_t linkedit_fileoff, linkedit_filesize;
    uint64_t text_fileoff, text_filesize;
    uint64_t first_data; /* lowest file offset of segment/section contents after the header */
};

static uint32_t rd32(const struct slice_info *m, size_t off)
{
    return get32(m->p + off, m->be);
}

static uint64_t rd64(const struct slice_info *m, size_t off)
{
    return get64(m->p + off, m->be);
}

static const char *parse_slice(const uint8_t *p, size_t len, struct slice_info *m)
{
    memset(m, 0, sizeof *m);
    m->p = p;
    m->len = len;
    if (len < 28)
        return "too short for a Mach-O header";
    switch (get_be32(p)) {
    case 0xfeedfaceu: m->be = 1; m->is64 = 0; break;
    case 0xfeedfacfu: m->be = 1; m->is64 = 1; break;
    case 0xcefaedfeu: m->be = 0; m->is64 = 0; break;
    case 0xcffaedfeu: m->be = 0; m->is64 = 1; break;
    default: return "not a Mach-O file";
    }
    m->hdrsize = m->is64 ? 32 : 28;
    if (len < m->hdrsize)
        return "truncated Mach-O header";
    m->cputype = rd32(m, 4);
    m->cpusubtype = rd32(m, 8);
    m->filetype = rd32(m, 12);
    m->ncmds = rd32(m, 16);
    m->sizeofcmds = rd32(m, 20);
    if (m->sizeofcmds > len - m->hdrsize)
        return "load commands extend past the end of the file";
    size_t end = m->hdrsize + m->sizeofcmds, off = m->hdrsize;
    m->first_data = len;
    for (uint32_t i = 0; i < m->ncmds; i++) {
        if (end - off < 8)
            return "load command header past sizeofcmds";
        uint32_t cmd = rd32(m, off), cmdsize = rd32(m, off + 4);
        if (cmdsize < 8 || cmdsize > end - off)
            return "bad cmdsize";
        if (cmd == LC_CODE_SIGNATURE) {
            if (cmdsize < 16)
                return "LC_CODE_SIGNATURE too short";
            if (m->lc_sig != 0)
                return "two LC_CODE_SIGNATURE commands";
            m->lc_sig = off;
        } else if (cmd == LC_SEGMENT || cmd == LC_SEGMENT_64) {
            int s64 = cmd == LC_SEGMENT_64;
            size_t shdr = s64 ? 72 : 56, ssz = s64 ? 80 : 68;
            if (cmdsize < shdr)
                return "segment command too short";
            uint64_t fileoff = s64 ? rd64(m, off + 40) : rd32(m, off + 32);
            uint64_t filesize = s64 ? rd64(m, off + 48) : rd32(m, off + 36);
            uint32_t nsects = rd32(m, off + (s64 ? 64 : 48));
            if (nsects > (cmdsize - shdr) / ssz)
                return "sections extend past cmdsize";
            const char *name = (const char *)p + off + 8;
            if (strncmp(name, "__LINKEDIT", 16) == 0) {
                if (m->lc_linkedit != 0)
                    return "two __LINKEDIT segments";
                m->lc_linkedit = off;
                m->linkedit_fileoff = fileoff;
                m->linkedit_filesize = filesize;
            } else if (strncmp(name, "__TEXT", 16) == 0) {
                m->text_fileoff = fileoff;
                m->text_filesize = filesize;
            }
            if (filesize != 0 && fileoff != 0 && fileoff < m->first_data)
                m->first_data = fileoff;
            for (uint32_t j = 0; j < nsects; j++) {
                size_t s = off + shdr + (size_t)j * ssz;
                uint32_t soff = rd32(m, s + (s64 ? 48 : 40));
                uint32_t type = rd32(m, s + (s64 ? 64 : 56)) & 0xffu;
                int zerofill = type == 0x1 || type == 0xc || type == 0x12;
                if (soff != 0 && !zerofill && soff < m->first_data)
                    m->first_data = soff;
            }
        }
        off += cmdsize;
    }
    if (m->lc_linkedit != 0 &&
        (m->linkedit_fileoff > len || m->linkedit_filesize > len - m->linkedit_fileoff))
        return "__LINKEDIT extends past the end of the file";
    return NULL;
}

/* ---- architectures -------------------------------------------------------- */

static const struct {
    const char *name;
    uint32_t cputype;
    int32_t cpusubtype; /* -1: any */
} arches[] = {
    {"i386", 7, 3},          {"x86_64", 0x01000007, 3}, {"x86_64h", 0x01000007, 8},
    {"arm", 12, -1},         {"armv7", 12, 9},          {"armv7s", 12, 11},
    {"arm64", 0x0100000c, 0}, {"arm64e", 0x0100000c, 2}, {"arm64_32", 0x0200000c, 1},
    {"ppc", 18, -1},         {"ppc64", 0x01000012, -1},
};

/* ---- options -------------------------------------------------------------- */

#define MAX_ARCH 16

struct opts {
    const char *in, *out, *identifier, *team, *requirement_team;
    const char *cert, *key, *chain;
    const char *tsa_cert, *tsa_key, *tsa_chain, *tsa_time;
    const char *entitlements, *der_entitlements, *signing_time;
    const char *info_plist, *resources;
    const struct htype *hash, *alt_hash;
    unsigned page_log2; /* 0: single page */
    uint32_t cd_version, flags, runtime_version;
    unsigned platform, min_special;
    int empty_cms, requirements, designated, no_cdhash_attrs, bad_cdhash, unsorted_attrs;
    size_t narch;
    size_t arch[MAX_ARCH]; /* indexes into arches[] */
};

static int arch_selected(const struct opts *o, uint32_t cputype, uint32_t cpusubtype)
{
    if (o->narch == 0)
        return 1;
    for (size_t i = 0; i < o->narch; i++) {
        size_t a = o->arch[i];
        if (arches[a].cputype != cputype)
            continue;
        if (arches[a].cpusubtype < 0 || (uint32_t)arches[a].cpusubtype == (cpusubtype & 0x00ffffffu))
            return 1;
    }
    return 0;
}

/* ---- signer state --------------------------------------------------------- */

struct signer {
    X509 *cert;
    EVP_PKEY *key;
    STACK_OF(X509) *chain;
    ASN1_TIME *signing_time;
    X509 *tsa_cert;
    EVP_PKEY *tsa_key;
    STACK_OF(X509) *tsa_chain;
    long tsa_time;
    buf ents, der_ents;
};

static X509 *load_cert(const char *path)
{
    BIO *b = BIO_new_file(path, "r");
    if (b == NULL)
        die("cannot open %s", path);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    if (x == NULL)
        die("no certificate in %s", path);
    return x;
}

static STACK_OF(X509) *load_certs(const char *path)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    BIO *b = BIO_new_file(path, "r");
    if (sk == NULL || b == NULL)
        die("cannot open %s", path);
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(sk, x))
            die("out of memory");
    ERR_clear_error(); /* end of file */
    BIO_free(b);
    if (sk_X509_num(sk) == 0)
        die("no certificates in %s", path);
    return sk;
}

static EVP_PKEY *load_key(const char *path)
{
    BIO *b = BIO_new_file(path, "r");
    if (b == NULL)
        die("cannot open %s", path);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (k == NULL)
        die("no private key in %s", path);
    return k;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" -> ASN1_TIME (UTCTime before 2050) */
static ASN1_TIME *parse_time(const char *s)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    char tail = 0;
    size_t n = strlen(s);
    int ok;
    if (n == 10)
        ok = sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) == 3;
    else
        ok = n == 20 && sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &tail) == 7 &&
             tail == 'Z';
    if (!ok || y < 1950 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 59)
        die("bad time '%s' (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", s);
    char g[64];
    snprintf(g, sizeof g, "%04d%02d%02d%02d%02d%02dZ", y, mo, d, h, mi, se);
    ASN1_TIME *t = ASN1_TIME_new();
    if (t == NULL || !ASN1_TIME_set_string_X509(t, g))
        die("bad time '%s'", s);
    return t;
}

static long time_to_epoch(const ASN1_TIME *t)
{
    int days = 0, secs = 0;
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    if (epoch == NULL || !ASN1_TIME_diff(&days, &secs, epoch, t))
        die("time conversion failed");
    ASN1_TIME_free(epoch);
    return (long)days * 86400L + secs;
}

/* ---- special-slot blobs --------------------------------------------------- */

struct specials {
    buf blob[MAX_SPECIAL + 1]; /* indexed by slot; len 0 = absent */
    buf ext[MAX_SPECIAL + 1];  /* files outside the binary a slot binds (1, 3) */
    unsigned nspecial;         /* highest slot present */
};

static void req_data(buf *b, const char *s)
{
    size_t n = strlen(s);
    b_be32(b, (uint32_t)n);
    b_put(b, s, n);
    b_zero(b, (4 - n % 4) % 4);
}

/* Requirement set: empty, or one designated requirement (type 3). */
static void build_requirements(buf *b, int designated, const char *ident, const char *team)
{
    if (!designated) {
        b_be32(b, CSMAGIC_REQUIREMENTS);
        b_be32(b, 12);
        b_be32(b, 0);
        return;
    }
    buf r = {0};
    b_be32(&r, CSMAGIC_REQUIREMENT);
    b_be32(&r, 0); /* length, patched below */
    b_be32(&r, 1); /* kind: expression form */
    b_be32(&r, 6); /* opAnd */
    b_be32(&r, 2); /* opIdent */
    req_data(&r, ident);
    if (team != NULL) {
        b_be32(&r, 6);  /* opAnd */
        b_be32(&r, 15); /* opAppleGenericAnchor */
        b_be32(&r, 11); /* opCertField */
        b_be32(&r, 0);  /* certificate slot 0: the leaf */
        req_data(&r, "subject.OU");
        b_be32(&r, 1); /* matchEqual */
        req_data(&r, team);
    } else {
        b_be32(&r, 15); /* opAppleGenericAnchor */
    }
    put_be32(r.p + 4, (uint32_t)r.len);
    b_be32(b, CSMAGIC_REQUIREMENTS);
    b_be32(b, (uint32_t)(20 + r.len));
    b_be32(b, 1);
    b_be32(b, 3); /* kSecDesignatedRequirementType */
    b_be32(b, 20);
    b_put(b, r.p, r.len);
    b_free(&r);
}

static void wrap_blob(buf *b, uint32_t magic, const buf *payload)
{
    if (payload->len > UINT32_MAX - 8)
        die("blob too large");
    b_be32(b, magic);
    b_be32(b, (uint32_t)(8 + payload->len));
    b_put(b, payload->p, payload->len);
}

static void build_specials(const struct opts *o, const struct signer *s, struct specials *sp)
{
    memset(sp, 0, sizeof *sp);
    if (o->requirements || o->designated)
        build_requirements(&sp->blob[CSSLOT_REQUIREMENTS], o->designated, o->identifier,
                           o->requirement_team ? o->requirement_team : o->team);
    if (o->entitlements != NULL)
        wrap_blob(&sp->blob[CSSLOT_ENTITLEMENTS], CSMAGIC_EMBEDDED_ENTITLEMENTS, &s->ents);
    if (o->der_entitlements != NULL)
        wrap_blob(&sp->blob[CSSLOT_DER_ENTITLEMENTS], CSMAGIC_EMBEDDED_DER_ENTITLEMENTS, &s->der_ents);
    if (o->info_plist != NULL)
        read_file(o->info_plist, &sp->ext[1]);
    if (o->resources != NULL)
        read_file(o->resources, &sp->ext[3]);
    for (unsigned i = 1; i <= MAX_SPECIAL; i++)
        if (sp->blob[i].len != 0 || sp->ext[i].p != NULL)
            sp->nspecial = i;
    if (sp->nspecial < o->min_special)
        sp->nspecial = o->min_special;
}

static void free_specials(struct specials *sp)
{
    for (unsigned i = 0; i <= MAX_SPECIAL; i++) {
        b_free(&sp->blob[i]);
        b_free(&sp->ext[i]);
    }
}

/* ---- CodeDirectory -------------------------------------------------------- */

static size_t cd_header_size(uint32_t v)
{
    if (v < 0x20100) return 44;  /* up to spare2 */
    if (v < 0x20200) return 48;  /* + scatterOffset */
    if (v < 0x20300) return 52;  /* + teamOffset */
    if (v < 0x20400) return 64;  /* + spare3, codeLimit64 */
    if (v < 0x20500) return 88;  /* + execSegBase, execSegLimit, execSegFlags */
    if (v < 0x20600) return 96;  /* + runtime, preEncryptOffset */
    return 108;                  /* + linkage fields */
}

static uint32_t n_code_slots(const struct opts *o, size_t code_limit)
{
    if (code_limit == 0)
        return 0;
    if (o->page_log2 == 0)
        return 1;
    size_t page = (size_t)1 << o->page_log2;
    return (uint32_t)((code_limit + page - 1) / page);
}

static size_t cd_size(const struct opts *o, const struct htype *h, size_t code_limit, unsigned nspecial)
{
    size_t n = cd_header_size(o->cd_version) + strlen(o->identifier) + 1;
    if (o->team != NULL)
        n += strlen(o->team) + 1;
    return n + ((size_t)nspecial + n_code_slots(o, code_limit)) * h->size;
}

static void build_cd(buf *cd, const struct opts *o, const struct htype *h, uint32_t flags,
                     const uint8_t *code, size_t code_limit, const struct specials *sp,
                     const struct slice_info *m)
{
    uint32_t v = o->cd_version;
    size_t hs = h->size, hdr = cd_header_size(v);
    size_t ident_off = hdr, idlen = strlen(o->identifier) + 1;
    size_t team_off = o->team ? ident_off + idlen : 0;
    size_t hash_off = ident_off + idlen + (o->team ? strlen(o->team) + 1 : 0) + sp->nspecial * hs;
    uint32_t ncode = n_code_slots(o, code_limit);
    size_t total = hash_off + (size_t)ncode * hs;
    if (total > UINT32_MAX || code_limit > UINT32_MAX)
        die("CodeDirectory too large");
    size_t start = cd->len;

    b_be32(cd, CSMAGIC_CODEDIRECTORY);
    b_be32(cd, (uint32_t)total);
    b_be32(cd, v);
    b_be32(cd, flags);
    b_be32(cd, (uint32_t)hash_off);
    b_be32(cd, (uint32_t)ident_off);
    b_be32(cd, sp->nspecial);
    b_be32(cd, ncode);
    b_be32(cd, (uint32_t)code_limit);
    b_u8(cd, (unsigned)hs);
    b_u8(cd, h->id);
    b_u8(cd, o->platform);
    b_u8(cd, o->page_log2);
    b_be32(cd, 0); /* spare2 */
    if (v >= 0x20100)
        b_be32(cd, 0); /* scatterOffset */
    if (v >= 0x20200)
        b_be32(cd, (uint32_t)team_off);
    if (v >= 0x20300) {
        b_be32(cd, 0); /* spare3 */
        b_be64(cd, 0); /* codeLimit64: only for > 4 GiB */
    }
    if (v >= 0x20400) {
        b_be64(cd, m->text_fileoff);
        b_be64(cd, m->text_filesize);
        b_be64(cd, m->filetype == MH_EXECUTE ? CS_EXECSEG_MAIN_BINARY : 0);
    }
    if (v >= 0x20500) {
        b_be32(cd, o->runtime_version);
        b_be32(cd, 0); /* preEncryptOffset */
    }
    if (v >= 0x20600) {
        b_u8(cd, 0);   /* linkageHashType */
        b_u8(cd, 0);   /* linkageApplicationType */
        b_be16(cd, 0); /* linkageApplicationSubType */
        b_be32(cd, 0); /* linkageOffset */
        b_be32(cd, 0); /* linkageSize */
    }
    if (cd->len - start != hdr)
        die("internal error: CodeDirectory header size");
    b_put(cd, o->identifier, idlen);
    if (o->team != NULL)
        b_put(cd, o->team, strlen(o->team) + 1);

    uint8_t md[EVP_MAX_MD_SIZE];
    for (unsigned slot = sp->nspecial; slot >= 1; slot--) { /* slot i at hashOffset - i*hashSize */
        if (slot <= MAX_SPECIAL && sp->blob[slot].len != 0) {
            digest_full(h, sp->blob[slot].p, sp->blob[slot].len, md);
            b_put(cd, md, hs);
        } else if (slot <= MAX_SPECIAL && sp->ext[slot].p != NULL) {
            digest_full(h, sp->ext[slot].p, sp->ext[slot].len, md);
            b_put(cd, md, hs);
        } else {
            b_zero(cd, hs);
        }
    }
    size_t page = o->page_log2 ? (size_t)1 << o->page_log2 : code_limit;
    for (uint32_t k = 0; k < ncode; k++) {
        size_t off = (size_t)k * page;
        size_t n = code_limit - off < page ? code_limit - off : page;
        digest_full(h, code + off, n, md);
        b_put(cd, md, hs);
    }
    if (cd->len - start != total)
        die("internal error: CodeDirectory size");
}

/* ---- minimal DER walking (for --unsorted-attrs) --------------------------- */

struct tlv {
    size_t off, hlen, len; /* tag at off, content at off+hlen, content length len */
    unsigned tag;
};

static int der_tlv(const uint8_t *p, size_t end, size_t off, struct tlv *t)
{
    if (off >= end || end - off < 2)
        return 0;
    t->off = off;
    t->tag = p[off];
    size_t i = off + 1;
    unsigned l = p[i++];
    size_t len = 0;
    if (l < 0x80) {
        len = l;
    } else {
        unsigned n = l & 0x7fu;
        if (n == 0 || n > 4 || n > end - i)
            return 0;
        while (n--)
            len = len << 8 | p[i++];
    }
    if (len > end - i)
        return 0;
    t->hlen = i - off;
    t->len = len;
    return 1;
}

static size_t tlv_end(const struct tlv *t)
{
    return t->off + t->hlen + t->len;
}

static void der_first(const uint8_t *p, const struct tlv *parent, struct tlv *child)
{
    if (!der_tlv(p, tlv_end(parent), parent->off + parent->hlen, child))
        die("CMS DER: bad structure");
}

static int der_next(const uint8_t *p, const struct tlv *parent, struct tlv *child)
{
    size_t next = tlv_end(child);
    if (next >= tlv_end(parent))
        return 0;
    if (!der_tlv(p, tlv_end(parent), next, child))
        die("CMS DER: bad structure");
    return 1;
}

/*
 * Rewrites the (only) SignerInfo's signedAttrs in reverse DER order and
 * re-signs them; the signature has the same length for RSA (retried for
 * ECDSA until it does), so no enclosing length changes.
 */
static void unsort_signed_attrs(buf *der, EVP_PKEY *key)
{
    uint8_t *p = der->p;
    struct tlv ci, c, sd, sis, si, attrs = {0}, sig = {0};
    if (!der_tlv(p, der->len, 0, &ci) || ci.tag != 0x30)
        die("CMS DER: not a SEQUENCE");
    der_first(p, &ci, &c); /* contentType */
    if (!der_next(p, &ci, &c) || c.tag != 0xa0)
        die("CMS DER: no [0] content");
    der_first(p, &c, &sd);
    struct tlv x;
    der_first(p, &sd, &x);
    sis = x;
    while (der_next(p, &sd, &x))
        sis = x; /* signerInfos is the last element of SignedData */
    if (sis.tag != 0x31)
        die("CMS DER: no signerInfos");
    der_first(p, &sis, &si);
    der_first(p, &si, &x);
    attrs.tag = 0;
    sig.tag = 0;
    do {
        if (x.tag == 0xa0)
            attrs = x;
        else if (x.tag == 0x04)
            sig = x;
    } while (der_next(p, &si, &x));
    if (attrs.tag != 0xa0 || sig.tag != 0x04)
        die("CMS DER: no signed attributes or signature");

    struct tlv items[32];
    size_t n = 0;
    der_first(p, &attrs, &x);
    do {
        if (n == 32)
            die("too many signed attributes");
        items[n++] = x;
    } while (der_next(p, &attrs, &x));
    if (n < 2)
        die("--unsorted-attrs needs at least two signed attributes");
    buf tmp = {0};
    for (size_t i = n; i-- > 0;)
        b_put(&tmp, p + items[i].off, items[i].hlen + items[i].len);
    memcpy(p + attrs.off + attrs.hlen, tmp.p, tmp.len);
    b_free(&tmp);

    /* The signature covers the attributes with the universal SET tag. */
    buf tbs = {0};
    b_put(&tbs, p + attrs.off, attrs.hlen + attrs.len);
    tbs.p[0] = 0x31;
    for (int attempt = 0;; attempt++) {
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        size_t siglen = 0;
        if (mctx == NULL || !EVP_DigestSignInit_ex(mctx, NULL, "SHA256", NULL, NULL, key, NULL) ||
            !EVP_DigestSign(mctx, NULL, &siglen, tbs.p, tbs.len))
            die("re-signing the attributes failed");
        uint8_t *s = malloc(siglen);
        if (s == NULL || !EVP_DigestSign(mctx, s, &siglen, tbs.p, tbs.len))
            die("re-signing the attributes failed");
        EVP_MD_CTX_free(mctx);
        if (siglen == sig.len) {
            memcpy(p + sig.off + sig.hlen, s, siglen);
            free(s);
            break;
        }
        free(s);
        if (attempt == 200)
            die("re-signed signature never has the original length");
    }
    b_free(&tbs);
}

/* ---- CMS ------------------------------------------------------------------ */

struct cdref {
    const uint8_t *p;
    size_t len;
    const struct htype *h;
};

static const char *hash_oid(const struct htype *h)
{
    switch (h->id) {
    case 1: return "1.3.14.3.2.26";
    case 2:
    case 3: return "2.16.840.1.101.3.4.2.1";
    default: return "2.16.840.1.101.3.4.2.2";
    }
}

static int ts_time_cb(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
    (void)ctx;
    *sec = *(const long *)data;
    *usec = 0;
    return 1;
}

/* RFC 3161 token over the signature value, made with an in-process TSA. */
static void timestamp_token(const struct signer *s, const ASN1_OCTET_STRING *sigval, buf *out)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(ASN1_STRING_get0_data(sigval), (size_t)ASN1_STRING_length(sigval), md, &mdlen,
                    EVP_sha256(), NULL))
        die("digest failed");

    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    if (req == NULL || mi == NULL || alg == NULL ||
        !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
        !TS_MSG_IMPRINT_set_algo(mi, alg) || !TS_MSG_IMPRINT_set_msg(mi, md, (int)mdlen) ||
        !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) || !TS_REQ_set_cert_req(req, 1))
        die("building the timestamp request failed");
    BIO *rb = BIO_new(BIO_s_mem());
    if (rb == NULL || !i2d_TS_REQ_bio(rb, req))
        die("encoding the timestamp request failed");

    TS_RESP_CTX *ctx = TS_RESP_CTX_new();
    ASN1_OBJECT *policy = OBJ_txt2obj(OID_TSA_POLICY, 1);
    long t = s->tsa_time;
    if (ctx == NULL || policy == NULL || !TS_RESP_CTX_set_signer_cert(ctx, s->tsa_cert) ||
        !TS_RESP_CTX_set_signer_key(ctx, s->tsa_key) ||
        (s->tsa_chain != NULL && !TS_RESP_CTX_set_certs(ctx, s->tsa_chain)) ||
        !TS_RESP_CTX_set_def_policy(ctx, policy) || !TS_RESP_CTX_add_md(ctx, EVP_sha256()) ||
        !TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()))
        die("setting up the TSA failed");
    TS_RESP_CTX_set_time_cb(ctx, ts_time_cb, &t);
    TS_RESP *resp = TS_RESP_create_response(ctx, rb);
    if (resp == NULL || ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp))) != 0 ||
        TS_RESP_get_token(resp) == NULL)
        die("the TSA refused the request");
    unsigned char *der = NULL;
    int len = i2d_PKCS7(TS_RESP_get_token(resp), &der);
    if (len <= 0)
        die("encoding the timestamp token failed");
    b_put(out, der, (size_t)len);
    OPENSSL_free(der);
    TS_RESP_free(resp);
    TS_RESP_CTX_free(ctx);
    ASN1_OBJECT_free(policy);
    BIO_free(rb);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(req);
}

static void cdhash_plist(buf *b, const uint8_t (*cdhash)[20], size_t n)
{
    static const char head[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
        "<plist version=\"1.0\">\n"
        "<dict>\n"
        "\t<key>cdhashes</key>\n"
        "\t<array>\n";
    static const char tail[] = "\t</array>\n</dict>\n</plist>\n";
    b_put(b, head, sizeof head - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char b64[40];
        int l = EVP_EncodeBlock(b64, cdhash[i], 20);
        b_put(b, "\t\t<data>\n\t\t", 11);
        b_put(b, b64, (size_t)l);
        b_put(b, "\n\t\t</data>\n", 11);
    }
    b_put(b, tail, sizeof tail - 1);
}

/* One value of attribute 1.2.840.113635.100.9.2: SEQUENCE { OID, OCTET STRING }. */
static void digest_seq(buf *b, const struct htype *h, const uint8_t *d, size_t dlen)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(hash_oid(h), 1);
    unsigned char *oid = NULL;
    int olen = obj ? i2d_ASN1_OBJECT(obj, &oid) : -1;
    if (olen <= 0 || dlen > 64)
        die("encoding a digest OID failed");
    size_t content = (size_t)olen + 2 + dlen;
    b_u8(b, 0x30);
    b_u8(b, (unsigned)content); /* always < 128 */
    b_put(b, oid, (size_t)olen);
    b_u8(b, 0x04);
    b_u8(b, (unsigned)dlen);
    b_put(b, d, dlen);
    OPENSSL_free(oid);
    ASN1_OBJECT_free(obj);
}

static void build_cms(buf *out, const struct opts *o, const struct signer *s, const struct cdref *cds, size_t ncd)
{
    unsigned int flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
    if (cms == NULL)
        die("CMS_sign failed");
    CMS_SignerInfo *si = CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(), flags);
    if (si == NULL)
        die("CMS_add1_signer failed");
    for (int i = 0; s->chain != NULL && i < sk_X509_num(s->chain); i++)
        if (!CMS_add1_cert(cms, sk_X509_value(s->chain, i)))
            die("CMS_add1_cert failed");
    if (s->signing_time != NULL &&
        !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, ASN1_STRING_type(s->signing_time),
                                     s->signing_time, -1))
        die("adding signingTime failed");

    if (!o->no_cdhash_attrs) {
        uint8_t(*cdhash)[20] = calloc(ncd, 20);
        X509_ATTRIBUTE *a = NULL;
        if (cdhash == NULL)
            die("out of memory");
        for (size_t i = 0; i < ncd; i++) {
            uint8_t md[EVP_MAX_MD_SIZE];
            size_t mdlen = digest_full(cds[i].h, cds[i].p, cds[i].len, md);
            if (o->bad_cdhash)
                for (size_t j = 0; j < mdlen; j++)
                    md[j] ^= 0x5a;
            memcpy(cdhash[i], md, 20);
            buf seq = {0};
            digest_seq(&seq, cds[i].h, md, mdlen);
            if (a == NULL)
                a = X509_ATTRIBUTE_create_by_txt(NULL, OID_CDHASH_DIGESTS, V_ASN1_SEQUENCE, seq.p, (int)seq.len);
            else if (!X509_ATTRIBUTE_set1_data(a, V_ASN1_SEQUENCE, seq.p, (int)seq.len))
                a = NULL;
            if (a == NULL)
                die("building the cdhash attribute failed");
            b_free(&seq);
        }
        buf pl = {0};
        cdhash_plist(&pl, (const uint8_t(*)[20])cdhash, ncd);
        if (!CMS_signed_add1_attr_by_txt(si, OID_CDHASH_PLIST, V_ASN1_OCTET_STRING, pl.p, (int)pl.len) ||
            !CMS_signed_add1_attr(si, a))
            die("adding the cdhash attributes failed");
        X509_ATTRIBUTE_free(a);
        b_free(&pl);
        free(cdhash);
    }

    BIO *in = BIO_new_mem_buf(cds[0].p, (int)cds[0].len);
    if (in == NULL || !CMS_final(cms, in, NULL, CMS_DETACHED | CMS_BINARY))
        die("CMS_final failed");
    BIO_free(in);

    if (s->tsa_cert != NULL) {
        buf tok = {0};
        timestamp_token(s, CMS_SignerInfo_get0_signature(si), &tok);
        if (!CMS_unsigned_add1_attr_by_txt(si, OID_TIMESTAMP_TOKEN, V_ASN1_SEQUENCE, tok.p, (int)tok.len))
            die("adding the timestamp token failed");
        b_free(&tok);
    }

    unsigned char *der = NULL;
    int len = i2d_CMS_ContentInfo(cms, &der);
    if (len <= 0)
        die("encoding the CMS failed");
    b_put(out, der, (size_t)len);
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);

    if (o->unsorted_attrs)
        unsort_signed_attrs(out, s->key);
}

/* ---- signing one slice ---------------------------------------------------- */

static void sign_slice(const struct opts *o, const struct signer *s, const uint8_t *in, size_t inlen, buf *out)
{
    struct slice_info m;
    const char *err = parse_slice(in, inlen, &m);
    if (err != NULL)
        die("%s: %s", o->in, err);
    if (m.lc_linkedit == 0)
        die("%s: no __LINKEDIT segment", o->in);

    size_t dataoff, lc_sig = m.lc_sig;
    int add_lc = 0;
    if (lc_sig != 0) {
        dataoff = rd32(&m, lc_sig + 8);
        if (dataoff > inlen)
            die("%s: LC_CODE_SIGNATURE dataoff is past the end of the slice", o->in);
        if (dataoff < m.linkedit_fileoff)
            die("%s: the signature is not inside __LINKEDIT", o->in);
    } else {
        size_t lcend = m.hdrsize + m.sizeofcmds;
        if (m.first_data < lcend || m.first_data - lcend < 16)
            die("%s: no LC_CODE_SIGNATURE and no room to add one", o->in);
        for (size_t i = lcend; i < lcend + 16; i++)
            if (in[i] != 0)
                die("%s: no LC_CODE_SIGNATURE and the space after the load commands is not empty", o->in);
        size_t le_end = (size_t)(m.linkedit_fileoff + m.linkedit_filesize);
        dataoff = align_up(inlen > le_end ? inlen : le_end, 16);
        lc_sig = lcend;
        add_lc = 1;
    }
    if (dataoff > UINT32_MAX)
        die("%s: slice too large", o->in);

    uint32_t flags = o->flags | (s->cert == NULL ? CS_ADHOC : 0);
    struct specials sp;
    build_specials(o, s, &sp);

    /* Sizes: every blob but the CMS is known exactly before hashing. */
    size_t nblobs = 1, fixed = 0;
    size_t cd0_len = cd_size(o, o->hash, dataoff, sp.nspecial);
    size_t cd1_len = o->alt_hash ? cd_size(o, o->alt_hash, dataoff, sp.nspecial) : 0;
    fixed += cd0_len + cd1_len;
    nblobs += o->alt_hash ? 1 : 0;
    for (unsigned i = 1; i <= MAX_SPECIAL; i++)
        if (sp.blob[i].len != 0) {
            nblobs++;
            fixed += sp.blob[i].len;
        }
    size_t cms_reserve = 0;
    if (s->cert != NULL) {
        /* Trial CMS over dummy CodeDirectories of the final sizes. */
        uint8_t *dummy = calloc(1, cd0_len + cd1_len + 1);
        if (dummy == NULL)
            die("out of memory");
        struct cdref dref[2] = {{dummy, cd0_len, o->hash}, {dummy, cd1_len, o->alt_hash}};
        buf trial = {0};
        build_cms(&trial, o, s, dref, o->alt_hash ? 2 : 1);
        cms_reserve = 8 + trial.len + 256;
        b_free(&trial);
        free(dummy);
        nblobs++;
    } else if (o->empty_cms) {
        cms_reserve = 8;
        nblobs++;
    }
    fixed += 12 + 8 * nblobs;
    size_t datasize = align_up(fixed + cms_reserve, 16);
    if (datasize > UINT32_MAX - dataoff)
        die("%s: signature too large", o->in);

    /* The new slice: code up to dataoff, then the signature area. */
    size_t newlen = dataoff + datasize;
    out->len = 0;
    b_zero(out, newlen);
    uint8_t *p = out->p;
    memcpy(p, in, dataoff < inlen ? dataoff : inlen);
    if (add_lc) {
        put32(p + lc_sig, m.be, LC_CODE_SIGNATURE);
        put32(p + lc_sig + 4, m.be, 16);
        put32(p + 16, m.be, m.ncmds + 1);
        put32(p + 20, m.be, m.sizeofcmds + 16);
    }
    put32(p + lc_sig + 8, m.be, (uint32_t)dataoff);
    put32(p + lc_sig + 12, m.be, (uint32_t)datasize);
    uint64_t le_filesize = newlen - m.linkedit_fileoff;
    uint64_t vmpage = (m.cputype == 0x0100000cu || m.cputype == 0x0200000cu) ? 0x4000 : 0x1000;
    uint64_t le_vmsize = (le_filesize + vmpage - 1) / vmpage * vmpage;
    if (m.is64) {
        put64(p + m.lc_linkedit + 32, m.be, le_vmsize);
        put64(p + m.lc_linkedit + 48, m.be, le_filesize);
    } else {
        if (le_vmsize > UINT32_MAX)
            die("%s: __LINKEDIT too large", o->in);
        put32(p + m.lc_linkedit + 28, m.be, (uint32_t)le_vmsize);
        put32(p + m.lc_linkedit + 36, m.be, (uint32_t)le_filesize);
    }

    /* CodeDirectories over the final bytes [0, dataoff). */
    buf cd0 = {0}, cd1 = {0}, cms = {0};
    build_cd(&cd0, o, o->hash, flags, p, dataoff, &sp, &m);
    if (o->alt_hash)
        build_cd(&cd1, o, o->alt_hash, flags, p, dataoff, &sp, &m);
    if (cd0.len != cd0_len || cd1.len != cd1_len)
        die("internal error: CodeDirectory size estimate");
    if (s->cert != NULL) {
        struct cdref ref[2] = {{cd0.p, cd0.len, o->hash}, {cd1.p, cd1.len, o->alt_hash}};
        buf der = {0};
        build_cms(&der, o, s, ref, o->alt_hash ? 2 : 1);
        if (8 + der.len > cms_reserve)
            die("internal error: CMS larger than its reservation");
        wrap_blob(&cms, CSMAGIC_BLOBWRAPPER, &der);
        b_free(&der);
    } else if (o->empty_cms) {
        b_be32(&cms, CSMAGIC_BLOBWRAPPER);
        b_be32(&cms, 8);
    }

    /* SuperBlob, index and blobs in slot order. */
    struct {
        uint32_t type;
        const buf *b;
    } idx[MAX_SPECIAL + 4];
    size_t n = 0;
    idx[n].type = CSSLOT_CODEDIRECTORY;
    idx[n++].b = &cd0;
    for (unsigned i = 1; i <= MAX_SPECIAL; i++)
        if (sp.blob[i].len != 0) {
            idx[n].type = i;
            idx[n++].b = &sp.blob[i];
        }
    if (o->alt_hash) {
        idx[n].type = CSSLOT_ALTERNATE_CODEDIRECTORIES;
        idx[n++].b = &cd1;
    }
    if (cms.len != 0) {
        idx[n].type = CSSLOT_SIGNATURESLOT;
        idx[n++].b = &cms;
    }
    if (n != nblobs)
        die("internal error: blob count");
    size_t total = 12 + 8 * n;
    for (size_t i = 0; i < n; i++)
        total += idx[i].b->len;
    if (total > datasize)
        die("internal error: SuperBlob larger than the signature area");
    uint8_t *sb = p + dataoff;
    put_be32(sb, CSMAGIC_EMBEDDED_SIGNATURE);
    put_be32(sb + 4, (uint32_t)total);
    put_be32(sb + 8, (uint32_t)n);
    size_t at = 12 + 8 * n;
    for (size_t i = 0; i < n; i++) {
        put_be32(sb + 12 + 8 * i, idx[i].type);
        put_be32(sb + 16 + 8 * i, (uint32_t)at);
        memcpy(sb + at, idx[i].b->p, idx[i].b->len);
        at += idx[i].b->len;
    }
    b_free(&cd0);
    b_free(&cd1);
    b_free(&cms);
    free_specials(&sp);
}

/* ---- fat files ------------------------------------------------------------ */

static void sign_fat(const struct opts *o, const struct signer *s, const buf *in, buf *out)
{
    int is64 = get_be32(in->p) == 0xcafebabfu;
    size_t entsz = is64 ? 32 : 20;
    if (in->len < 8)
        die("%s: truncated fat header", o->in);
    uint32_t n = get_be32(in->p + 4);
    if (n == 0 || n > 64 || 8 + (size_t)n * entsz > in->len)
        die("%s: bad fat header (nfat_arch %u)", o->in, n);
    struct fslice {
        uint32_t cputype, cpusubtype, align, reserved;
        uint64_t off;
        buf data;
    } *sl = calloc(n, sizeof *sl);
    if (sl == NULL)
        die("out of memory");
    size_t hdr = 8 + (size_t)n * entsz;
    int signed_any = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = in->p + 8 + (size_t)i * entsz;
        uint64_t off, size;
        sl[i].cputype = get_be32(e);
        sl[i].cpusubtype = get_be32(e + 4);
        if (is64) {
            off = get_be64(e + 8);
            size = get_be64(e + 16);
            sl[i].align = get_be32(e + 24);
            sl[i].reserved = get_be32(e + 28);
        } else {
            off = get_be32(e + 8);
            size = get_be32(e + 12);
            sl[i].align = get_be32(e + 16);
        }
        if (off < hdr || off > in->len || size > in->len - off)
            die("%s: fat slice %u outside the file", o->in, i);
        if (sl[i].align > 20)
            die("%s: fat slice %u alignment 2^%u too large", o->in, i, sl[i].align);
        if (arch_selected(o, sl[i].cputype, sl[i].cpusubtype)) {
            sign_slice(o, s, in->p + off, (size_t)size, &sl[i].data);
            signed_any = 1;
        } else {
            b_put(&sl[i].data, in->p + off, (size_t)size);
        }
    }
    if (!signed_any)
        die("%s: no slice matches --arch", o->in);
    size_t pos = hdr;
    for (uint32_t i = 0; i < n; i++) {
        pos = align_up(pos, (size_t)1 << sl[i].align);
        sl[i].off = pos;
        pos += sl[i].data.len;
        if (!is64 && pos > UINT32_MAX)
            die("%s: output too large for a 32-bit fat header", o->in);
    }
    out->len = 0;
    b_zero(out, pos);
    put_be32(out->p, is64 ? 0xcafebabfu : 0xcafebabeu);
    put_be32(out->p + 4, n);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = out->p + 8 + (size_t)i * entsz;
        put_be32(e, sl[i].cputype);
        put_be32(e + 4, sl[i].cpusubtype);
        if (is64) {
            put_be64(e + 8, sl[i].off);
            put_be64(e + 16, sl[i].data.len);
            put_be32(e + 24, sl[i].align);
            put_be32(e + 28, sl[i].reserved);
        } else {
            put_be32(e + 8, (uint32_t)sl[i].off);
            put_be32(e + 12, (uint32_t)sl[i].data.len);
            put_be32(e + 16, sl[i].align);
        }
        memcpy(out->p + sl[i].off, sl[i].data.p, sl[i].data.len);
        b_free(&sl[i].data);
    }
    free(sl);
}

/* ---- main ----------------------------------------------------------------- */

static void usage(void)
{
    fputs("usage: macho-sign [--identifier ID] [--team-id T] [--cert PEM --key PEM [--chain PEM]]\n"
          "                  [--empty-cms] [--hash H] [--alt-hash H] [--page-size N] [--cd-version V]\n"
          "                  [--flags F] [--runtime-version V] [--platform N] [--special-slots N]\n"
          "                  [--requirements] [--designated-requirement] [--entitlements FILE]\n"
          "                  [--der-entitlements FILE] [--signing-time T] [--no-cdhash-attrs]\n"
          "                  [--bad-cdhash] [--unsorted-attrs]\n"
          "                  [--tsa-cert PEM --tsa-key PEM [--tsa-chain PEM] --tsa-time T]\n"
          "                  [--arch NAME]... IN OUT\n"
          "(a test-only signer; see the comment at the top of macho-sign.c)\n",
          stderr);
    exit(2);
}

static unsigned long parse_num(const char *opt, const char *v, unsigned long max)
{
    char *end = NULL;
    unsigned long x = strtoul(v, &end, 0);
    if (end == v || *end != '\0' || x > max)
        die("bad value '%s' for %s", v, opt);
    return x;
}

int main(int argc, char **argv)
{
    struct opts o;
    memset(&o, 0, sizeof o);
    o.hash = htype_by_name("sha256");
    o.page_log2 = 12;
    o.cd_version = 0x20400;
    const char *pos[2];
    int npos = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define ARG() (i + 1 < argc ? argv[++i] : (die("%s needs a value", a), ""))
        if (strcmp(a, "--identifier") == 0) o.identifier = ARG();
        else if (strcmp(a, "--team-id") == 0) o.team = ARG();
        else if (strcmp(a, "--requirement-team") == 0) o.requirement_team = ARG();
        else if (strcmp(a, "--cert") == 0) o.cert = ARG();
        else if (strcmp(a, "--key") == 0) o.key = ARG();
        else if (strcmp(a, "--chain") == 0) o.chain = ARG();
        else if (strcmp(a, "--empty-cms") == 0) o.empty_cms = 1;
        else if (strcmp(a, "--hash") == 0) o.hash = htype_by_name(ARG());
        else if (strcmp(a, "--alt-hash") == 0) o.alt_hash = htype_by_name(ARG());
        else if (strcmp(a, "--page-size") == 0) {
            unsigned long ps = parse_num(a, ARG(), 1ul << 24);
            unsigned l = 0;
            while (l < 24 && (1ul << l) < ps)
                l++;
            if (ps != 0 && ((1ul << l) != ps || l < 9))
                die("--page-size must be 0 or a power of two >= 512");
            o.page_log2 = ps == 0 ? 0 : l;
        } else if (strcmp(a, "--cd-version") == 0) {
            o.cd_version = (uint32_t)parse_num(a, ARG(), 0x2ffff);
            if (o.cd_version < 0x20001)
                die("--cd-version must be at least 0x20001");
        } else if (strcmp(a, "--flags") == 0) o.flags = (uint32_t)parse_num(a, ARG(), UINT32_MAX);
        else if (strcmp(a, "--runtime-version") == 0) o.runtime_version = (uint32_t)parse_num(a, ARG(), UINT32_MAX);
        else if (strcmp(a, "--platform") == 0) o.platform = (unsigned)parse_num(a, ARG(), 255);
        else if (strcmp(a, "--special-slots") == 0) o.min_special = (unsigned)parse_num(a, ARG(), 4096);
        else if (strcmp(a, "--requirements") == 0) o.requirements = 1;
        else if (strcmp(a, "--designated-requirement") == 0) o.designated = 1;
        else if (strcmp(a, "--entitlements") == 0) o.entitlements = ARG();
        else if (strcmp(a, "--der-entitlements") == 0) o.der_entitlements = ARG();
        else if (strcmp(a, "--signing-time") == 0) o.signing_time = ARG();
        else if (strcmp(a, "--info-plist") == 0) o.info_plist = ARG();
        else if (strcmp(a, "--resources") == 0) o.resources = ARG();
        else if (strcmp(a, "--no-cdhash-attrs") == 0) o.no_cdhash_attrs = 1;
        else if (strcmp(a, "--bad-cdhash") == 0) o.bad_cdhash = 1;
        else if (strcmp(a, "--unsorted-attrs") == 0) o.unsorted_attrs = 1;
        else if (strcmp(a, "--tsa-cert") == 0) o.tsa_cert = ARG();
        else if (strcmp(a, "--tsa-key") == 0) o.tsa_key = ARG();
        else if (strcmp(a, "--tsa-chain") == 0) o.tsa_chain = ARG();
        else if (strcmp(a, "--tsa-time") == 0) o.tsa_time = ARG();
        else if (strcmp(a, "--arch") == 0) {
            const char *name = ARG();
            size_t k = 0;
            while (k < sizeof arches / sizeof arches[0] && strcmp(arches[k].name, name) != 0)
                k++;
            if (k == sizeof arches / sizeof arches[0])
                die("unknown architecture '%s'", name);
            if (o.narch == MAX_ARCH)
                die("too many --arch options");
            o.arch[o.narch++] = k;
        } else if (a[0] == '-' && a[1] != '\0') {
            usage();
        } else {
            if (npos == 2)
                usage();
            pos[npos++] = a;
        }
#undef ARG
    }
    if (npos != 2)
        usage();
    o.in = pos[0];
    o.out = pos[1];
    if (o.identifier == NULL) {
        const char *slash = strrchr(o.in, '/');
        o.identifier = slash ? slash + 1 : o.in;
    }
    if (o.team != NULL && o.cd_version < 0x20200)
        die("--team-id needs --cd-version 0x20200 or later");
    if ((o.cert == NULL) != (o.key == NULL))
        die("--cert and --key go together");
    if (o.cert == NULL && (o.chain || o.signing_time || o.no_cdhash_attrs || o.bad_cdhash || o.unsorted_attrs || o.tsa_cert))
        die("CMS options need --cert/--key");
    if (o.cert != NULL && o.empty_cms)
        die("--empty-cms is for ad-hoc signatures");
    if ((o.tsa_cert == NULL) != (o.tsa_key == NULL) || (o.tsa_cert == NULL) != (o.tsa_time == NULL))
        die("--tsa-cert, --tsa-key and --tsa-time go together");
    if (o.tsa_cert != NULL && o.unsorted_attrs)
        die("--unsorted-attrs cannot be combined with a timestamp (re-signing would invalidate it)");
    if (o.alt_hash != NULL && o.alt_hash->id == o.hash->id)
        die("--alt-hash must differ from --hash");

    struct signer s;
    memset(&s, 0, sizeof s);
    if (o.cert != NULL) {
        s.cert = load_cert(o.cert);
        s.key = load_key(o.key);
        if (!X509_check_private_key(s.cert, s.key))
            die("%s does not match %s", o.key, o.cert);
        if (o.chain != NULL)
            s.chain = load_certs(o.chain);
        if (o.signing_time != NULL)
            s.signing_time = parse_time(o.signing_time);
    }
    if (o.tsa_cert != NULL) {
        s.tsa_cert = load_cert(o.tsa_cert);
        s.tsa_key = load_key(o.tsa_key);
        if (o.tsa_chain != NULL)
            s.tsa_chain = load_certs(o.tsa_chain);
        ASN1_TIME *t = parse_time(o.tsa_time);
        s.tsa_time = time_to_epoch(t);
        ASN1_TIME_free(t);
    }
    if (o.entitlements != NULL)
        read_file(o.entitlements, &s.ents);
    if (o.der_entitlements != NULL)
        read_file(o.der_entitlements, &s.der_ents);

    buf in = {0}, out = {0};
    read_file(o.in, &in);
    if (in.len < 4)
        die("%s: too short", o.in);
    uint32_t magic = get_be32(in.p);
    if (magic == 0xcafebabeu || magic == 0xcafebabfu) {
        sign_fat(&o, &s, &in, &out);
    } else {
        struct slice_info m;
        const char *err = parse_slice(in.p, in.len, &m);
        if (err != NULL)
            die("%s: %s", o.in, err);
        if (!arch_selected(&o, m.cputype, m.cpusubtype))
            die("%s: architecture does not match --arch", o.in);
        sign_slice(&o, &s, in.p, in.len, &out);
    }
    write_file(o.out, &out);

    b_free(&in);
    b_free(&out);
    b_free(&s.ents);
    b_free(&s.der_ents);
    X509_free(s.cert);
    EVP_PKEY_free(s.key);
    sk_X509_pop_free(s.chain, X509_free);
    ASN1_TIME_free(s.signing_time);
    X509_free(s.tsa_cert);
    EVP_PKEY_free(s.tsa_key);
    sk_X509_pop_free(s.tsa_chain, X509_free);
    for (size_t i = 0; i < sizeof md_cache / sizeof md_cache[0]; i++)
        EVP_MD_free(md_cache[i]);
    return 0;
}

/*
 * SHA-256 with the SHA extensions, one or two interleaved streams
 * (sha256_lanes.h says why this is written here). The compression follows
 * FIPS 180-4 in the form the instructions compute it: the state split into
 * the halves ABEF and CDGH, sha256rnds2 doing two rounds, sha256msg1 and
 * sha256msg2 the message schedule four words at a time:
 *
 *   W[4j..4j+3] = msg2(msg1(W[4j-16..], W[4j-12..]) + W[4j-7..4j-4], W[4j-4..])
 *
 * where W[4j-7..4j-4] is the concatenation of the two groups before,
 * shifted by one word (alignr).
 */
#include "core/sha256_lanes.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define ST_HAVE_SHA_NI_CODE 1
#endif

#ifdef ST_HAVE_SHA_NI_CODE
/* Asked once, from whichever thread hashes first (ThreadSanitizer saw the
 * unsynchronised cache this replaced). */
static pthread_once_t lanes_once = PTHREAD_ONCE_INIT;
static bool lanes;

static void lanes_probe(void)
{
	unsigned a, b, c, d;

	lanes = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) && (c & bit_SSE4_1) &&
		__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif

bool st_sha256_lanes_available(void)
{
#ifdef ST_HAVE_SHA_NI_CODE
	pthread_once(&lanes_once, lanes_probe);
	return lanes;
#else
	return false;
#endif
}

#ifdef ST_HAVE_SHA_NI_CODE

static const uint32_t K[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* The state h[0..7] = A..H as the two halves the instructions use. */
TARGET static inline void load_state(const uint32_t h[8], __m128i *abef, __m128i *cdgh)
{
	__m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
	__m128i badc = _mm_shuffle_epi32(dcba, 0xB1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);

	*abef = _mm_alignr_epi8(badc, efgh, 8);
	*cdgh = _mm_blend_epi16(efgh, badc, 0xF0);
}

TARGET static inline void store_state(uint32_t h[8], __m128i abef, __m128i cdgh)
{
	__m128i feba = _mm_shuffle_epi32(abef, 0x1B);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);

	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* Four rounds with message group G (W[4j..4j+3]) of lane L. */
#define ROUNDS4(L, j, G)                                                            \
	do {                                                                        \
		__m128i m_ = _mm_add_epi32(G, _mm_load_si128((const __m128i *)&K[4 * (j)])); \
		L##cdgh = _mm_sha256rnds2_epu32(L##cdgh, L##abef, m_);              \
		m_ = _mm_shuffle_epi32(m_, 0x0E);                                   \
		L##abef = _mm_sha256rnds2_epu32(L##abef, L##cdgh, m_);              \
	} while (0)
/* The next message group in place of the oldest (G0 = W[4j-16..], G1, G2,
 * G3 = W[4j-4..]). */
#define SCHEDULE(G0, G1, G2, G3) \
	G0 = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(G0, G1), _mm_alignr_epi8(G3, G2, 4)), G3)

#define LOAD(L, p)                                                                           \
	const __m128i mask_##L = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL); \
	__m128i L##m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)((p) + 0)), mask_##L);   \
	__m128i L##m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)((p) + 16)), mask_##L);  \
	__m128i L##m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)((p) + 32)), mask_##L);  \
	__m128i L##m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)((p) + 48)), mask_##L)

/* Groups 4..15 of one lane, in the order the schedule allows. */
#define GROUPS_4_TO_7(L)                                          \
	SCHEDULE(L##m0, L##m1, L##m2, L##m3); ROUNDS4(L, 4, L##m0); \
	SCHEDULE(L##m1, L##m2, L##m3, L##m0); ROUNDS4(L, 5, L##m1); \
	SCHEDULE(L##m2, L##m3, L##m0, L##m1); ROUNDS4(L, 6, L##m2); \
	SCHEDULE(L##m3, L##m0, L##m1, L##m2); ROUNDS4(L, 7, L##m3)
#define GROUPS_8_TO_11(L)                                         \
	SCHEDULE(L##m0, L##m1, L##m2, L##m3); ROUNDS4(L, 8, L##m0); \
	SCHEDULE(L##m1, L##m2, L##m3, L##m0); ROUNDS4(L, 9, L##m1); \
	SCHEDULE(L##m2, L##m3, L##m0, L##m1); ROUNDS4(L, 10, L##m2); \
	SCHEDULE(L##m3, L##m0, L##m1, L##m2); ROUNDS4(L, 11, L##m3)
#define GROUPS_12_TO_15(L)                                         \
	SCHEDULE(L##m0, L##m1, L##m2, L##m3); ROUNDS4(L, 12, L##m0); \
	SCHEDULE(L##m1, L##m2, L##m3, L##m0); ROUNDS4(L, 13, L##m1); \
	SCHEDULE(L##m2, L##m3, L##m0, L##m1); ROUNDS4(L, 14, L##m2); \
	SCHEDULE(L##m3, L##m0, L##m1, L##m2); ROUNDS4(L, 15, L##m3)

/* n consecutive 64-byte blocks of one stream. */
TARGET static void blocks1(uint32_t h[8], const uint8_t *p, size_t n)
{
	__m128i aabef, acdgh;

	load_state(h, &aabef, &acdgh);
	for (; n; n--, p += 64) {
		__m128i save0 = aabef, save1 = acdgh;
		LOAD(a, p);
		ROUNDS4(a, 0, am0);
		ROUNDS4(a, 1, am1);
		ROUNDS4(a, 2, am2);
		ROUNDS4(a, 3, am3);
		GROUPS_4_TO_7(a);
		GROUPS_8_TO_11(a);
		GROUPS_12_TO_15(a);
		aabef = _mm_add_epi32(aabef, save0);
		acdgh = _mm_add_epi32(acdgh, save1);
	}
	store_state(h, aabef, acdgh);
}

/* Four rounds of both lanes, instruction by instruction in turn: while one
 * lane's sha256rnds2 is in flight, the other's is issued. */
#define ROUNDS4X2(j, GA, GB)                                                        \
	do {                                                                        \
		__m128i k_ = _mm_load_si128((const __m128i *)&K[4 * (j)]);          \
		__m128i ma_ = _mm_add_epi32(GA, k_), mb_ = _mm_add_epi32(GB, k_);   \
		acdgh = _mm_sha256rnds2_epu32(acdgh, aabef, ma_);                   \
		bcdgh = _mm_sha256rnds2_epu32(bcdgh, babef, mb_);                   \
		ma_ = _mm_shuffle_epi32(ma_, 0x0E);                                 \
		mb_ = _mm_shuffle_epi32(mb_, 0x0E);                                 \
		aabef = _mm_sha256rnds2_epu32(aabef, acdgh, ma_);                   \
		babef = _mm_sha256rnds2_epu32(babef, bcdgh, mb_);                   \
	} while (0)
#define STEP2(j, A0, A1, A2, A3, B0, B1, B2, B3) \
	SCHEDULE(A0, A1, A2, A3);                \
	SCHEDULE(B0, B1, B2, B3);                \
	ROUNDS4X2(j, A0, B0)

/* n blocks of each of two streams, interleaved. */
TARGET static void blocks2(uint32_t ha[8], const uint8_t *pa, uint32_t hb[8], const uint8_t *pb,
			   size_t n)
{
	__m128i aabef, acdgh, babef, bcdgh;

	load_state(ha, &aabef, &acdgh);
	load_state(hb, &babef, &bcdgh);
	for (; n; n--, pa += 64, pb += 64) {
		__m128i asave0 = aabef, asave1 = acdgh, bsave0 = babef, bsave1 = bcdgh;
		LOAD(a, pa);
		LOAD(b, pb);
		ROUNDS4X2(0, am0, bm0);
		ROUNDS4X2(1, am1, bm1);
		ROUNDS4X2(2, am2, bm2);
		ROUNDS4X2(3, am3, bm3);
		STEP2(4, am0, am1, am2, am3, bm0, bm1, bm2, bm3);
		STEP2(5, am1, am2, am3, am0, bm1, bm2, bm3, bm0);
		STEP2(6, am2, am3, am0, am1, bm2, bm3, bm0, bm1);
		STEP2(7, am3, am0, am1, am2, bm3, bm0, bm1, bm2);
		STEP2(8, am0, am1, am2, am3, bm0, bm1, bm2, bm3);
		STEP2(9, am1, am2, am3, am0, bm1, bm2, bm3, bm0);
		STEP2(10, am2, am3, am0, am1, bm2, bm3, bm0, bm1);
		STEP2(11, am3, am0, am1, am2, bm3, bm0, bm1, bm2);
		STEP2(12, am0, am1, am2, am3, bm0, bm1, bm2, bm3);
		STEP2(13, am1, am2, am3, am0, bm1, bm2, bm3, bm0);
		STEP2(14, am2, am3, am0, am1, bm2, bm3, bm0, bm1);
		STEP2(15, am3, am0, am1, am2, bm3, bm0, bm1, bm2);
		aabef = _mm_add_epi32(aabef, asave0);
		acdgh = _mm_add_epi32(acdgh, asave1);
		babef = _mm_add_epi32(babef, bsave0);
		bcdgh = _mm_add_epi32(bcdgh, bsave1);
	}
	store_state(ha, aabef, acdgh);
	store_state(hb, babef, bcdgh);
}

#else /* no x86: never called, st_sha256_lanes_available() is false */

static void blocks1(uint32_t h[8], const uint8_t *p, size_t n)
{
	(void)h, (void)p, (void)n;
}

static void blocks2(uint32_t ha[8], const uint8_t *pa, uint32_t hb[8], const uint8_t *pb, size_t n)
{
	(void)ha, (void)pa, (void)hb, (void)pb, (void)n;
}

#endif

void st_sha256_init(struct st_sha256 *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->h, iv, sizeof(iv));
	c->total = 0;
	c->nbuf = 0;
}

/* Tops up a partial block from *p; true when the buffer is a full block. */
static bool fill(struct st_sha256 *c, const uint8_t **p, size_t *len)
{
	size_t n = 64 - c->nbuf < *len ? 64 - c->nbuf : *len;

	memcpy(c->buf + c->nbuf, *p, n);
	c->nbuf += n;
	*p += n;
	*len -= n;
	c->total += n;
	return c->nbuf == 64;
}

void st_sha256_update(struct st_sha256 *c, const uint8_t *p, size_t len)
{
	if (c->nbuf) {
		if (!fill(c, &p, &len))
			return;
		blocks1(c->h, c->buf, 1);
		c->nbuf = 0;
	}
	if (len >= 64) {
		blocks1(c->h, p, len / 64);
		c->total += len - len % 64;
		p += len - len % 64;
		len %= 64;
	}
	if (len)
		(void)fill(c, &p, &len);
}

void st_sha256_update2(struct st_sha256 *a, const uint8_t *pa, size_t la, struct st_sha256 *b,
		       const uint8_t *pb, size_t lb)
{
	/* Each stream first completes its partial block (one block alone at
	 * most), then both run in step over their whole blocks; what one has
	 * beyond the other runs alone. */
	if (a->nbuf && fill(a, &pa, &la)) {
		blocks1(a->h, a->buf, 1);
		a->nbuf = 0;
	}
	if (b->nbuf && fill(b, &pb, &lb)) {
		blocks1(b->h, b->buf, 1);
		b->nbuf = 0;
	}
	if (!a->nbuf && !b->nbuf && la >= 64 && lb >= 64) {
		size_t n = (la < lb ? la : lb) / 64;
		blocks2(a->h, pa, b->h, pb, n);
		a->total += 64 * n;
		b->total += 64 * n;
		pa += 64 * n;
		pb += 64 * n;
		la -= 64 * n;
		lb -= 64 * n;
	}
	st_sha256_update(a, pa, la);
	st_sha256_update(b, pb, lb);
}

void st_sha256_final(struct st_sha256 *c, uint8_t out[32])
{
	uint64_t bits = c->total * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (c->nbuf < 56 ? 56 : 120) - c->nbuf;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	st_sha256_update(c, pad, padlen + 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

/* The digest algorithms sigtrace computes, fetched once per process. */
#include "core/digest.h"
#include "sigtrace.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <pthread.h>

const char *st_md_name(int nid)
{
	switch (nid) {
	case NID_md5: return "md5";
	case NID_sha1: return "sha1";
	case NID_sha224: return "sha224";
	case NID_sha256: return "sha256";
	case NID_sha384: return "sha384";
	case NID_sha512: return "sha512";
	default: return NULL;
	}
}

/* Digests are fetched from the provider once per process: EVP_sha256()
 * and friends fetch implicitly on every EVP_DigestInit, which takes a
 * global lock and a name lookup each time (a measurable share of a scan). */
static EVP_MD *fetched[6];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static const struct {
	int nid;
	const char *name;
} md_names[6] = {
	{ NID_md5, "MD5" }, { NID_sha1, "SHA1" }, { NID_sha224, "SHA224" },
	{ NID_sha256, "SHA256" }, { NID_sha384, "SHA384" }, { NID_sha512, "SHA512" },
};

static void fetch_all(void)
{
	for (size_t i = 0; i < 6; i++)
		fetched[i] = EVP_MD_fetch(NULL, md_names[i].name, NULL);
	ERR_clear_error();
}

const EVP_MD *st_md_get(int nid)
{
	pthread_once(&fetch_once, fetch_all);
	for (size_t i = 0; i < 6; i++)
		if (md_names[i].nid == nid)
			return fetched[i];
	return NULL;
}

const EVP_MD *st_md_sha256(void)
{
	return st_md_get(NID_sha256);
}


bool st_digest(int nid, const uint8_t *data, size_t len, uint8_t *out,
	       unsigned *outlen)
{
	const EVP_MD *md = st_md_get(nid);

	return md && EVP_Digest(data, len, out, outlen, md, NULL);
}

int st_digest_update(void *md_ctx, const uint8_t *p, size_t n)
{
	return EVP_DigestUpdate(md_ctx, p, n) ? ST_OK : ST_ENOMEM;
}

/* st_oid_is compares an OID with a dotted string by encoding (x509_util.h):
 * against OpenSSL's own conversion, for short, long and large arcs. */
#include <openssl/objects.h>
#include <stdbool.h>

#include "harness.h"
#include "x509/x509_util.h"

static bool same(const char *dotted)
{
	ASN1_OBJECT *o = OBJ_txt2obj(dotted, 1);
	bool ok = o && st_oid_is(o, dotted);
	ASN1_OBJECT_free(o);
	return ok;
}

static bool differs(const char *a, const char *b)
{
	ASN1_OBJECT *o = OBJ_txt2obj(a, 1);
	bool ok = o && !st_oid_is(o, b);
	ASN1_OBJECT_free(o);
	return ok;
}

int main(void)
{
	CHECK(same("1.3.6.1.5.5.7.3.3"), "codeSigning");
	CHECK(same("1.2.840.113549.1.9.4"), "messageDigest (multi-byte arcs)");
	CHECK(same("2.5.29.32.0"), "anyPolicy (first arc 2)");
	CHECK(same("0.9.2342.19200300.100.1.1"), "first arc 0, large arc");
	CHECK(same("2.999.1"), "first arcs 2.999 (one subidentifier of 1079)");
	CHECK(same("1.3.6.1.4.1.311.97.183913593.229344090.797981955.542237775"),
	      "a per-subscriber EKU with 28-bit arcs");
	CHECK(differs("1.3.6.1.5.5.7.3.3", "1.3.6.1.5.5.7.3.8"), "another last arc");
	CHECK(differs("1.3.6.1.5.5.7.3.3", "1.3.6.1.5.5.7.3"), "a prefix");
	CHECK(differs("1.3.6.1.5.5.7.3.3", "1.3.6.1.5.5.7.3.3.1"), "an extension");
	CHECK(differs("1.3.6.1.5.5.7.3.3", "1.3.6.x"), "not an OID");
	CHECK(differs("1.3.6.1.5.5.7.3.3", ""), "empty");
	CHECK(!st_oid_is(NULL, "1.2"), "no object");
	return harness_done();
}

/* appx_publisher_matches (lib/appx/appx_publisher.c): a manifest Publisher
 * as CertNameToStr writes it against a subject as the library prints it
 * (st_name_string, RFC 2253), with names built by OpenSSL: ordinary ones,
 * quoted values, and an EV subject whose jurisdiction, business category
 * and serial number each side names its own way. */
#include <openssl/x509.h>
#include <stdlib.h>

#include "appx/appx.h"
#include "harness.h"
#include "x509/x509_util.h"

/* The subject string of a name given as (type, value) pairs, added in
 * order (the string prints them most specific first: reversed). */
static char *subject(const char *const *pairs)
{
	X509_NAME *n = X509_NAME_new();
	char *s;

	for (size_t i = 0; pairs[i]; i += 2)
		X509_NAME_add_entry_by_txt(n, pairs[i], MBSTRING_UTF8,
					   (const unsigned char *)pairs[i + 1], -1, -1, 0);
	s = st_name_string(n);
	X509_NAME_free(n);
	return s;
}

static bool matches(const char *publisher, const char *const *pairs)
{
	char *s = subject(pairs);
	bool ok = s && appx_publisher_matches(publisher, s);
	free(s);
	return ok;
}

int main(void)
{
	static const char *const plain[] = { "C", "XX", "O", "sigtrace test PKI", "CN",
					     "sigtrace Test Code Signer", NULL };
	static const char *const ms[] = { "C", "US", "ST", "Washington", "L", "Redmond", "O",
					  "Microsoft Corporation", "CN", "Microsoft Corporation",
					  NULL };
	static const char *const comma[] = { "C", "US", "O", "Contoso, Ltd.", "CN", "Contoso",
					     NULL };
	static const char *const ev[] = { "1.3.6.1.4.1.311.60.2.1.3", "US",
					  "1.3.6.1.4.1.311.60.2.1.2", "Delaware",
					  "businessCategory", "Private Organization",
					  "serialNumber", "1234567", "C", "US", "ST", "Washington",
					  "L", "Redmond", "O", "Contoso", "CN", "Contoso", NULL };

	CHECK(matches("CN=sigtrace Test Code Signer, O=sigtrace test PKI, C=XX", plain),
	      "the test signer");
	CHECK(!matches("CN=sigtrace Test Code Signer, O=sigtrace test PKI, C=YY", plain),
	      "another country");
	CHECK(!matches("O=sigtrace test PKI, CN=sigtrace Test Code Signer, C=XX", plain),
	      "another order");
	CHECK(!matches("CN=sigtrace Test Code Signer, O=sigtrace test PKI", plain),
	      "an attribute missing");
	CHECK(matches("CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, "
		      "S=Washington, C=US", ms), "S for the state");
	CHECK(!matches("CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, "
		       "S=Washington, C=US", plain), "a manifest claiming Microsoft");
	CHECK(matches("CN=Contoso, O=\"Contoso, Ltd.\", C=US", comma),
	      "a quoted value with a comma");
	CHECK(matches("CN=Contoso, O=Contoso, L=Redmond, S=Washington, C=US, "
		      "SERIALNUMBER=1234567, OID.2.5.4.15=Private Organization, "
		      "OID.1.3.6.1.4.1.311.60.2.1.2=Delaware, OID.1.3.6.1.4.1.311.60.2.1.3=US", ev),
	      "an EV subject: OID. names, SERIALNUMBER");
	CHECK(!matches("CN=Contoso, O=Contoso, L=Redmond, S=Washington, C=US", ev),
	      "an EV subject without its EV attributes");
	CHECK(!appx_publisher_matches("", "CN=x"), "an empty publisher");
	CHECK(!appx_publisher_matches("CN=x, =y", "CN=x"), "a broken publisher");
	return harness_done();
}

/* Unit tests for the knowledge behind `sigtrace outliers` (src/hunt): how
 * two certificates of one name relate, CA families, signing services,
 * rarity, grouping; and the inventory's canonical paths. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "hunt/hunt.h"
#include "inventory/inventory.h"

#define DAY 86400LL
#define Y(y) ((int64_t)((y) - 1970) * 365 * DAY)

static enum cert_relation rel(const char *fa, int64_t nba, int64_t naa, const char *fb, int64_t nbb,
			      int64_t nab)
{
	struct cert_span a = { fa, nba, naa }, b = { fb, nbb, nab };
	return cert_relate(&a, &b);
}

static bool canon_is(const char *in, const char *want)
{
	char out[PATH_MAX * 2];
	return inventory_canon_path(in, out, sizeof(out)) == 0 && strcmp(out, want) == 0;
}

int main(void)
{
	char buf[512], id[128];

	publishers_load();

	/* Renewals and re-keying. */
	CHECK(rel("DigiCert Inc", Y(2020), Y(2021), "DigiCert Inc", Y(2021), Y(2022)) == REL_RENEWAL,
	      "same family, one year after the other: renewal");
	CHECK(rel("DigiCert Inc", Y(2020), Y(2021) + 30 * DAY, "DigiCert Inc", Y(2021), Y(2022)) == REL_RENEWAL,
	      "renewed a month before expiry: renewal");
	CHECK(rel("Microsoft Corporation", Y(2023), Y(2024), "Microsoft Corporation", Y(2023) + 10 * DAY, Y(2024)) ==
		      REL_CONCURRENT,
	      "same family at the same time: a vendor's concurrent certificates");
	CHECK(rel("COMODO CA Limited", Y(2016), Y(2019), "Sectigo Limited", Y(2019), Y(2022)) == REL_RENEWAL,
	      "another CA after the first expired: a move, not re-keying");
	CHECK(rel("DigiCert Inc", Y(2022), Y(2025), "Sectigo Limited", Y(2023), Y(2026)) == REL_REKEYED,
	      "two anchored CA families for years at once: re-keyed");
	CHECK(rel("DigiCert Inc", Y(2022), Y(2025), "unanchored:ab12", Y(2023), Y(2024)) == REL_IMPOSTOR_TWIN,
	      "one anchored, one not: impostor twin");
	CHECK(rel("unanchored:ab12", Y(2030), Y(2031), "DigiCert Inc", Y(2022), Y(2025)) == REL_IMPOSTOR_TWIN,
	      "a twin is one whatever the dates");

	/* CA families. */
	family_of("CN=Microsoft Root Certificate Authority,DC=microsoft,DC=com", "aa", true, buf, sizeof(buf));
	CHECK(strcmp(buf, "Microsoft Corporation") == 0, "Microsoft's 2001 root (no O=) is Microsoft's family");
	family_of("CN=Microsoft Root Authority,OU=Microsoft Corporation,OU=Copyright (c) 1997 Microsoft Corp.", "aa",
		  true, buf, sizeof(buf));
	CHECK(strcmp(buf, "Microsoft Corporation") == 0, "Microsoft's 1997 root (OU only) too");
	family_of("CN=DigiCert Trusted Root G4,OU=www.digicert.com,O=DigiCert Inc,C=US", "aa", true, buf, sizeof(buf));
	CHECK(strcmp(buf, "DigiCert Inc") == 0, "a public CA: its organisation");
	family_of("CN=Microsoft Root Certificate Authority 2011,O=Microsoft Corporation", "ff00", false, buf,
		  sizeof(buf));
	CHECK(strcmp(buf, "unanchored:ff00") == 0, "names in an unanchored chain are not a family");
	family_of("CN=Tiny CA\\, Inc.,C=XX", "aa", true, buf, sizeof(buf));
	CHECK(strcmp(buf, "Tiny CA, Inc.") == 0, "no O= and no publisher: the common name, unescaped");

	/* Signing services: chain and EKU together. */
	const char *pca = "3d29798cc5d3f0644a7e0dc9cb1cade523ea5ec83b335109b605bfeaa7d5f5c1";
	char chain[512];
	snprintf(chain, sizeof(chain), "1111,2222,%s,3333", pca);
	const char *svc = service_of(chain,
				     "1.3.6.1.4.1.311.97.1.0,1.3.6.1.5.5.7.3.3,1.3.6.1.4.1.311.97.183913593.229344090.797981955.542237775",
				     id, sizeof(id));
	CHECK(svc && strcmp(svc, "artifact-signing") == 0, "Artifact Signing: its PCA and its EKU");
	CHECK(strcmp(id, "1.3.6.1.4.1.311.97.183913593.229344090.797981955.542237775") == 0,
	      "the subscriber's durable identity EKU");
	CHECK(service_of("1111,2222", "1.3.6.1.4.1.311.97.1.0,1.3.6.1.5.5.7.3.3", id, sizeof(id)) == NULL,
	      "the EKU without the service's chain is no service");
	CHECK(service_of(chain, "1.3.6.1.5.5.7.3.3", id, sizeof(id)) == NULL,
	      "the chain without the service's EKU is no service");

	/* Rarity: evidence keeps its severity; an outlier trait half the files
	 * carry scores half. */
	{
		struct findings f = { 0 };
		findings_add(&f, 100, false, "revoked", "g", "l", "/a", "e");
		findings_add(&f, 60, true, "unusual_validity", "g1", "l", "/a", "e");
		findings_add(&f, 60, true, "unusual_validity", "g2", "l", "/b", "e");
		findings_add(&f, 60, true, "unusual_validity", "g2", "l", "/b", "e");
		rarity_score(&f, 4);
		CHECK(f.v[0].score == 100, "evidence: no rarity");
		CHECK(f.v[1].score == 30 && f.v[2].score == 30, "a trait of 2 files of 4: half the severity");
		findings_clear(&f);
		findings_add(&f, 60, true, "unusual_validity", "g", "l", "/a", "e");
		rarity_score(&f, 1000);
		CHECK(f.v[0].score == 59 || f.v[0].score == 60, "a rare trait keeps its severity");
		findings_clear(&f);
	}

	/* Grouping: one group per code and group key, files counted once,
	 * strongest first. */
	{
		struct findings f = { 0 };
		struct group *g;
		size_t ng;
		findings_add(&f, 40, false, "one_off_signer", "x", "X", "/1", "e");
		findings_add(&f, 95, false, "publisher_impersonation", "s", "S", "/2", "e");
		findings_add(&f, 95, false, "publisher_impersonation", "s", "S", "/3", "e");
		findings_add(&f, 95, false, "publisher_impersonation", "s", "S", "/3", "e");
		findings_add(&f, 95, false, "publisher_impersonation", "t", "T", "/4", "e");
		CHECK(groups_make(&f, &g, &ng) == 0 && ng == 3, "three groups");
		CHECK(ng == 3 && g[0].score == 95 && g[0].files == 2 && strcmp(f.v[g[0].first].group, "s") == 0,
		      "the bigger group of the top score first, its files counted once");
		CHECK(ng == 3 && g[2].score == 40, "the weakest last");
		free(g);
		findings_clear(&f);
	}

	/* Canonical paths. */
	CHECK(canon_is("/a/b/../c/./d//e/", "/a/c/d/e"), "dots, doubled and trailing slashes");
	CHECK(canon_is("/../x", "/x"), "above the root stays at the root");
	CHECK(canon_is("/", "/"), "the root");
	{
		char cwd[PATH_MAX], want[PATH_MAX + 16];
		if (getcwd(cwd, sizeof(cwd))) {
			snprintf(want, sizeof(want), "%s/dir/f", strcmp(cwd, "/") ? cwd : "");
			CHECK(canon_is("dir/./f", want), "relative: under the working directory");
			CHECK(canon_is("./dir/../dir/f", want), "relative with dots: the same row");
		}
	}
	publishers_free();
	return harness_done();
}

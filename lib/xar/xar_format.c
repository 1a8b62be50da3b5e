/*
 * The xar format: flat installer packages (.pkg) and other xar archives
 * (xar.h says which file holds what).
 */
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/result.h"
#include "xar/xar.h"

enum { XP_CHECKSUM, XP_FILES, XP_CREATED, XP_STYLES, XP_SIGNER_TYPE, XP_SCRIPTS, XP_TICKET, XP_TICKET_CHECK,
       XP_COUNT };

static const st_property_decl xar_properties[XP_COUNT] = {
	[XP_CHECKSUM] = { "xar.checksum", ST_PROPERTY_STRING, ST_SCOPE_PART, "toc checksum", NULL, 0,
			  NULL, "the table of contents' checksum algorithm (sha1, sha256, sha512, md5)" },
	[XP_FILES] = { "xar.files", ST_PROPERTY_INT, ST_SCOPE_PART, "files", NULL, 0, NULL,
		       "entries of the table of contents (files and folders)" },
	[XP_CREATED] = { "xar.creation_time", ST_PROPERTY_STRING, ST_SCOPE_PART, "created", NULL, 0,
			 NULL, "the table of contents' creation-time, as written (an unsigned claim)" },
	[XP_STYLES] = { "xar.signatures", ST_PROPERTY_STRING, ST_SCOPE_PART, "signature styles", NULL,
			0, NULL, "the signatures the table of contents declares: RSA (<signature>), CMS (<x-signature>)" },
	[XP_SIGNER_TYPE] = { "xar.signer_type", ST_PROPERTY_STRING, ST_SCOPE_SIGNATURE,
			     "signer type", NULL, 0, NULL,
			     "class of the signer certificate from Apple's markers; developer_id_installer is the one packages are distributed with" },
	[XP_SCRIPTS] = { "xar.scripts", ST_PROPERTY_STRING, ST_SCOPE_PART, "install scripts", NULL, 0, NULL,
			 "the package's Scripts archives (TOC paths): the installer runs the scripts inside (preinstall, postinstall) as root" },
	[XP_TICKET] = { "xar.notarization_ticket", ST_PROPERTY_BOOL, ST_SCOPE_PART, "stapled ticket", NULL, 0,
			NULL, "a notarization ticket is stapled after the archive (t8lr trailers)" },
	[XP_TICKET_CHECK] = { "xar.notarization_ticket_check", ST_PROPERTY_STRING, ST_SCOPE_PART, "ticket", NULL, 0,
			      NULL, "the stapled ticket: bound (Apple's, naming the package's table-of-contents checksum), other_code, bad_signature, untrusted or malformed (docs/packages.md)" },
};

const st_property_decl xar_signer_type_decl;
const st_property_decl xar_signer_type_decl = {
	"xar.signer_type", ST_PROPERTY_STRING, ST_SCOPE_SIGNATURE, "signer type", NULL, 0, NULL,
	"class of the signer certificate from Apple's markers; developer_id_installer is the one packages are distributed with"
};

static enum st_probe xar_probe(st_span head, uint64_t size)
{
	return size >= XAR_HEADER_MIN && head.len >= 4 && memcmp(head.data, "xar!", 4) == 0
		       ? ST_PROBE_YES : ST_PROBE_NO;
}

static int xar_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct xar x;
	char why[200], styles[16] = "";
	int rc;

	part->format = "xar";
	part->policy = ST_POLICY_ALL_HOLD;
	rc = xar_read(in, &x, why, sizeof(why));
	if (rc < 0) {
		xar_clear(&x);
		return rc;
	}
	if (rc > 0) {
		part->signed_structure = true;
		rc = st_reasons_add(&part->reasons, st_parse_reason(rc, ST_R_MALFORMED_PACKAGE),
				    ST_EFFECT_DEFAULT, "%s", why);
		xar_clear(&x);
		if (rc == ST_OK)
			st_part_finish(part);
		return rc;
	}
	part->subformat = x.rsa.present || x.cms.present ? "signed" : "unsigned";
	snprintf(styles, sizeof(styles), "%s%s%s", x.rsa.present ? "RSA" : "",
		 x.rsa.present && x.cms.present ? "+" : "", x.cms.present ? "CMS" : "");
	if ((*x.toc_style && st_props_set_str(&part->props, &xar_properties[XP_CHECKSUM], x.toc_style)) ||
	    st_props_set_int(&part->props, &xar_properties[XP_FILES], (int64_t)x.nfiles) ||
	    (*x.creation_time && st_props_set_str(&part->props, &xar_properties[XP_CREATED], x.creation_time)) ||
	    (*styles && st_props_set_str(&part->props, &xar_properties[XP_STYLES], styles))) {
		xar_clear(&x);
		return ST_ENOMEM;
	}
	{
		/* A package that runs scripts when it is installed: its
		 * components' Scripts archives, listed (the archives are opened
		 * as members like the payloads, docs/packages.md). */
		char scripts[512] = "";
		size_t o = 0, nscripts = 0;
		for (size_t i = 0; i < x.nfiles; i++) {
			const char *p = x.files[i].path, *base = p ? strrchr(p, '/') : NULL;
			base = base ? base + 1 : p;
			if (!base || strcmp(base, "Scripts") != 0)
				continue;
			if (nscripts++ < 8 && o < sizeof(scripts))
				o += (size_t)snprintf(scripts + o, sizeof(scripts) - o, "%s%s", o ? ", " : "", p);
		}
		if (nscripts && st_props_set_str(&part->props, &xar_properties[XP_SCRIPTS], scripts)) {
			xar_clear(&x);
			return ST_ENOMEM;
		}
	}
	rc = xar_check_signatures(w, in, &x, part);
	if (rc == ST_OK)
		rc = xar_check_ticket(w, in, &x, part, &xar_properties[XP_TICKET], &xar_properties[XP_TICKET_CHECK]);
	if (rc == ST_OK)
		rc = xar_check_files(w, in, &x, part, x.rsa.present || x.cms.present);
	xar_clear(&x);
	if (rc == ST_OK)
		st_part_finish(part);
	return rc;
}

const struct st_format st_format_xar = {
	.name = "xar",
	.description = "xar archives: flat installer packages (.pkg) with RSA and CMS signatures over the table of contents",
	.probe = xar_probe,
	.verify = xar_verify,
	.properties = xar_properties,
	.nproperties = XP_COUNT,
};

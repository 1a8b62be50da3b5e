/*
 * The bundle format: a directory whose main executable's signature, with
 * its Info.plist and seal, makes one verdict (bundle.h says which file
 * holds what). The main executable is the bundle's constituent part; nested
 * code and other executables are parts of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"
#include "core/limits.h"
#include "core/result.h"
#include "macho/macho.h"

enum {
	BP_IDENTIFIER, BP_VERSION, BP_EXECUTABLE, BP_SEAL_VERSION, BP_SEALED, BP_NESTED,
	BP_TICKET, BP_RUNTIME, BP_LAYOUT, BP_DETACHED, BP_TICKET_CHECK, BP_COUNT
};

static const st_property_decl bundle_properties[BP_COUNT] = {
	[BP_IDENTIFIER] = { "bundle.identifier", ST_PROPERTY_STRING, ST_SCOPE_PART, "bundle id",
			    NULL, 0, NULL, "Info.plist CFBundleIdentifier" },
	[BP_VERSION] = { "bundle.version", ST_PROPERTY_STRING, ST_SCOPE_PART, "bundle version",
			 NULL, 0, NULL,
			 "Info.plist CFBundleShortVersionString (else CFBundleVersion)" },
	[BP_EXECUTABLE] = { "bundle.executable", ST_PROPERTY_STRING, ST_SCOPE_PART, "executable",
			    NULL, 0, NULL, "the main executable, from the bundle (Info.plist CFBundleExecutable)" },
	[BP_SEAL_VERSION] = { "bundle.seal_version", ST_PROPERTY_INT, ST_SCOPE_PART, "seal version",
			      NULL, 0, NULL,
			      "2 for a seal with files2/rules2 (SHA-256), 1 for the obsolete SHA-1 seal" },
	[BP_SEALED] = { "bundle.sealed_files", ST_PROPERTY_INT, ST_SCOPE_PART, "sealed files", NULL,
			0, NULL, "entries of the seal (CodeResources files2 or files)" },
	[BP_NESTED] = { "bundle.nested_code", ST_PROPERTY_INT, ST_SCOPE_PART, "nested code", NULL,
			0, NULL, "nested bundles and Mach-O files verified as parts" },
	[BP_TICKET] = { "bundle.notarization_ticket", ST_PROPERTY_BOOL, ST_SCOPE_PART,
			"stapled ticket", NULL, 0, NULL,
			"a notarization ticket is stapled (Contents/CodeResources)" },
	[BP_RUNTIME] = { "bundle.hardened_runtime", ST_PROPERTY_BOOL, ST_SCOPE_PART,
			 "hardened runtime", NULL, 0, NULL,
			 "the main executable's CodeDirectory has the runtime flag (0x10000) notarization requires" },
	[BP_LAYOUT] = { "bundle.layout", ST_PROPERTY_STRING, ST_SCOPE_PART, "layout", NULL, 0, NULL,
			"deep (Contents/), framework (Versions/Current) or shallow" },
	[BP_TICKET_CHECK] = { "bundle.notarization_ticket_check", ST_PROPERTY_STRING, ST_SCOPE_PART,
			      "ticket", NULL, 0, NULL,
			      "the stapled ticket: bound (Apple's, naming the main executable's CDHash), other_code, bad_signature, untrusted or malformed (docs/bundles.md)" },
	[BP_DETACHED] = { "bundle.detached_signature", ST_PROPERTY_BOOL, ST_SCOPE_PART,
			  "detached signature", NULL, 0, NULL,
			  "the signature is detached in _CodeSignature/ (CodeDirectory, CodeSignature): verified as the bundle's own when it has no main executable; beside an unsigned executable (old kexts) not verified yet" },
};

static const char *const shapes[] = { "deep", "framework", "shallow" };

static bool bundle_probe_directory(int fd, const char *name)
{
	enum bundle_shape shape;

	return bundle_probe(fd, name, &shape);
}

static const char *kind_of(const char *ext);

/* Inside a disk image or an archive, before the directory is copied out to
 * be probed: one of Apple's bundle extensions, or an extension of letters
 * and digits (not the dotted names of Windows' component store, thousands
 * of directories each) and an entry of one of bundle_probe's layouts (an
 * archive shows the entry that follows the name in a path). */
static bool bundle_probe_listing(const char *name, const char *const *names, size_t n)
{
	const char *dot = strrchr(name, '.');
	bool info = false, sig = false;

	if (!dot || dot == name || !dot[1])
		return false;
	if (strcmp(kind_of(dot + 1), "bundle") != 0 || strcmp(dot + 1, "bundle") == 0)
		return true;
	for (const char *p = dot + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "Contents") == 0 || strcmp(names[i], "Versions") == 0)
			return true;
		info = info || strcmp(names[i], "Info.plist") == 0;
		sig = sig || strcmp(names[i], "_CodeSignature") == 0;
	}
	return info && sig;
}

/* The kind of bundle from its extension: app, framework, appex, ... */
static const char *kind_of(const char *ext)
{
	static const char *const known[] = { "app", "framework", "appex", "xpc", "kext",
					     "bundle", "plugin", "prefPane", "qlgenerator",
					     "mdimporter", "saver", "dext", "systemextension" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (ext && strcmp(ext, known[i]) == 0)
			return known[i];
	return "bundle";
}

static int set_props(struct st_part *part, const struct bundle *b, const struct st_part *exe,
		     const struct bundle_seal_stats *stats)
{
	st_props *p = &part->props;
	const st_signature *sig = exe ? st_part_primary_signature(exe) : NULL;
	const st_property *fl = sig ? st_signature_property_find(sig, "macho.cd_flags") : NULL;
	char exe_path[900];

	snprintf(exe_path, sizeof(exe_path), "%s%s%s", b->root, *b->root ? "/" : "", b->exe_rel);
	if ((b->identifier && st_props_set_str(p, &bundle_properties[BP_IDENTIFIER], b->identifier)) ||
	    (b->version && st_props_set_str(p, &bundle_properties[BP_VERSION], b->version)) ||
	    (b->has_exe && st_props_set_str(p, &bundle_properties[BP_EXECUTABLE], exe_path)) ||
	    st_props_set_int(p, &bundle_properties[BP_TICKET], b->ticket) ||
	    st_props_set_str(p, &bundle_properties[BP_LAYOUT], shapes[b->shape]) ||
	    (b->detached && st_props_set_int(p, &bundle_properties[BP_DETACHED], 1)) ||
	    (fl && st_props_set_int(p, &bundle_properties[BP_RUNTIME], (st_property_int(fl) & 0x10000) != 0)))
		return ST_ENOMEM;
	if (b->seal_plist &&
	    (st_props_set_int(p, &bundle_properties[BP_SEAL_VERSION],
			      plist_dict_get_item(b->seal_plist, "files2") ? 2 : 1) ||
	     st_props_set_int(p, &bundle_properties[BP_SEALED], (int64_t)stats->sealed) ||
	     st_props_set_int(p, &bundle_properties[BP_NESTED], (int64_t)stats->nested)))
		return ST_ENOMEM;
	return ST_OK;
}

/* The bundle identifier against the signing identifier: codesign takes
 * the one for the other unless told otherwise, and macOS does not require
 * them to agree, so a difference is a warning (a signature moved from
 * another bundle keeps its identifier). */
static int check_identifier(struct st_part *part, const struct bundle *b, const struct st_part *exe)
{
	const st_signature *sig = exe ? st_part_primary_signature(exe) : NULL;
	const st_property *id = sig ? st_signature_property_find(sig, "macho.signing_id") : NULL;
	const char *s = id ? st_property_string(id) : NULL;
	const st_property *fl = sig ? st_signature_property_find(sig, "macho.cd_flags") : NULL;

	/* A linker names its signature after the output file. */
	if (fl && (st_property_int(fl) & 0x20000))
		return ST_OK;
	if (b->identifier && s && strcmp(s, b->identifier) != 0)
		ST_ADD(&part->reasons, ST_R_METADATA_MISMATCH, ST_VERDICT_VALID,
		       "Info.plist names the bundle '%.120s' but its %s '%.120s'", b->identifier,
		       exe == part ? "signature names it" : "executable is signed as", s);
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

/* The main executable held to the designated requirement its signature
 * carries (macho.designated_requirement), as codesign --verify holds
 * it: a requirement the code does not satisfy (a signature whose
 * requirement names another identifier, team or Apple itself) makes the
 * bundle invalid; a clause sigtrace cannot decide leaves it alone. */
static int check_designated(struct st_part *part, const struct st_part *exe)
{
	const st_signature *sig = exe ? st_part_primary_signature(exe) : NULL;
	const st_property *dr = sig ? st_signature_property_find(sig, "macho.designated_requirement") : NULL;
	const st_property *id = sig ? st_signature_property_find(sig, "macho.signing_id") : NULL;
	const st_property *team = sig ? st_signature_property_find(sig, "macho.team_id") : NULL;
	const st_property *cd = sig ? st_signature_property_find(sig, "macho.cdhash") : NULL;

	/* The bundle's own (detached) signature is not finished yet: its
	 * reasons say how it stands. */
	st_verdict v = !sig ? ST_VERDICT_UNSIGNED : exe == part ? st_reasons_worst(&sig->reasons) : exe->verdict;

	if (!dr || !st_property_string(dr) || v == ST_VERDICT_INVALID || v == ST_VERDICT_MALFORMED)
		return ST_OK;
	if (bundle_requirement_eval(st_property_string(dr), sig, id ? st_property_string(id) : NULL,
				    team ? st_property_string(team) : NULL, cd ? st_property_string(cd) : NULL) ==
	    REQ_FALSE)
		ST_ADD(&part->reasons, ST_R_REQUIREMENT_UNSATISFIED, ST_EFFECT_DEFAULT,
		       "the main executable does not satisfy its designated requirement (%.300s)",
		       st_property_string(dr));
	return ST_OK;
enomem:
	return ST_ENOMEM;
}

/* The stapled ticket (Contents/CodeResources, the raw ticket) against the
 * main executable's CDHashes, every architecture's. */
static int check_ticket(struct st_walk *w, struct st_part *part, const struct bundle *b, const struct st_part *exe)
{
	struct macho_ticket_hash want[2 * (ST_LIMIT_FAT_ARCHS + 1)];
	size_t n = exe ? macho_ticket_hashes_of_part(exe, want, sizeof(want) / sizeof(want[0])) : 0;
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc = bundle_read_file(b->root_fd, "CodeResources", ST_LIMIT_TICKET_BYTES, &bytes, &len);

	if (rc == ST_ENOMEM)
		return rc;
	rc = macho_ticket_report(w->ctx, st_span_make(bytes, rc ? 0 : len), want, n, &part->props,
				 &bundle_properties[BP_TICKET_CHECK], &part->reasons);
	free(bytes);
	return rc;
}

static int bundle_verify_directory(struct st_walk *w, int fd, struct st_part *part)
{
	struct bundle b;
	struct bundle_seal_stats stats = { 0 };
	struct st_part *exe = NULL;
	const struct st_part *signer = NULL;   /* the part whose signature is the bundle's */
	struct st_external_slots ext;
	enum bundle_shape shape = BUNDLE_DEEP;
	char name[256] = "", exe_name[900];
	const char *dot;
	int rc;

	snprintf(name, sizeof(name), "%s", w->dirname ? w->dirname : "");
	if (!bundle_probe(fd, name, &shape))
		shape = BUNDLE_DEEP;
	dot = strrchr(name, '.');
	part->format = "bundle";
	part->subformat = kind_of(dot ? dot + 1 : NULL);
	part->policy = ST_POLICY_ALL_HOLD;
	if ((rc = bundle_open(&b, fd, shape, &part->reasons)))
		goto done;
	if (b.root_fd < 0) {
		ST_ADD(&part->reasons, ST_R_MALFORMED_BUNDLE, ST_EFFECT_DEFAULT,
		       "the bundle's root folder cannot be opened");
		part->signed_structure = true;
		goto finish;
	}
	/* What the signature binds from outside its code: Info.plist (slot
	 * 1) and the seal (slot 3), as read here. */
	memset(&ext, 0, sizeof(ext));
	ext.info_plist = (struct st_external_file){ true, b.info != NULL, b.info_path,
						   st_span_make(b.info, b.info_len), ST_R_RESOURCE_MODIFIED };
	ext.resources = (struct st_external_file){ true, b.seal != NULL, "_CodeSignature/CodeResources",
						  st_span_make(b.seal, b.seal_len), ST_R_RESOURCE_MODIFIED };
	if (b.has_exe) {
		struct st_member m = { .kind = "member", .constituent = true };
		snprintf(exe_name, sizeof(exe_name), "%s%s%s", b.root, *b.root ? "/" : "", b.exe_rel);
		m.name = exe_name;
		w->external = &ext;
		rc = st_walk_file(w, part, b.root_fd, b.exe_rel, &m, &exe);
		w->external = NULL;
		if (rc)
			goto done;
		if (!exe && !st_reasons_has(&part->reasons, ST_R_LIMIT_EXCEEDED))
			ST_ADD(&part->reasons, ST_R_MALFORMED_BUNDLE, ST_EFFECT_DEFAULT,
			       "the main executable %s named by Info.plist is missing or unreadable",
			       exe_name);
	}
	if (exe && st_part_primary_signature(exe)) {
		signer = exe;
	} else if (!b.has_exe && b.detached) {
		/* No main executable: the signature codesign detached into
		 * _CodeSignature/, over Info.plist (bundle_detached.c). */
		bool found;
		if ((rc = bundle_check_detached(w, part, &b, -1, 0, &ext, &found)))
			goto done;
		if (found)
			signer = part;
	}
	if (signer) {
		part->signed_structure = true;
		if ((rc = check_identifier(part, &b, signer)) || (rc = check_designated(part, signer)))
			goto done;
		/* Without a seal, the check of slot 3 has said whether the
		 * signature expects one. */
		rc = b.seal_plist ? bundle_check_seal(w, part, &b, &stats)
				  : bundle_list_code(w, part, &b, &stats);
		if (rc)
			goto done;
	} else {
		if ((rc = bundle_list_code(w, part, &b, &stats)))
			goto done;
	}
	if (exe)
		part->arch = exe->arch;
	part->size = stats.bytes + (exe ? exe->size : 0);
	/* (A detached signature in _CodeSignature/CodeDirectory is not a
	 * stripped one: old kexts keep theirs there.) */
	if ((!exe || !st_part_primary_signature(exe)) && b.seal && b.has_exe && !b.detached) {
		/* A seal next to an unsigned executable: the signed one was
		 * replaced or stripped. The verdict stays unsigned (no
		 * signature to judge); the reason says why it matters. */
		ST_ADD(&part->reasons, ST_R_RESOURCE_MODIFIED, ST_VERDICT_VALID,
		       "the bundle carries a seal (_CodeSignature/CodeResources) but its main executable %s is not signed: the signed executable was replaced or its signature stripped",
		       b.has_exe ? exe_name : "(none)");
	}
	if ((rc = set_props(part, &b, signer, &stats)) ||
	    (b.ticket && (rc = check_ticket(w, part, &b, signer))))
		goto done;
finish:
	st_part_finish(part);
	rc = ST_OK;
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	bundle_close(&b);
	return rc;
}

const struct st_format st_format_bundle = {
	.name = "bundle",
	.description = "Apple bundles (.app, .framework, .appex, ...): main executable, Info.plist, sealed resources, nested code",
	.properties = bundle_properties,
	.nproperties = BP_COUNT,
	.probe_directory = bundle_probe_directory,
	.probe_listing = bundle_probe_listing,
	.verify_directory = bundle_verify_directory,
};

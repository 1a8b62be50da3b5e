/*
 * The script format: PowerShell scripts and XML files signed with a
 * comment block (script.h), verified as Authenticode with the digest over
 * their text as Windows computes it.
 */
#include <openssl/evp.h>
#include <string.h>

#include "authenticode/authenticode.h"
#include "core/digest.h"
#include "core/format.h"
#include "core/limits.h"
#include "script/script.h"
#include "x509/chain.h"

/* SpcSipInfo: the indirect-data type of scripts (and other SIP-hashed
 * subjects). */
#define OID_SPC_SIPINFO "1.3.6.1.4.1.311.2.1.30"

enum { SP_STYLE, SP_ENCODING, SP_COUNT };

static const st_property_decl script_properties[SP_COUNT] = {
	[SP_STYLE] = { "script.block", ST_PROPERTY_STRING, ST_SCOPE_PART, "signature block", NULL,
		       0, NULL,
		       "the comment style of the signature block: powershell (# lines: .ps1, "
		       ".psm1, .psd1), xml (<!-- --> lines: .ps1xml, .psc1, .cdxml), jscript "
		       "(// SIG // lines: .js), vbscript ('' SIG '' lines: .vbs) or wsf "
		       "(<signature> element: .wsf)" },
	[SP_ENCODING] = { "script.encoding", ST_PROPERTY_STRING, ST_SCOPE_PART, "encoding", NULL,
			  0, NULL,
			  "how the text was read for the digest: utf-8, utf-8-bom, utf-16le, "
			  "utf-16be, windows-1252" },
};

/* Text every signature block holds: its header, and near the end of the
 * file its footer (.wsf: its lines, the block sits before the last
 * </job>). */
static const char *const markers[] = { "SIG # Begin signature block",
				       "SIG // Begin signature block",
				       "SIG '' Begin signature block", "** SIG ** ", NULL };
static const char *const end_markers[] = { "SIG # End signature block",
					   "SIG // End signature block",
					   "SIG '' End signature block", "** SIG ** ", NULL };

/* Whether s holds the ASCII text m, or m as UTF-16LE or UTF-16BE. */
static bool has_one(const uint8_t *s, size_t n, const char *m)
{
	size_t l = strlen(m);
	uint8_t le[64], be[64];

	if (memmem(s, n, m, l))
		return true;
	for (size_t i = 0; i < l && 2 * i + 1 < sizeof(le); i++) {
		le[2 * i] = be[2 * i + 1] = (uint8_t)m[i];
		le[2 * i + 1] = be[2 * i] = 0;
	}
	return memmem(s, n, le, 2 * l) != NULL || memmem(s, n, be, 2 * l) != NULL;
}

static bool has_marker(const uint8_t *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (has_one(s, n, *list))
			return true;
	return false;
}

static enum st_probe script_probe(st_span head, uint64_t size)
{
	if (!script_looks_textual(head.data, head.len))
		return ST_PROBE_NO;
	/* A whole short file is in the head: decide now, so text files cost
	 * nothing more than before. */
	if (size <= head.len)
		return has_marker(head.data, head.len, markers) ? ST_PROBE_YES : ST_PROBE_NO;
	return size <= ST_LIMIT_SCRIPT_BYTES ? ST_PROBE_MAYBE : ST_PROBE_NO;
}

struct script_subject {
	const struct script_block *b;
};

static int script_digest(void *arg, int nid, uint8_t *out, unsigned *outlen, st_reasons *rs)
{
	const struct script_subject *ss = arg;

	(void)rs;
	return st_digest(nid, ss->b->hashed, ss->b->hashed_len, out, outlen) ? ST_OK : ST_ENOMEM;
}

/* No signature block. A file named as a PowerShell script is an unsigned
 * script (the issue of unsigned scripts is that they look like any text);
 * anything else is left as a non-executable. */
static int not_script(struct st_walk *w, struct st_part *part)
{
	if (w->by_name && w->depth == 0) {
		part->format = "script";
		part->subformat = NULL;
		part->policy = ST_POLICY_ANY_VALID;
		st_part_finish(part);
		return ST_OK;
	}
	return st_part_not_executable(part);
}

static int script_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct script_block b;
	struct script_subject ss = { .b = &b };
	struct ac_subject subj = {
		.indirect_type = OID_SPC_SIPINFO,
		.type_name = "script",
		.digest = script_digest,
		.arg = &ss,
		.policy = &st_policy_windows,
	};
	st_span all;
	int rc;

	/* The block ends the file: look at the tail before reading all. */
	if (in->size > ST_PROBE_LEN) {
		uint64_t tail = in->size < 65536 ? in->size : 65536;
		st_span t;
		rc = st_input_view(in, in->size - tail, tail, &t);
		if (rc < 0)
			return rc;
		if (rc > 0 || !has_marker(t.data, t.len, end_markers))
			return not_script(w, part);
	}
	rc = st_input_view(in, 0, in->size, &all);
	if (rc < 0)
		return rc;
	if (rc > 0)
		return not_script(w, part);
	rc = script_find_block(all.data, all.len, &b);
	if (rc < 0)
		return ST_ENOMEM;
	if (rc == 0)
		return not_script(w, part);
	part->format = "script";
	part->subformat = b.style;
	part->policy = ST_POLICY_ANY_VALID;
	part->signed_structure = true;
	if ((rc = st_props_set_str(&part->props, &script_properties[SP_STYLE], b.style)) ||
	    (rc = st_props_set_str(&part->props, &script_properties[SP_ENCODING],
				   script_encoding_name(b.encoding))))
		goto out;
	if (b.bad_base64 || !b.pkcs7_len) {
		rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_SIGNATURE, ST_EFFECT_DEFAULT,
				    "the signature block is not base64 comment lines closed by its "
				    "end line");
		if (rc)
			goto out;
	} else {
		rc = ac_verify(w->ctx, &subj, st_span_make(b.pkcs7, b.pkcs7_len), part, 0);
		if (rc)
			goto out;
	}
	/* Script text after the block is covered by no digest: whatever is
	 * there runs with the signature's blessing. */
	if (b.trailing &&
	    (rc = st_reasons_add(&part->reasons, ST_R_TRAILING_DATA, ST_EFFECT_DEFAULT,
				 "%zu bytes of text follow the signature block; no digest covers them",
				 b.trailing)))
		goto out;
	st_part_finish(part);
out:
	script_block_clear(&b);
	return rc;
}

/* Unsigned scripts are told by name: only PowerShell's, whose signing is
 * common enough that an unsigned one among signed ones is worth a look. */
static const char *const script_extensions[] = {
	".ps1", ".psm1", ".psd1", ".ps1xml", ".psc1", ".cdxml", NULL
};

const struct st_format st_format_script = {
	.name = "script",
	.description = "PowerShell scripts and their XML files (.ps1, .psm1, .psd1, .ps1xml) and "
		       "Windows Script Host files (.js, .vbs, .wsf): Authenticode in a comment "
		       "block",
	.probe = script_probe,
	.verify = script_verify,
	.properties = script_properties,
	.nproperties = SP_COUNT,
	.extensions = script_extensions,
};

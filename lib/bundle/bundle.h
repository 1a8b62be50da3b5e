/*
 * Apple bundles (.app, .framework, .appex, .xpc, .kext, .bundle, .plugin,
 * ...): directories whose main executable's code signature binds, through
 * its special slots, the Info.plist and a seal of every other file
 * (_CodeSignature/CodeResources).
 *
 *   bundle_layout.c       the three shapes (Contents/, Versions/Current,
 *                         shallow), Info.plist, the main executable
 *   bundle_rules.c        the seal's rules: regular expressions, weights,
 *                         omit/optional/nested, and the exclusions
 *   bundle_seal.c         the bundle's files against the seal: modified,
 *                         missing, added (unsealed), symbolic links
 *   bundle_detached.c     signatures kept in _CodeSignature/ files (a
 *                         bundle without a main executable)
 *   bundle_nested.c       nested code: verified as parts, against the
 *                         requirement the seal records for it
 *   bundle_requirement.c  requirement strings in their common forms
 *   bundle_format.c       the format: probe, verify, properties
 *
 * Bundles are read through openat() from the bundle's directory and never
 * follow a symbolic link: a link is checked against the seal as a link
 * (and reported when it leaves the bundle), never read through.
 */
#ifndef ST_BUNDLE_H
#define ST_BUNDLE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <plist/plist.h>

#include "core/format.h"

enum bundle_shape {
	BUNDLE_DEEP,        /* X.app/Contents/{Info.plist,MacOS/X,...} */
	BUNDLE_FRAMEWORK,   /* X.framework/Versions/A/{X,Resources/Info.plist} */
	BUNDLE_SHALLOW      /* X.appex/{Info.plist,X,_CodeSignature} (iOS style) */
};

struct bundle {
	int fd;                    /* the bundle directory */
	enum bundle_shape shape;
	int root_fd;               /* the resources root: Contents/, Versions/A/, or fd */
	char root[300];            /* its path from the bundle: "Contents", "Versions/A", "" */
	char info_path[340];       /* "Contents/Info.plist" (from the bundle) */
	uint8_t *info;             /* Info.plist bytes, or NULL when absent */
	size_t info_len;
	plist_t info_plist;
	const char *identifier, *version, *executable;   /* owned by info_plist */
	char exe_rel[512];         /* main executable, from the root ("MacOS/X") */
	bool has_exe;
	uint8_t *seal;             /* _CodeSignature/CodeResources bytes, or NULL */
	size_t seal_len;
	plist_t seal_plist;
	bool ticket;               /* a stapled notarization ticket (Contents/CodeResources) */
	bool detached;             /* _CodeSignature/CodeDirectory: a signature kept
				    * outside any executable (a bundle without one) */
};

/* bundle_layout.c */
/* The shape of the directory at fd, named `name`; false when it is no
 * bundle. */
bool bundle_probe(int fd, const char *name, enum bundle_shape *shape);
/* Opens the bundle's root and reads Info.plist and CodeResources. ST_OK
 * (problems with the content are reasons in rs), ST_ENOMEM. */
int bundle_open(struct bundle *b, int fd, enum bundle_shape shape, st_reasons *rs);
void bundle_close(struct bundle *b);
/* Reads the regular file rel under dirfd (not following links) whole,
 * up to max bytes: ST_OK, ST_ENOMEM, or an errno value > 0 (EFBIG when
 * larger, EINVAL when not a regular file). */
int bundle_read_file(int dirfd, const char *rel, size_t max, uint8_t **out, size_t *len);

/* Parses a property list (XML or binary) that must be a dictionary into
 * *out: ST_OK, or ST_PARSE_MALFORMED (*out NULL). */
int bundle_parse_plist(const uint8_t *p, size_t n, plist_t *out);

/* bundle_rules.c */
enum {
	RULE_OMIT = 1u,        /* not sealed: ignored */
	RULE_OPTIONAL = 2u,    /* sealed, may be absent */
	RULE_NESTED = 4u,      /* nested code lives here */
	RULE_EXCLUDED = 8u     /* outside the seal by construction (Apple's exclusions) */
};

struct bundle_rule {
	regex_t re;
	double weight;
	unsigned flags;
};

struct bundle_rules {
	struct bundle_rule *v;
	size_t n;
};

/* The rules of the seal's dictionary `dict` (rules2 or rules), with the
 * exclusions every bundle has (_CodeSignature, CodeResources, _MASReceipt,
 * the main executable) first. ST_OK; a positive ST_PARSE_* with why filled
 * when a rule cannot be used; ST_ENOMEM. */
int bundle_rules_load(struct bundle_rules *r, plist_t dict, const char *exe_rel, char *why,
		      size_t whylen);
/* The rule that decides `path` (relative to the resources root): an
 * exclusion if one matches, else the heaviest matching rule; NULL when none
 * matches (the path is outside the seal). */
const struct bundle_rule *bundle_rules_find(const struct bundle_rules *r, const char *path);
void bundle_rules_free(struct bundle_rules *r);

/* bundle_requirement.c */
enum req_value { REQ_FALSE = 0, REQ_TRUE = 1, REQ_UNKNOWN = 2 };
/* What the requirement string `req` says of code signed as `sig` (NULL:
 * unsigned) with signing ID `ident`, team `team`, cdhash `cdhash` (hex).
 * Clauses sigtrace cannot evaluate are unknown (three-valued logic). */
enum req_value bundle_requirement_eval(const char *req, const st_signature *sig,
				       const char *ident, const char *team, const char *cdhash);

/* bundle_seal.c */
struct bundle_seal_stats {
	size_t sealed, checked, nested, members;
	uint64_t bytes;          /* of the files read */
};
/* Every file of the bundle against the seal; nested code and other
 * executables become child parts. */
int bundle_check_seal(struct st_walk *w, struct st_part *part, struct bundle *b,
		      struct bundle_seal_stats *stats);

/* The code of a bundle that is not signed: nested bundles and executables
 * become child parts, nothing is judged against a seal. */
int bundle_list_code(struct st_walk *w, struct st_part *part, struct bundle *b,
		     struct bundle_seal_stats *stats);

/* bundle_detached.c */
/* The signature codesign keeps in _CodeSignature/ (CodeDirectory,
 * CodeRequirements, CodeRequirements-N, CodeSignature) over the bundle's
 * code: the main executable open in exe_fd (exe_size bytes), or Info.plist
 * when exe_fd is -1. Verified into a new signature of part, special slots
 * from ext; *found false when there is no CodeDirectory file. ST_OK or
 * ST_ENOMEM. */
int bundle_check_detached(struct st_walk *w, struct st_part *part, const struct bundle *b, int exe_fd,
			  uint64_t exe_size, const struct st_external_slots *ext, bool *found);

/* bundle_nested.c */
/* Verifies nested code at rel (a bundle directory when is_dir, else a
 * Mach-O file) into a child of part and judges it against its seal entry
 * (NULL when the seal has none). */
int bundle_nested(struct st_walk *w, struct st_part *part, struct bundle *b, const char *rel,
		  bool is_dir, plist_t entry);

extern const struct st_format st_format_bundle;

#endif

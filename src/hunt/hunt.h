/*
 * The hunting room of the command line (`sigtrace outliers`): findings,
 * publisher names (names.c), the rules over an inventory (rules.c) and
 * their ranking and output (outliers.c).
 */
#ifndef SIGTRACE_HUNT_H
#define SIGTRACE_HUNT_H

#include <stdbool.h>
#include <stddef.h>

struct finding {
	int score;
	char *code, *path, *evidence;
	char *file_sha256, *signer_sha256, *signer;  /* for --allow, --baseline */
	char *team;  /* Mach-O team ID vouched for by the signer certificate */
};

struct findings {
	struct finding *v;
	size_t n, cap;
};

void findings_add(struct findings *f, int score, const char *code, const char *path,
		  const char *evidence);
void findings_clear(struct findings *f);

/* ---- names.c: well-known publishers (the library's list) ---- */

void publishers_load(void);
void publishers_free(void);
/* The publisher a name claims (st_publisher_claimed), or NULL; *exact (if
 * not NULL) says whether the spelling is exact. */
const char *publisher_claimed_name(const char *name, bool *exact);
/* The O= value of an RFC 2253 subject, copied into buf. */
const char *dn_org(const char *dn, char *buf, size_t len);

/* ---- rules.c ---- */

/* Every finding of the inventory at dbpath, with the file's SHA-256 and
 * first signer for filtering. 0, or -1 when it cannot be read. */
int rules_collect(const char *dbpath, struct findings *f);

#endif

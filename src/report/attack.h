/*
 * ATT&CK techniques next to T1036.001 that a finding also belongs to, by
 * reason code (docs/output.md, threat.*): ECS lists them in the parallel
 * threat.* arrays, `sigtrace explain REASON` names them. Only mappings
 * whose place in ATT&CK v19 is confirmed are listed (the tactic each
 * technique sits under after v19's split of Defense Evasion).
 */
#ifndef SIGTRACE_REPORT_ATTACK_H
#define SIGTRACE_REPORT_ATTACK_H

#include <stddef.h>

struct attack_neighbour {
	const char *reason;
	const char *tactic_id, *tactic_name;
	const char *technique_id, *technique_name;
	const char *subtechnique_id, *subtechnique_name;  /* NULL: none */
};

/* The i-th neighbour, or NULL past the last. */
const struct attack_neighbour *attack_neighbour_at(size_t i);
/* The neighbour of a reason code, or NULL. */
const struct attack_neighbour *attack_neighbour_of(const char *reason);

#endif

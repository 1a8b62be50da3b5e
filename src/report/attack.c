/* ATT&CK neighbours of T1036.001 by reason code (attack.h). */
#include <string.h>

#include "report/attack.h"

static const struct attack_neighbour neighbours[] = {
	/* A chain that ends at a root the host added to its own store: the
	 * root is the adversary's foothold (T1553.004), which v19 places
	 * under Defense Impairment. */
	{ "host_root", "TA0112", "Defense Impairment", "T1553", "Subvert Trust Controls", "T1553.004",
	  "Install Root Certificate" },
	/* A genuine, validly signed driver with a known flaw: loading it is
	 * how attackers reach the kernel (bring your own vulnerable driver).
	 * No sub-technique; its record maps to T1068 even when its signature
	 * is valid. */
	{ "vulnerable_driver", "TA0004", "Privilege Escalation", "T1068", "Exploitation for Privilege Escalation",
	  NULL, NULL },
};

const struct attack_neighbour *attack_neighbour_at(size_t i)
{
	return i < sizeof(neighbours) / sizeof(neighbours[0]) ? &neighbours[i] : NULL;
}

const struct attack_neighbour *attack_neighbour_of(const char *reason)
{
	for (size_t i = 0; reason && i < sizeof(neighbours) / sizeof(neighbours[0]); i++)
		if (strcmp(neighbours[i].reason, reason) == 0)
			return &neighbours[i];
	return NULL;
}

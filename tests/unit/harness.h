/* Minimal unit-test harness: CHECK prints one PASS/FAIL line per check and
 * harness_done() prints the closing "N passed, N failed" line. */
#ifndef ST_HARNESS_H
#define ST_HARNESS_H

#include <stdio.h>

static int h_passed, h_failed;

#define CHECK(cond, name)                                                  \
	do {                                                               \
		if (cond) {                                                \
			h_passed++;                                        \
			printf("PASS %s: %s\n", __FILE__, name);           \
		} else {                                                   \
			h_failed++;                                        \
			printf("FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, \
			       name, #cond);                               \
		}                                                          \
	} while (0)

static inline int harness_done(void)
{
	printf("%d passed, %d failed\n", h_passed, h_failed);
	return h_failed ? 1 : 0;
}

#endif

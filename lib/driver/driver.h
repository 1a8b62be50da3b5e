/*
 * What the driver's files share (verify.c, member_pool.c); formats use
 * core/format.h.
 */
#ifndef ST_DRIVER_H
#define ST_DRIVER_H

#include "core/format.h"

/* Verifies `in` into `part` with `fmt` (or the format its content shows),
 * then hashes what is left of it when its hash is wanted. */
int st_driver_verify_input(struct st_walk *w, struct st_input *in, struct st_part *part,
			   const struct st_format *fmt);

/* Verifies member m of w's container from cin into its part c (made by
 * the caller, counted in w->parts): the member's hashes, depth, hint and,
 * for a file of its own, fresh budgets (st_walk_member; the member pool's
 * threads, with a walk of their own). */
int st_driver_verify_member(struct st_walk *w, struct st_input *cin, struct st_part *c,
			    const struct st_member *m);

/* Whether one more part may be made in parent; if not, *rc is the result
 * of recording the limit in parent. */
bool st_driver_within_limits(struct st_walk *w, struct st_part *parent, const char *kind,
			     const char *name, int *rc);

#endif

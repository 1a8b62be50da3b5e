/* The subcommands; each returns the process exit status. */
#ifndef SIGTRACE_COMMANDS_H
#define SIGTRACE_COMMANDS_H

#include "cli/options.h"

/* verify and scan (cmd_verify.c). */
int cmd_verify(const struct opts *o, int argc, char **argv);
/* outliers (hunt/outliers.c). */
int cmd_outliers(const struct opts *o);

#endif

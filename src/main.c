/* sigtrace: command-line front end. Uses only the public sigtrace.h. */
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"

int main(int argc, char **argv)
{
	struct opts o;
	int rc = options_parse(argc, argv, &o);

	if (rc < 0)
		rc = strcmp(o.cmd, "outliers") == 0   ? cmd_outliers(&o)
		     : strcmp(o.cmd, "trust") == 0    ? cmd_trust(&o)
		     : strcmp(o.cmd, "ingest") == 0   ? cmd_ingest(&o)
		     : strcmp(o.cmd, "executed") == 0 ? cmd_executed(&o)
		     : strcmp(o.cmd, "explain") == 0  ? cmd_explain(&o)
						      : cmd_verify(&o, argc, argv);
	options_free(&o);
	return rc;
}

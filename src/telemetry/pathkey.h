/* The telemetry room of the command line: `sigtrace ingest` (ingest.c)
 * reads execution events from logs into the inventory's executions table;
 * `sigtrace executed` (executed.c) joins them with the verdicts
 * (docs/telemetry.md), on the key of pathkey.c. */
#ifndef SIGTRACE_CLI_PATHKEY_H
#define SIGTRACE_CLI_PATHKEY_H

#include <stddef.h>

/*
 * The key a logged Windows path is joined on (pathkey.c): lower-case, '/'
 * separators, without the \\?\, \??\ and \\.\ prefixes, a drive letter, a
 * \Device\HarddiskVolumeN volume or \SystemRoot (which becomes windows/):
 * "C:\Windows\System32\x.exe" -> "windows/system32/x.exe". A file recorded
 * as ".../Windows/System32/x.exe" from a mounted or extracted volume ends
 * with "/" and the key. 0, or -1 when it does not fit.
 */
int image_key(const char *logged, char *out, size_t outlen);

#endif

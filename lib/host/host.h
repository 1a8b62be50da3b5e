/*
 * A Windows host's own trust, read from its registry hives (SOFTWARE for
 * the machine, NTUSER.DAT for a user) with libregf: the SystemCertificates
 * stores and their Group Policy equivalents, and the root list Windows
 * last downloaded (AuthRoot\AutoUpdate\EncodedCtl).
 */
#ifndef ST_HOST_H
#define ST_HOST_H

#include <stddef.h>

#include "core/context.h"

/*
 * Reads the hive at path into ctx's trust (x509/trust.h: st_host_cert).
 * *found receives the certificates and lists taken. ST_OK; ST_EIO when the
 * file is not a readable hive (why says so); ST_ENOMEM.
 */
int st_host_add_hive(st_context *ctx, const char *path, size_t *found, char *why,
		     size_t whylen);

#endif

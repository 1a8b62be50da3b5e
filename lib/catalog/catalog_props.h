/* The properties the catalog format declares (catalog_format.c); the
 * index sets the signature ones on files signed through a catalog. */
#ifndef ST_CATALOG_PROPS_H
#define ST_CATALOG_PROPS_H

#include "sigtrace.h"

enum {
	CP_VERSION, CP_MEMBERS, CP_LISTED, CP_UNUSABLE, CP_IDENTIFIER, CP_THIS_UPDATE, CP_OS,
	CP_ENTRY_DIGEST, CP_ENTRY_HASH, CP_ENTRY_TYPE, CP_ENTRY_OS,
	CP_SIG_PATH, CP_SIG_MEMBER, CP_COUNT
};

extern const st_property_decl cat_properties[CP_COUNT];

#endif

/*
 * The package's claimed publisher: the Publisher attribute of the Identity
 * element of AppxManifest.xml (AppxMetadata/AppxBundleManifest.xml for
 * bundles). Windows installs a package only when it is the signer
 * certificate's subject as CertNameToStr prints it ("CN=Contoso, O=Contoso,
 * L=Redmond, S=Washington, C=US": most specific first, ", " between
 * attributes, values with special characters in double quotes, S for the
 * state). A package whose manifest names Microsoft but whose signer is
 * someone else does not install, whatever its signature.
 *
 * The comparison is by attribute lists: the Publisher string parsed as
 * CertNameToStr writes it, the subject as OpenSSL prints it in RFC 2253
 * form (also most specific first), each type as its OID (fold_type).
 */
#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/objects.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "appx/appx.h"
#include "core/limits.h"

int appx_manifest_identity(struct zip *z, bool bundle, char **out)
{
	static const char *const attrs[3] = { "Publisher", "Name", "Version" };
	const struct zip_entry *m =
		zip_find(z, bundle ? "AppxMetadata/AppxBundleManifest.xml" : "AppxManifest.xml");
	char why[256];
	uint8_t *buf;
	size_t len;
	xmlDoc *doc;
	xmlNode *root;
	int rc;

	out[0] = out[1] = out[2] = NULL;
	if (!m)
		return ST_OK;
	rc = zip_read(z, m, ST_LIMIT_APPX_XML, &buf, &len, why, sizeof(why));
	if (rc)
		return rc < 0 ? rc : ST_OK;
	doc = xmlReadMemory((const char *)buf, (int)len, "manifest", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	free(buf);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	for (xmlNode *n = root ? root->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, BAD_CAST "Identity") != 0)
			continue;
		for (int k = 0; k < 3 && rc == ST_OK; k++) {
			xmlChar *p = xmlGetProp(n, BAD_CAST attrs[k]);
			if (p && !(out[k] = strdup((char *)p)))
				rc = ST_ENOMEM;
			xmlFree(p);
		}
		break;
	}
	xmlFreeDoc(doc);
	return rc;
}

#define MAX_RDN 32

struct rdn {
	char type[64];
	char value[256];
};

/* An attribute type as a dotted OID: CertNameToStr's names (S, E,
 * SERIALNUMBER, OID.x.y for the rest: an EV certificate's jurisdiction and
 * business category) and OpenSSL's (ST, emailAddress, serialNumber,
 * jurisdictionC, businessCategory) name the same attributes differently. */
static void fold_type(char *t, size_t len)
{
	static const struct {
		const char *name, *oid;
	} windows[] = {
		{ "S", "2.5.4.8" },    { "E", "1.2.840.113549.1.9.1" }, { "SERIALNUMBER", "2.5.4.5" },
		{ "STREET", "2.5.4.9" }, { "T", "2.5.4.12" },            { "G", "2.5.4.42" },
		{ "I", "2.5.4.43" },   { "POSTALCODE", "2.5.4.17" },    { "DESCRIPTION", "2.5.4.13" },
	};
	ASN1_OBJECT *o;

	if (strncasecmp(t, "OID.", 4) == 0) {
		memmove(t, t + 4, strlen(t + 4) + 1);
		return;
	}
	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
		if (strcasecmp(t, windows[i].name) == 0) {
			snprintf(t, len, "%s", windows[i].oid);
			return;
		}
	if ((o = OBJ_txt2obj(t, 0))) {
		OBJ_obj2txt(t, (int)len, o, 1);
		ASN1_OBJECT_free(o);
		return;
	}
	for (char *p = t; *p; p++)
		*p = (char)toupper((unsigned char)*p);
}

/* Parses "T=V, T="V, with comma", ..." (CertNameToStr) or "T=V,T=V\,x"
 * (RFC 2253) into at most MAX_RDN attributes; -1 when it cannot. */
static int parse_dn(const char *s, bool rfc2253, struct rdn *v)
{
	int n = 0;

	while (*s) {
		size_t t = 0, o = 0;
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (n == MAX_RDN)
			return -1;
		while (*s && *s != '=' && t + 1 < sizeof(v[n].type))
			v[n].type[t++] = *s++;
		v[n].type[t] = 0;
		while (t && v[n].type[t - 1] == ' ')
			v[n].type[--t] = 0;
		if (*s++ != '=')
			return -1;
		if (!rfc2253 && *s == '"') {
			for (s++; *s; s++) {
				if (*s == '"' && s[1] == '"')
					s++;
				else if (*s == '"')
					break;
				if (o + 1 < sizeof(v[n].value))
					v[n].value[o++] = *s;
			}
			if (*s++ != '"')
				return -1;
		} else {
			for (; *s && *s != ',' && !(rfc2253 && *s == '+'); s++) {
				char c = *s;
				if (rfc2253 && c == '\\' && s[1]) {
					unsigned x;
					if (isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2]) &&
					    sscanf(s + 1, "%2x", &x) == 1) {
						c = (char)x;
						s += 2;
					} else {
						c = *++s;
					}
				}
				if (o + 1 < sizeof(v[n].value))
					v[n].value[o++] = c;
			}
			while (!rfc2253 && o && v[n].value[o - 1] == ' ')
				o--;
		}
		v[n].value[o] = 0;
		fold_type(v[n].type, sizeof(v[n].type));
		n++;
		while (*s == ' ')
			s++;
		if (*s == ',' || *s == '+')
			s++;
		else if (*s)
			return -1;
	}
	return n;
}

bool appx_publisher_matches(const char *publisher, const char *subject)
{
	struct rdn a[MAX_RDN], b[MAX_RDN];
	int na = parse_dn(publisher, false, a), nb = parse_dn(subject, true, b);

	if (na <= 0 || na != nb)
		return false;
	for (int i = 0; i < na; i++)
		if (strcmp(a[i].type, b[i].type) != 0 || strcmp(a[i].value, b[i].value) != 0)
			return false;
	return true;
}

/*
 * What is known of a signer certificate beyond its own fields (hunt.h):
 * the CA family its chain belongs to, the signing service that issued it
 * (data/signing-services.tsv), and the identity that groups its renewals.
 * Rules compare signers through these, not through raw names and counts.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hunt/hunt.h"

extern const char st_cli_signing_services[];

void family_of(const char *top_subject, const char *top_sha256, bool top_is_anchor, char *out,
	       size_t outlen)
{
	static const char *const attrs[] = { "O", "OU", "CN" };
	char v[256];

	if (!top_is_anchor) {
		snprintf(out, outlen, "unanchored:%s", top_sha256 ? top_sha256 : "?");
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		bool exact = false;
		const char *p = publisher_claimed_name(dn_attr(top_subject, attrs[i], v, sizeof(v)), &exact);
		if (p && exact) {
			snprintf(out, outlen, "%s", p);
			return;
		}
	}
	for (size_t i = 0; i < 3; i++)
		if (*dn_attr(top_subject, attrs[i], v, sizeof(v))) {
			snprintf(out, outlen, "%s", v);
			return;
		}
	snprintf(out, outlen, "%s", top_sha256 ? top_sha256 : "?");
}

/* ---- signing services ------------------------------------------------------- */

struct service {
	char name[64], eku[96], identity[96];
	char cas[1024];   /* '|'-separated SHA-256s */
};

static struct service *services;
static size_t nservices;

static void services_load(void)
{
	const char *p = st_cli_signing_services;

	if (services)
		return;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[2048], *f[6] = { 0 }, *save = NULL;
		struct service *nv;

		if (*p != '#' && len > 0 && len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			f[0] = strtok_r(line, "\t", &save);
			for (int i = 1; i < 6 && f[i - 1]; i++)
				f[i] = strtok_r(NULL, "\t", &save);
			if (f[5] && (nv = realloc(services, (nservices + 1) * sizeof(*nv))) != NULL) {
				struct service *s = &nv[nservices++];
				services = nv;
				snprintf(s->name, sizeof(s->name), "%s", f[0]);
				snprintf(s->cas, sizeof(s->cas), "%s", f[1]);
				snprintf(s->eku, sizeof(s->eku), "%s", f[2]);
				snprintf(s->identity, sizeof(s->identity), "%s", strcmp(f[3], "-") ? f[3] : "");
			}
		}
		p += len + (eol ? 1 : 0);
	}
}

/* Whether the ','-separated list holds item exactly. */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, item, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

const char *service_of(const char *chain, const char *ekus, char *identity, size_t idlen)
{
	services_load();
	identity[0] = '\0';
	for (size_t i = 0; i < nservices; i++) {
		const struct service *s = &services[i];
		bool through = false;
		char cas[1024], *save = NULL;

		if (!ekus || !list_has(ekus, s->eku))
			continue;
		snprintf(cas, sizeof(cas), "%s", s->cas);
		for (char *c = strtok_r(cas, "|", &save); c && !through; c = strtok_r(NULL, "|", &save))
			through = chain && list_has(chain, c);
		if (!through)
			continue;
		/* The durable identity: the EKU under the service's prefix that is
		 * not the service's own. */
		for (const char *p = ekus; *s->identity && p && *p;) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (len < idlen && strncmp(p, s->identity, strlen(s->identity)) == 0 &&
			    !(len == strlen(s->eku) && strncmp(p, s->eku, len) == 0)) {
				memcpy(identity, p, len);
				identity[len] = '\0';
				break;
			}
			p = e ? e + 1 : NULL;
		}
		return s->name;
	}
	return NULL;
}

/* ---- how two certificates of one name relate ---------------------------------- */

enum cert_relation cert_relate(const struct cert_span *a, const struct cert_span *b)
{
	bool ua = strncmp(a->family, "unanchored:", 11) == 0;
	bool ub = strncmp(b->family, "unanchored:", 11) == 0;
	int64_t start = a->not_before > b->not_before ? a->not_before : b->not_before;
	int64_t end = a->not_after < b->not_after ? a->not_after : b->not_after;
	bool overlap = end - start > 90 * 86400;

	if (ua != ub)
		return REL_IMPOSTOR_TWIN;
	if (strcmp(a->family, b->family) == 0)
		return overlap ? REL_CONCURRENT : REL_RENEWAL;
	return overlap ? REL_REKEYED : REL_RENEWAL;
}

/* ---- the signers table -------------------------------------------------------- */

static const char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? (const char *)t : "";
}

int knowledge_build(sqlite3 *db)
{
	sqlite3_stmt *sel = NULL, *chain = NULL, *ins = NULL;
	int rc = -1;

	if (sqlite3_exec(db,
			 "CREATE TEMP TABLE signer_facts (sha256 TEXT PRIMARY KEY, subject_cn TEXT,"
			 " trusted INTEGER, family TEXT, service TEXT, identity TEXT, not_before TEXT,"
			 " not_after TEXT);",
			 NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	/* One signature per signer certificate stands for its chain; it is
	 * trusted when any of its signatures is. */
	if (sqlite3_prepare_v2(db,
			       "SELECT s.signer_sha256, max(s.trusted), s.file_id, s.idx, c.subject_cn, c.ekus,"
			       " c.not_before, c.not_after FROM signatures s"
			       " JOIN certificates c ON c.sha256 = s.signer_sha256"
			       " WHERE s.signer_sha256 IS NOT NULL GROUP BY s.signer_sha256",
			       -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT l.cert_sha256, c.subject, coalesce(c.trust_anchor, 0) FROM chain_links l"
			       " JOIN certificates c ON c.sha256 = l.cert_sha256"
			       " WHERE l.file_id = ?1 AND l.sig_idx = ?2 ORDER BY l.position",
			       -1, &chain, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO temp.signer_facts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1,
			       &ins, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(sel) == SQLITE_ROW) {
		char list[4096] = "", top[65] = "", top_subject[1024] = "", family[512], identity[256];
		char id[768];
		const char *service;
		bool anchor = false;
		size_t used = 0;

		sqlite3_bind_int64(chain, 1, sqlite3_column_int64(sel, 2));
		sqlite3_bind_int64(chain, 2, sqlite3_column_int64(sel, 3));
		while (sqlite3_step(chain) == SQLITE_ROW) {
			snprintf(top, sizeof(top), "%s", col(chain, 0));
			snprintf(top_subject, sizeof(top_subject), "%s", col(chain, 1));
			anchor = sqlite3_column_int(chain, 2) != 0;
			if (used < sizeof(list))
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
							 used ? "," : "", top);
		}
		sqlite3_reset(chain);
		if (!*top)
			snprintf(top, sizeof(top), "%s", col(sel, 0));
		family_of(top_subject, top, anchor, family, sizeof(family));
		service = service_of(list, col(sel, 5), identity, sizeof(identity));
		/* Renewals of one signer are one identity: its name within its
		 * family, or a service subscriber's durable identity. */
		if (service)
			snprintf(id, sizeof(id), "%s:%s", service, *identity ? identity : col(sel, 4));
		else
			snprintf(id, sizeof(id), "%s|%s", col(sel, 4), family);
		sqlite3_bind_text(ins, 1, col(sel, 0), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, col(sel, 4), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(ins, 3, sqlite3_column_int(sel, 1));
		sqlite3_bind_text(ins, 4, family, -1, SQLITE_TRANSIENT);
		if (service)
			sqlite3_bind_text(ins, 5, service, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(ins, 5);
		sqlite3_bind_text(ins, 6, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 7, col(sel, 6), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 8, col(sel, 7), -1, SQLITE_TRANSIENT);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto out;
		sqlite3_reset(ins);
	}
	rc = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(chain);
	sqlite3_finalize(ins);
	return rc;
}

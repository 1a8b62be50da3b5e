/*
 * What is known of a signer certificate beyond its own fields (hunt.h):
 * the CA family its chain belongs to, the signing service that issued it
 * (data/signing-services.tsv), and the identity that groups its renewals.
 * Rules compare signers through these, not through raw names and counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hunt/hunt.h"
#include "inventory/db.h"

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

int knowledge_build(struct db *db)
{
	struct db_stmt *sel = NULL, *chain = NULL, *ins = NULL;
	int rc = -1;

	if (db_exec(db,
		    "CREATE TEMP TABLE signer_facts (sha256 TEXT PRIMARY KEY, subject_cn TEXT,"
		    " trusted INTEGER, family TEXT, service TEXT, identity TEXT, not_before TEXT,"
		    " not_after TEXT);"
		    "CREATE INDEX signer_facts_identity ON signer_facts (identity);") ||
	    db_exec(db, "BEGIN"))
		return -1;
	/* One signature per signer certificate stands for its chain (a
	 * trusted one if there is one); it is trusted when any of its
	 * signatures is. */
	if (db_prepare(db,
		       "SELECT signer_sha256, trusted, file_id, idx, subject_cn, ekus, not_before, not_after"
		       " FROM (SELECT s.signer_sha256, s.trusted, s.file_id, s.idx, c.subject_cn, c.ekus,"
		       "  c.not_before, c.not_after, row_number() OVER (PARTITION BY s.signer_sha256"
		       "  ORDER BY s.trusted DESC, s.file_id, s.idx) AS rn FROM signatures s"
		       "  JOIN certificates c ON c.sha256 = s.signer_sha256"
		       "  WHERE s.signer_sha256 IS NOT NULL) x WHERE rn = 1",
		       &sel) ||
	    db_prepare(db,
		       "SELECT l.cert_sha256, c.subject, coalesce(c.trust_anchor, 0) FROM chain_links l"
		       " JOIN certificates c ON c.sha256 = l.cert_sha256"
		       " WHERE l.file_id = ?1 AND l.sig_idx = ?2 ORDER BY l.position",
		       &chain) ||
	    db_prepare(db, "INSERT INTO signer_facts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &ins))
		goto out;
	while (db_step(sel) == DB_ROW) {
		char list[4096] = "", top[65] = "", top_subject[1024] = "", family[512], identity[256];
		char id[768];
		const char *service;
		bool anchor = false;
		size_t used = 0;

		db_bind_int64(chain, 1, db_int64(sel, 2));
		db_bind_int64(chain, 2, db_int64(sel, 3));
		while (db_step(chain) == DB_ROW) {
			snprintf(top, sizeof(top), "%s", db_text(chain, 0));
			snprintf(top_subject, sizeof(top_subject), "%s", db_text(chain, 1));
			anchor = db_int64(chain, 2) != 0;
			if (used < sizeof(list))
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
							 used ? "," : "", top);
		}
		db_reset(chain);
		if (!*top)
			snprintf(top, sizeof(top), "%s", db_text(sel, 0));
		family_of(top_subject, top, anchor, family, sizeof(family));
		service = service_of(list, db_text(sel, 5), identity, sizeof(identity));
		/* Renewals of one signer are one identity: its name within its
		 * family, or a service subscriber's durable identity. */
		if (service)
			snprintf(id, sizeof(id), "%s:%s", service, *identity ? identity : db_text(sel, 4));
		else
			snprintf(id, sizeof(id), "%s|%s", db_text(sel, 4), family);
		db_bind_text(ins, 1, db_text(sel, 0));
		db_bind_text(ins, 2, db_text(sel, 4));
		db_bind_int64(ins, 3, db_int64(sel, 1));
		db_bind_text(ins, 4, family);
		db_bind_text(ins, 5, service);
		db_bind_text(ins, 6, id);
		db_bind_text(ins, 7, db_text(sel, 6));
		db_bind_text(ins, 8, db_text(sel, 7));
		if (db_step(ins) == DB_ERROR)
			goto out;
		db_reset(ins);
	}
	rc = db_exec(db, db_kind_of(db) == DB_POSTGRES ? "COMMIT; ANALYZE signer_facts" : "COMMIT");
out:
	if (rc)
		(void)db_exec(db, "ROLLBACK");
	db_finalize(sel);
	db_finalize(chain);
	db_finalize(ins);
	return rc;
}

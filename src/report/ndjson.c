/*
 * NDJSON records in the Elastic Common Schema (docs/output.md): one JSON
 * object per line, file.* and file.code_signature.* as Elastic Defend fills
 * them, file.x509.* for the signer, threat.* for findings, and sigtrace.*
 * with the verdict, reasons and every signature.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "report/attack.h"
#include "report/json.h"
#include "report/record.h"

/* A JSON string from arbitrary bytes: invalid UTF-8 (hostile certificate
 * names, file names) is replaced byte by byte with U+FFFD. */
json_t *report_json_string(const char *s)
{
	json_t *j;
	char *buf;

	if (!s)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	if (!(buf = utf8_repaired(s)))
		return json_null();
	j = json_string(buf);
	free(buf);
	return j ? j : json_null();
}

static json_t *js(const char *s)
{
	return report_json_string(s);
}

static json_t *jtime(int64_t t)
{
	char buf[32];

	fmt_time(t, buf, sizeof(buf));
	return buf[0] ? json_string(buf) : json_null();
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v ? v : json_null());
}

static void set_if(json_t *o, const char *k, const char *v)
{
	if (v)
		set(o, k, js(v));
}

static json_t *one(const char *s)
{
	json_t *a = json_array();
	json_array_append_new(a, js(s));
	return a;
}

static json_t *x509_obj(const st_cert *c)
{
	json_t *x = json_object(), *subj = json_object(), *iss = json_object();

	set(subj, "distinguished_name", js(st_cert_subject(c)));
	set(subj, "common_name", one(st_cert_subject_cn(c)));
	set(iss, "distinguished_name", js(st_cert_issuer(c)));
	set(iss, "common_name", one(st_cert_issuer_cn(c)));
	set(x, "subject", subj);
	set(x, "issuer", iss);
	set(x, "serial_number", js(st_cert_serial(c)));
	set(x, "not_before", jtime(st_cert_not_before(c)));
	set(x, "not_after", jtime(st_cert_not_after(c)));
	set(x, "public_key_algorithm", js(st_cert_key_algorithm(c)));
	set(x, "public_key_size", json_integer(st_cert_key_bits(c)));
	set(x, "signature_algorithm", js(st_cert_signature_algorithm(c)));
	return x;
}

static json_t *cert_brief(const st_cert *c)
{
	json_t *o = json_object();

	set(o, "subject", js(st_cert_subject(c)));
	set(o, "issuer", js(st_cert_issuer(c)));
	set(o, "serial_number", js(st_cert_serial(c)));
	set(o, "not_before", jtime(st_cert_not_before(c)));
	set(o, "not_after", jtime(st_cert_not_after(c)));
	set(o, "sha256", js(st_cert_sha256(c)));
	set(o, "sha1", js(st_cert_sha1(c)));
	set(o, "public_key_algorithm", js(st_cert_key_algorithm(c)));
	set(o, "public_key_size", json_integer(st_cert_key_bits(c)));
	set(o, "trust_anchor", json_boolean(st_cert_is_trust_anchor(c)));
	return o;
}

static json_t *reasons_arr(size_t n, st_reason (*code)(const void *, size_t),
			   const char *(*detail)(const void *, size_t), const void *obj)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *r = json_object();
		set(r, "code", json_string(st_reason_name(code(obj, i))));
		set(r, "detail", js(detail(obj, i)));
		json_array_append_new(a, r);
	}
	return a;
}

static st_reason part_code(const void *o, size_t i) { return st_part_reason(o, i); }
static const char *part_detail(const void *o, size_t i) { return st_part_reason_detail(o, i); }
static st_reason sig_code(const void *o, size_t i) { return st_signature_reason(o, i); }
static const char *sig_detail(const void *o, size_t i) { return st_signature_reason_detail(o, i); }

static json_t *property_value(const st_property *pr)
{
	switch (st_property_type_of(pr)) {
	case ST_PROPERTY_STRING: return js(st_property_string(pr));
	case ST_PROPERTY_BOOL: return json_boolean(st_property_int(pr));
	case ST_PROPERTY_TIME: return jtime(st_property_int(pr));
	case ST_PROPERTY_INT: break;
	}
	return json_integer((json_int_t)st_property_int(pr));
}

/* {key: value} of a list of properties. */
static json_t *properties_obj(size_t n, const st_property *(*at)(const void *, size_t),
			      const void *obj)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++) {
		const st_property *pr = at(obj, i);
		set(o, st_property_key(pr), property_value(pr));
	}
	return o;
}

static const st_property *part_prop(const void *o, size_t i) { return st_part_property(o, i); }
static const st_property *sig_prop(const void *o, size_t i) { return st_signature_property(o, i); }

/* Sets v at a dotted path under rec ("file.pe.company"), creating the
 * objects on the way. */
static void set_path(json_t *rec, const char *dotted, json_t *v)
{
	char key[128];
	const char *p = dotted, *dot;
	json_t *o = rec;

	while ((dot = strchr(p, '.')) != NULL) {
		size_t n = (size_t)(dot - p);
		json_t *next;
		if (n >= sizeof(key))
			break;
		memcpy(key, p, n);
		key[n] = '\0';
		next = json_object_get(o, key);
		if (!json_is_object(next)) {
			next = json_object();
			json_object_set_new(o, key, next);
		}
		o = next;
		p = dot + 1;
	}
	set(o, p, v);
}

/* Properties that have an ECS field go there as well. */
static void ecs_properties(json_t *rec, size_t n, const st_property *(*at)(const void *, size_t),
			   const void *obj)
{
	for (size_t i = 0; i < n; i++) {
		const st_property *pr = at(obj, i);
		const char *ecs = st_property_declaration(pr)->ecs;
		if (ecs)
			set_path(rec, ecs, property_value(pr));
	}
}

static json_t *signature_obj(const struct record *r, size_t index)
{
	const struct record_sig *rs = &r->sigs[index];
	const st_signature *s = rs->sig;
	json_t *o = json_object(), *chain = json_array();
	const st_cert *signer = st_signature_signer(s);

	set(o, "index", json_integer((json_int_t)index));
	set(o, "part", json_integer((json_int_t)rs->part));
	set(o, "verdict", json_string(st_verdict_name(st_signature_verdict(s))));
	set(o, "depth", json_integer(st_signature_depth(s)));
	set(o, "source", json_string(st_signature_source(s)));
	if (rs->parent >= 0)
		set(o, "parent", json_integer(rs->parent));
	set(o, "digest_algorithm", js(st_signature_digest_algorithm(s)));
	set(o, "signed_digest", js(st_signature_signed_digest(s)));
	set(o, "computed_digest", js(st_signature_computed_digest(s)));
	set(o, "signing_time", jtime(st_signature_signing_time(s)));
	set(o, "verification_time", jtime(st_signature_verification_time(s)));
	set(o, "trusted", json_boolean(st_signature_trusted(s)));
	set_if(o, "trust_profile", st_signature_trust_profile(s));
	set_if(o, "program_name", st_signature_program_name(s));
	set_if(o, "page_hash_algorithm", st_signature_page_hash_algorithm(s));
	if (signer)
		set(o, "signer", cert_brief(signer));
	for (size_t k = 0; k < st_signature_chain_length(s); k++)
		json_array_append_new(chain, cert_brief(st_signature_chain_cert(s, k)));
	set(o, "chain", chain);
	if (st_signature_timestamp_kind(s)) {
		json_t *ts = json_object();
		const st_cert *tsa = st_signature_timestamp_signer(s);
		set(ts, "kind", json_string(st_signature_timestamp_kind(s)));
		set(ts, "time", jtime(st_signature_timestamp_time(s)));
		set(ts, "valid", json_boolean(st_signature_timestamp_valid(s)));
		set(ts, "digest_algorithm", js(st_signature_timestamp_digest_algorithm(s)));
		if (tsa)
			set(ts, "signer", cert_brief(tsa));
		set(o, "timestamp", ts);
	}
	set(o, "properties", properties_obj(st_signature_property_count(s), sig_prop, s));
	set(o, "reasons", reasons_arr(st_signature_reason_count(s), sig_code, sig_detail, s));
	return o;
}

static json_t *part_obj(const struct record *r, size_t i)
{
	const st_part *p = r->parts[i];
	json_t *o = json_object(), *codes = json_array();

	set(o, "index", json_integer((json_int_t)i));
	if (r->parent[i] >= 0)
		set(o, "parent", json_integer(r->parent[i]));
	set(o, "kind", json_string(st_part_kind(p)));
	set_if(o, "name", st_part_name(p));
	if (i > 0 && st_part_has_range(p))
		set(o, "offset", json_integer((json_int_t)st_part_offset(p)));
	set(o, "size", json_integer((json_int_t)st_part_size(p)));
	set_if(o, "format", st_part_format(p));
	set_if(o, "subformat", st_part_subformat(p));
	set_if(o, "arch", st_part_arch(p));
	/* A part that is a reference, not bytes (a catalog's entry), has no
	 * verdict of its own. */
	if (i == 0 || st_part_format(p) || st_part_has_range(p))
		set(o, "verdict", json_string(st_verdict_name(st_part_verdict(p))));
	for (size_t k = 0; k < st_part_reason_count(p); k++)
		json_array_append_new(codes, json_string(st_reason_name(st_part_reason(p, k))));
	set(o, "reasons", codes);
	set(o, "properties", properties_obj(st_part_property_count(p), part_prop, p));
	return o;
}

/*
 * The ATT&CK mapping of a finding, as ECS puts it: the technique T1036
 * Masquerading in threat.technique, the sub-technique T1036.001 Invalid
 * Code Signature in threat.technique.subtechnique, and the tactic as
 * ATT&CK v19 names it: Defense Evasion was split there, TA0005 keeping
 * Masquerading under the name Stealth (the new Defense Impairment is
 * TA0112). A finding that also belongs to a neighbouring technique
 * (report/attack.c: an added root, T1553.004) adds it to the same parallel
 * arrays. docs/output.md records the release.
 */
static void add_attack(json_t *t, const char *tactic_id, const char *tactic_name, const char *tech_id,
		       const char *tech_name, const char *sub_id, const char *sub_name)
{
	json_t *tactic = json_object_get(t, "tactic"), *tech = json_object_get(t, "technique");
	json_t *sub = json_object_get(tech, "subtechnique");
	char url[96];

	json_array_append_new(json_object_get(tactic, "id"), json_string(tactic_id));
	json_array_append_new(json_object_get(tactic, "name"), json_string(tactic_name));
	snprintf(url, sizeof(url), "https://attack.mitre.org/tactics/%s/", tactic_id);
	json_array_append_new(json_object_get(tactic, "reference"), json_string(url));
	json_array_append_new(json_object_get(tech, "id"), json_string(tech_id));
	json_array_append_new(json_object_get(tech, "name"), json_string(tech_name));
	snprintf(url, sizeof(url), "https://attack.mitre.org/techniques/%s/", tech_id);
	json_array_append_new(json_object_get(tech, "reference"), json_string(url));
	if (!sub_id)
		return;
	json_array_append_new(json_object_get(sub, "id"), json_string(sub_id));
	json_array_append_new(json_object_get(sub, "name"), json_string(sub_name));
	snprintf(url, sizeof(url), "https://attack.mitre.org/techniques/%.5s/%s/", sub_id, sub_id + 6);
	json_array_append_new(json_object_get(sub, "reference"), json_string(url));
}

/* The ATT&CK mapping of a record: T1036.001 for a finding, and the
 * neighbouring techniques its reasons belong to; NULL when neither. */
static json_t *threat_obj(const st_part *part, bool finding)
{
	json_t *t = json_object(), *tactic = json_object(), *tech = json_object();
	json_t *sub = json_object();
	const char *fields[] = { "id", "name", "reference" };

	set(t, "framework", json_string("MITRE ATT&CK"));
	for (size_t i = 0; i < 3; i++) {
		set(tactic, fields[i], json_array());
		set(tech, fields[i], json_array());
		set(sub, fields[i], json_array());
	}
	set(tech, "subtechnique", sub);
	set(t, "tactic", tactic);
	set(t, "technique", tech);
	size_t added = 0;

	if (finding) {
		add_attack(t, "TA0005", "Stealth", "T1036", "Masquerading", "T1036.001", "Invalid Code Signature");
		added++;
	}
	for (size_t i = 0; i < st_part_reason_count(part); i++) {
		const struct attack_neighbour *n = attack_neighbour_of(st_reason_name(st_part_reason(part, i)));
		bool seen = false;
		for (size_t k = 0; n && k < i; k++)
			seen |= st_part_reason(part, k) == st_part_reason(part, i);
		if (n && !seen) {
			add_attack(t, n->tactic_id, n->tactic_name, n->technique_id, n->technique_name,
				   n->subtechnique_id, n->subtechnique_name);
			added++;
		}
	}
	if (!added) {
		json_decref(t);
		return NULL;
	}
	if (json_array_size(json_object_get(sub, "id")) == 0)
		json_object_del(tech, "subtechnique");
	return t;
}

static json_t *base_record(const char *path)
{
	json_t *rec = json_object(), *ev = json_object(), *file = json_object();
	const char *slash = strrchr(path, '/');
	char now[32];

	fmt_time((int64_t)time(NULL), now, sizeof(now));
	set(rec, "@timestamp", json_string(now));
	set(ev, "kind", json_string("event"));
	set(ev, "category", one("file"));
	set(ev, "type", one("info"));
	set(ev, "module", json_string("sigtrace"));
	set(ev, "dataset", json_string("sigtrace.verify"));
	set(rec, "event", ev);
	set(file, "path", js(path));
	set(file, "name", js(slash ? slash + 1 : path));
	set(rec, "file", file);
	return rec;
}

void report_json_line(FILE *out, json_t *rec)
{
	char *s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s) {
		fputs(s, out);
		fputc('\n', out);
		free(s);
	}
	json_decref(rec);
}

/*
 * Where a record inside containers was found: the containers from the file
 * on disk inward (a disk image, a partition, an archive inside it, ...),
 * each with its record path, kind, format and properties (a partition's
 * index, offset and type, a file system's type; docs/output.md). NULL for a
 * file on disk.
 */
static json_t *container_chain(const struct record *r)
{
	const st_part *chain[64];
	size_t n = 0, rootlen;
	const char *inner = st_part_path(r->part);
	json_t *a;

	for (const st_part *p = st_part_parent(r->part); p && n < sizeof(chain) / sizeof(chain[0]);
	     p = st_part_parent(p))
		chain[n++] = p;
	if (!n || !inner || strlen(r->path) < strlen(inner) + 2)
		return NULL;
	/* The file on disk: the record path without "//" and the part's path. */
	rootlen = strlen(r->path) - strlen(inner) - 2;
	a = json_array();
	while (n--) {
		const st_part *p = chain[n];
		json_t *o = json_object();
		const char *pp = st_part_path(p);
		char *path = NULL;
		if (asprintf(&path, "%.*s%s%s", (int)rootlen, r->path, pp && *pp ? "//" : "", pp ? pp : "") < 0)
			path = NULL;
		set(o, "path", js(path ? path : ""));
		free(path);
		set(o, "kind", json_string(st_part_kind(p)));
		set_if(o, "format", st_part_format(p));
		set_if(o, "subformat", st_part_subformat(p));
		if (st_part_sha256(p))
			set(o, "sha256", json_string(st_part_sha256(p)));
		if (st_part_property_count(p))
			set(o, "properties", properties_obj(st_part_property_count(p), part_prop, p));
		/* Inside a disk image: where on it the record lies (the
		 * partition, its start and type; the file system; the inode or
		 * MFT entry), which the file system gave the record itself. */
		if (n == 0) {
			static const struct { const char *key, *field; } where[] = {
				{ "image.partition", "partition" }, { "image.filesystem", "filesystem" },
				{ "image.inode", "inode" },
			};
			for (size_t k = 0; k < sizeof(where) / sizeof(where[0]); k++) {
				const st_property *pr = st_part_property_find(r->part, where[k].key);
				if (pr && st_property_string(pr))
					set(o, where[k].field, js(st_property_string(pr)));
			}
		}
		json_array_append_new(a, o);
	}
	return a;
}

void report_ndjson(FILE *out, const struct record *r)
{
	const st_part *part = r->part;
	json_t *rec = base_record(r->path);
	json_t *file = json_object_get(rec, "file");
	json_t *st = json_object(), *sigs = json_array(), *parts = json_array();
	st_verdict v = st_part_verdict(part);
	int p = record_primary(r);
	const st_signature *ps = p >= 0 ? r->sigs[p].sig : NULL;
	const st_cert *signer = ps ? st_signature_signer(ps) : NULL;
	const char *format = st_part_format(part);
	bool finding = v == ST_VERDICT_INVALID || v == ST_VERDICT_MALFORMED ||
		       v == ST_VERDICT_UNTRUSTED;

	set(file, "size", json_integer((json_int_t)st_part_size(part)));
	if (st_part_sha256(part))
		set_path(rec, "file.hash.sha256", js(st_part_sha256(part)));
	if (st_part_sha1(part)) {
		set_path(rec, "file.hash.sha1", js(st_part_sha1(part)));
		set_path(rec, "file.hash.md5", js(st_part_md5(part)));
	}
	if (format) {
		json_t *cs = json_object();
		bool exists = v != ST_VERDICT_UNSIGNED;

		set(cs, "exists", json_boolean(exists));
		if (exists) {
			bool trusted = false;
			for (size_t i = 0; i < r->nsigs; i++)
				if (st_signature_trusted(r->sigs[i].sig))
					trusted = true;
			set(cs, "valid", json_boolean(v == ST_VERDICT_VALID || v == ST_VERDICT_UNTRUSTED));
			set(cs, "trusted", json_boolean(trusted && v == ST_VERDICT_VALID));
			set_if(cs, "status", st_part_ecs_status(part));
			if (signer) {
				set(cs, "subject_name", js(st_cert_subject_cn(signer)));
				set(cs, "thumbprint_sha256", js(st_cert_sha256(signer)));
			}
			if (ps) {
				set_if(cs, "digest_algorithm", st_signature_digest_algorithm(ps));
				if (st_signature_timestamp_valid(ps))
					set(cs, "timestamp", jtime(st_signature_timestamp_time(ps)));
			}
		}
		set(file, "code_signature", cs);
		if (exists && ps)
			ecs_properties(rec, st_signature_property_count(ps), sig_prop, ps);
		if (signer)
			set(file, "x509", x509_obj(signer));
		{
			char key[64];
			snprintf(key, sizeof(key), "file.%s.architecture", format);
			if (st_part_arch(part))
				set_path(rec, key, js(st_part_arch(part)));
		}
		ecs_properties(rec, st_part_property_count(part), part_prop, part);
	}
	{
		json_t *threat = threat_obj(part, finding);
		if (threat) {
			set(json_object_get(rec, "event"), "kind", json_string("alert"));
			set(rec, "threat", threat);
		}
	}
	set(st, "verdict", json_string(st_verdict_name(v)));
	set_if(st, "format", format);
	set_if(st, "subformat", st_part_subformat(part));
	set(st, "reasons", reasons_arr(st_part_reason_count(part), part_code, part_detail, part));
	for (size_t i = 0; i < r->nsigs; i++)
		json_array_append_new(sigs, signature_obj(r, i));
	set(st, "signatures", sigs);
	if (format) {
		for (size_t i = 0; i < r->nparts; i++)
			json_array_append_new(parts, part_obj(r, i));
		set(st, "parts", parts);
	} else {
		json_decref(parts);
	}
	{
		json_t *chain = container_chain(r);
		if (chain)
			set(st, "container", chain);
	}
	set(rec, "sigtrace", st);
	report_json_line(out, rec);
}

void report_ndjson_error(FILE *out, const char *path, const char *msg)
{
	json_t *rec = base_record(path), *err = json_object(), *st = json_object();

	set(err, "message", js(msg));
	set(rec, "error", err);
	set(st, "verdict", json_string("error"));
	set(rec, "sigtrace", st);
	report_json_line(out, rec);
}

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

#include "cli.h"

/* A JSON string from arbitrary bytes: invalid UTF-8 (hostile certificate
 * names, file names) is replaced byte by byte with U+FFFD. */
static json_t *js(const char *s)
{
	json_t *j;
	size_t n, o = 0;
	char *buf;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	n = strlen(s);
	buf = malloc(n * 3 + 1);
	if (!buf)
		return json_null();
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		bool ok = len > 0 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++)
			ok = ((unsigned char)s[i + k] >> 6) == 2;
		if (ok) {
			char tmp[5] = { 0 };
			memcpy(tmp, s + i, len);
			json_t *probe = json_string(tmp);
			ok = probe != NULL;
			json_decref(probe);
		}
		if (ok) {
			memcpy(buf + o, s + i, len);
			o += len;
			i += len;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	buf[o] = '\0';
	j = json_string(buf);
	free(buf);
	return j ? j : json_null();
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

static st_reason res_code(const void *o, size_t i) { return st_result_reason(o, i); }
static const char *res_detail(const void *o, size_t i) { return st_result_reason_detail(o, i); }
static st_reason sig_code(const void *o, size_t i) { return st_signature_reason(o, i); }
static const char *sig_detail(const void *o, size_t i) { return st_signature_reason_detail(o, i); }

static json_t *signature_obj(const st_signature *s, size_t index)
{
	json_t *o = json_object(), *chain = json_array();
	const st_cert *signer = st_signature_signer(s);

	set(o, "index", json_integer((json_int_t)index));
	set(o, "verdict", json_string(st_verdict_name(st_signature_verdict(s))));
	set(o, "table_entry", json_integer(st_signature_table_entry(s)));
	set(o, "depth", json_integer(st_signature_depth(s)));
	if (st_signature_parent(s) >= 0)
		set(o, "parent", json_integer(st_signature_parent(s)));
	set(o, "digest_algorithm", js(st_signature_digest_algorithm(s)));
	set(o, "signed_digest", js(st_signature_signed_digest(s)));
	set(o, "computed_digest", js(st_signature_computed_digest(s)));
	set(o, "signing_time", jtime(st_signature_signing_time(s)));
	set(o, "verification_time", jtime(st_signature_verification_time(s)));
	set(o, "trusted", json_boolean(st_signature_trusted(s)));
	set_if(o, "program_name", st_signature_program_name(s));
	set_if(o, "page_hash_algorithm", st_signature_page_hash_algorithm(s));
	if (st_signature_slice(s) >= 0) {
		set(o, "slice", json_integer(st_signature_slice(s)));
		set_if(o, "signing_id", st_signature_signing_id(s));
		set_if(o, "team_id", st_signature_team_id(s));
		set_if(o, "cdhash", st_signature_cdhash(s));
		set(o, "code_directory_flags", json_integer(st_signature_code_directory_flags(s)));
		set_if(o, "signer_type", st_signature_signer_type(s));
	}
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
	set(o, "reasons", reasons_arr(st_signature_reason_count(s), sig_code, sig_detail, s));
	return o;
}

static json_t *threat_obj(void)
{
	json_t *t = json_object(), *tactic = json_object(), *tech = json_object();
	json_t *sub = json_object();

	set(t, "framework", json_string("MITRE ATT&CK"));
	set(tactic, "id", one("TA0005"));
	set(tactic, "name", one("Defense Evasion"));
	set(tech, "id", one("T1036.001"));
	set(tech, "name", one("Masquerading: Invalid Code Signature"));
	set(sub, "id", one("T1036.001"));
	set(sub, "name", one("Invalid Code Signature"));
	set(tech, "subtechnique", sub);
	set(t, "tactic", tactic);
	set(t, "technique", tech);
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

static void emit(FILE *out, json_t *rec)
{
	char *s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s) {
		fputs(s, out);
		fputc('\n', out);
		free(s);
	}
	json_decref(rec);
}

void report_ndjson(FILE *out, const char *path, const st_result *res)
{
	json_t *rec = base_record(path);
	json_t *file = json_object_get(rec, "file");
	json_t *hash = json_object(), *st = json_object(), *sigs = json_array();
	st_verdict v = st_result_verdict(res);
	int p = primary_signature(res);
	const st_signature *ps = p >= 0 ? st_result_signature(res, (size_t)p) : NULL;
	const st_cert *signer = ps ? st_signature_signer(ps) : NULL;
	bool finding = v == ST_VERDICT_INVALID || v == ST_VERDICT_MALFORMED ||
		       v == ST_VERDICT_UNTRUSTED;

	set(file, "size", json_integer((json_int_t)st_result_file_size(res)));
	if (ps && st_signature_cdhash(ps))
		set(hash, "cdhash", json_string(st_signature_cdhash(ps)));
	if (st_result_sha256(res) || json_object_size(hash)) {
		set_if(hash, "sha256", st_result_sha256(res));
		set(file, "hash", hash);
	} else {
		json_decref(hash);
	}
	if (st_result_format(res)) {
		json_t *cs = json_object();
		bool exists = v != ST_VERDICT_UNSIGNED;

		set(cs, "exists", json_boolean(exists));
		if (exists) {
			bool trusted = false;
			for (size_t i = 0; i < st_result_signature_count(res); i++)
				if (st_signature_trusted(st_result_signature(res, i)))
					trusted = true;
			set(cs, "valid", json_boolean(v == ST_VERDICT_VALID || v == ST_VERDICT_UNTRUSTED));
			set(cs, "trusted", json_boolean(trusted && v == ST_VERDICT_VALID));
			set_if(cs, "status", ecs_status(res));
			if (signer) {
				set(cs, "subject_name", js(st_cert_subject_cn(signer)));
				set(cs, "thumbprint_sha256", js(st_cert_sha256(signer)));
			}
			if (ps) {
				set_if(cs, "digest_algorithm", st_signature_digest_algorithm(ps));
				set_if(cs, "team_id", st_signature_team_id(ps));
				set_if(cs, "signing_id", st_signature_signing_id(ps));
				if (st_signature_timestamp_valid(ps))
					set(cs, "timestamp", jtime(st_signature_timestamp_time(ps)));
			}
		}
		set(file, "code_signature", cs);
		if (signer)
			set(file, "x509", x509_obj(signer));
		if (strcmp(st_result_format(res), "pe") == 0) {
			json_t *pe = json_object();
			set_if(pe, "company", st_result_version_string(res, "CompanyName"));
			set_if(pe, "product", st_result_version_string(res, "ProductName"));
			set_if(pe, "original_file_name", st_result_version_string(res, "OriginalFilename"));
			set_if(pe, "description", st_result_version_string(res, "FileDescription"));
			set_if(pe, "file_version", st_result_version_string(res, "FileVersion"));
			set_if(pe, "architecture", st_result_arch(res));
			set(file, "pe", pe);
		} else if (strcmp(st_result_format(res), "macho") == 0) {
			json_t *mo = json_object();
			set_if(mo, "architecture", st_result_arch(res));
			set(file, "macho", mo);
		}
	}
	if (finding) {
		set(json_object_get(rec, "event"), "kind", json_string("alert"));
		set(rec, "threat", threat_obj());
	}
	set(st, "verdict", json_string(st_verdict_name(v)));
	set_if(st, "format", st_result_format(res));
	set_if(st, "subformat", st_result_subformat(res));
	set(st, "reasons", reasons_arr(st_result_reason_count(res), res_code, res_detail, res));
	for (size_t i = 0; i < st_result_signature_count(res); i++)
		json_array_append_new(sigs, signature_obj(st_result_signature(res, i), i));
	set(st, "signatures", sigs);
	if (st_result_slice_count(res)) {
		json_t *slices = json_array();
		for (size_t i = 0; i < st_result_slice_count(res); i++) {
			json_t *o = json_object();
			set(o, "index", json_integer((json_int_t)i));
			set(o, "arch", js(st_result_slice_arch(res, i)));
			set(o, "offset", json_integer((json_int_t)st_result_slice_offset(res, i)));
			set(o, "size", json_integer((json_int_t)st_result_slice_size(res, i)));
			set(o, "verdict", json_string(st_verdict_name(st_result_slice_verdict(res, i))));
			if (st_result_slice_signature(res, i) >= 0)
				set(o, "signature", json_integer(st_result_slice_signature(res, i)));
			json_array_append_new(slices, o);
		}
		set(st, "slices", slices);
	}
	set(rec, "sigtrace", st);
	emit(out, rec);
}

void report_ndjson_error(FILE *out, const char *path, const char *msg)
{
	json_t *rec = base_record(path), *err = json_object(), *st = json_object();

	set(err, "message", js(msg));
	set(rec, "error", err);
	set(st, "verdict", json_string("error"));
	set(rec, "sigtrace", st);
	emit(out, rec);
}

/* Trust anchors, root lists, CRLs, the deny-list and dbx (trust.h). */
#include "x509/trust.h"

#include <dirent.h>
#include <limits.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/limits.h"
#include "core/result.h"
#include "x509/chain.h"
#include "x509/ctl.h"
#include "x509/dbx.h"
#include "x509/x509_util.h"

/* Built-in data (data/, embedded by tools/embed.py). */
extern const char st_denylist_tsv[];
extern const unsigned char st_trust_authroot[];
extern const size_t st_trust_authroot_len;
extern const unsigned char st_trust_microsoft_roots[];
extern const size_t st_trust_microsoft_roots_len;
extern const char st_trust_ctl_signers[];
extern const unsigned char st_trust_apple_roots[];
extern const size_t st_trust_apple_roots_len;
extern const unsigned char st_trust_uefi_db[];
extern const size_t st_trust_uefi_db_len;
extern const char st_trust_uefi_dbx[];
extern const unsigned char st_trust_shim_vendors[];
extern const size_t st_trust_shim_vendors_len;
extern const char st_trust_shim_dbx[];
extern const char st_trust_snapshot[];

/* ---- small helpers ---------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? st_strdup(s) : NULL;
}

/* Calls fn(line, arg) for each line of a text that is not a comment. */
int st_trust_each_line(const char *p, int (*fn)(char *line, void *arg), void *arg)
{
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[1024];
		int rc;

		if (*p != '#' && n > 0 && n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if ((rc = fn(line, arg)))
				return rc;
		}
		p += n + (eol ? 1 : 0);
	}
	return ST_OK;
}

/* Tab-separated fields of a line, in place; returns how many. */
size_t st_trust_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		f[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

/* Hex digits only: sscanf's %x would also take a sign or a space. */
static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

bool st_trust_unhex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* ---- the deny-list ---------------------------------------------------- */

/* data/denylist.tsv: issuer name, serial (hex), subject, SHA-1 thumbprint
 * (or -), source. */
static int deny_line(char *line, void *arg)
{
	struct st_trust *t = arg;
	char *f[5];
	struct st_deny_entry *e, *nv;

	if (st_trust_fields(line, f, 5) != 5)
		return ST_OK;
	nv = realloc(t->deny, (t->ndeny + 1) * sizeof(*nv));
	if (!nv)
		return ST_ENOMEM;
	t->deny = nv;
	e = &t->deny[t->ndeny++];
	snprintf(e->issuer, sizeof(e->issuer), "%s", f[0]);
	snprintf(e->serial, sizeof(e->serial), "%s", f[1]);
	snprintf(e->sha1, sizeof(e->sha1), "%s", strcmp(f[3], "-") == 0 ? "" : f[3]);
	snprintf(e->source, sizeof(e->source), "%s", f[4]);
	return ST_OK;
}

/* ---- construction ------------------------------------------------------------- */

static STACK_OF(X509) *pem_stack(const char *text)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	BIO *b = BIO_new_mem_buf(text, -1);
	X509 *x;

	while (sk && b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(sk, x))
			X509_free(x);
	ERR_clear_error();
	BIO_free(b);
	return sk;
}

struct st_trust *st_trust_new(void)
{
	struct st_trust *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->crls = sk_X509_CRL_new_null();
	t->ctl_signers = pem_stack(st_trust_ctl_signers);
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return NULL;
	}
	if (pthread_mutex_init(&t->x_lock, NULL) != 0) {
		pthread_mutex_destroy(&t->lock);
		free(t);
		return NULL;
	}
	for (int p = 0; p < ST_PROFILE__COUNT; p++)
		t->lookups[p] = (struct st_lookup_data){ .trust = t, .profile = p };
	if (!t->crls || !t->ctl_signers || sk_X509_num(t->ctl_signers) == 0 ||
	    st_trust_each_line(st_denylist_tsv, deny_line, t) != ST_OK ||
	    st_publishers_load(&t->publishers) != ST_OK) {
		st_trust_free(t);
		return NULL;
	}
	return t;
}

static void anchor_clear(struct st_anchor *a)
{
	st_cert_unref(a->rendered);
	X509_free(a->x);
	X509_NAME_free(a->subject);
	free(a->origin);
	free(a->name);
	free(a->eku_text);
	free(a->disallowed_text);
	free(a->not_before_text);
}

static void program_clear(struct st_trust *t)
{
	for (size_t i = 0; i < t->nprogram; i++) {
		free(t->program[i].name);
		free(t->program[i].eku_text);
		free(t->program[i].disallowed_text);
		free(t->program[i].not_before_text);
	}
	free(t->program);
	t->program = NULL;
	t->nprogram = 0;
}

void st_trust_free(struct st_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nanchors; i++)
		anchor_clear(&t->anchors[i]);
	free(t->anchors);
	free(t->by_sha256);
	for (int p = 0; p < ST_PROFILE__COUNT; p++)
		X509_STORE_free(t->stores[p]);
	program_clear(t);
	sk_X509_pop_free(t->ctl_signers, X509_free);
	sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
	free(t->deny);
	for (size_t i = 0; i < t->nhost; i++) {
		X509_free(t->host[i].x);
		free(t->host[i].origin);
		st_cert_unref(t->host[i].rendered);
	}
	free(t->host);
	for (size_t i = 0; i < t->ndbx; i++)
		free(t->dbx[i].text);
	free(t->dbx);
	free(t->snapshot);
	st_publishers_clear(&t->publishers);
	pthread_mutex_destroy(&t->lock);
	pthread_mutex_destroy(&t->x_lock);
	free(t);
}

/* ---- the Microsoft root list ------------------------------------------------- */

static const struct {
	const char *oid, *name;
	unsigned bit;
} eku_names[] = {
	{ "1.3.6.1.5.5.7.3.3", "code_signing", ST_EKU_CODE_SIGNING },
	{ "1.3.6.1.5.5.7.3.8", "time_stamping", ST_EKU_TIME_STAMPING },
	{ "1.3.6.1.5.5.7.3.1", "server_auth", 0 },
	{ "1.3.6.1.5.5.7.3.2", "client_auth", 0 },
	{ "1.3.6.1.5.5.7.3.4", "email_protection", 0 },
	{ "1.3.6.1.5.5.7.3.9", "ocsp_signing", 0 },
	{ "1.3.6.1.4.1.311.10.3.12", "document_signing", 0 },
	{ "1.3.6.1.4.1.311.10.3.4", "encrypting_file_system", 0 },
	{ "1.3.6.1.5.5.7.3.5", "ipsec_end_system", 0 },
	{ "1.3.6.1.5.5.7.3.6", "ipsec_tunnel", 0 },
	{ "1.3.6.1.5.5.7.3.7", "ipsec_user", 0 },
	{ "1.3.6.1.4.1.311.20.2.2", "smart_card_logon", 0 },
};

/* An EKU list property (DER SEQUENCE OF OID): its bits and its names. */
static unsigned eku_list(const ASN1_OCTET_STRING *v, char **text)
{
	const unsigned char *p;
	EXTENDED_KEY_USAGE *eku;
	unsigned bits = 0;
	char buf[512] = "";
	size_t used = 0;

	*text = NULL;
	if (!v)
		return 0;
	p = ASN1_STRING_get0_data(v);
	eku = d2i_EXTENDED_KEY_USAGE(NULL, &p, ASN1_STRING_length(v));
	ERR_clear_error();
	for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++) {
		char oid[80];
		const char *name = oid;

		st_oid_text(sk_ASN1_OBJECT_value(eku, i), oid, sizeof(oid));
		for (size_t k = 0; k < sizeof(eku_names) / sizeof(eku_names[0]); k++) {
			if (strcmp(oid, eku_names[k].oid) == 0) {
				bits |= eku_names[k].bit;
				name = eku_names[k].name;
			}
		}
		if (used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
						 used ? "," : "", name);
	}
	EXTENDED_KEY_USAGE_free(eku);
	*text = st_strdup(buf);
	return bits;
}

static char *utf16_name(const ASN1_OCTET_STRING *v)
{
	const uint8_t *p;
	size_t n;
	char buf[256];
	size_t o = 0;

	if (!v)
		return NULL;
	p = ASN1_STRING_get0_data(v);
	n = (size_t)ASN1_STRING_length(v) / 2;
	/* Friendly names are ASCII in practice; anything else is kept as '?'. */
	for (size_t i = 0; i < n && o + 1 < sizeof(buf); i++) {
		unsigned c = p[2 * i] | (unsigned)p[2 * i + 1] << 8;
		if (!c)
			break;
		buf[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[o] = '\0';
	return st_strdup(buf);
}

/* What the list says of one root. */
static int program_entry(const struct st_ctl_entry *e, struct st_program_entry *pe)
{
	const ASN1_OCTET_STRING *v;

	memset(pe, 0, sizeof(*pe));
	memcpy(pe->sha1, e->id, 20);
	pe->name = utf16_name(st_ctl_prop(e, CTL_PROP_FRIENDLY_NAME));
	v = st_ctl_prop(e, CTL_PROP_EKU);
	/* A root without an EKU property is trusted for every use
	 * (CertGetEnhancedKeyUsage). */
	pe->any_eku = v == NULL;
	pe->ekus = eku_list(v, &pe->eku_text);
	pe->disallowed = pe->not_before = ST_TIME_NONE;
	if ((v = st_ctl_prop(e, CTL_PROP_DISALLOWED_TIME)) && ASN1_STRING_length(v) == 8)
		pe->disallowed = st_filetime(ASN1_STRING_get0_data(v));
	pe->disallowed_ekus = eku_list(st_ctl_prop(e, CTL_PROP_DISALLOWED_EKU), &pe->disallowed_text);
	if ((v = st_ctl_prop(e, CTL_PROP_NOT_BEFORE_TIME)) && ASN1_STRING_length(v) == 8)
		pe->not_before = st_filetime(ASN1_STRING_get0_data(v));
	pe->not_before_ekus = eku_list(st_ctl_prop(e, CTL_PROP_NOT_BEFORE_EKU), &pe->not_before_text);
	if ((!pe->eku_text && !pe->any_eku) || (st_ctl_prop(e, CTL_PROP_DISALLOWED_EKU) && !pe->disallowed_text) ||
	    (st_ctl_prop(e, CTL_PROP_NOT_BEFORE_EKU) && !pe->not_before_text))
		return ST_ENOMEM;
	/* A restriction to uses sigtrace does not check is no restriction
	 * of code signing or time stamping. */
	if (st_ctl_prop(e, CTL_PROP_DISALLOWED_EKU) && !pe->disallowed_ekus)
		pe->disallowed = ST_TIME_NONE;
	if (st_ctl_prop(e, CTL_PROP_NOT_BEFORE_EKU) && !pe->not_before_ekus)
		pe->not_before = ST_TIME_NONE;
	return ST_OK;
}

static const struct st_program_entry *program_find(const struct st_trust *t, const uint8_t *sha1)
{
	for (size_t i = 0; i < t->nprogram; i++)
		if (memcmp(t->program[i].sha1, sha1, 20) == 0)
			return &t->program[i];
	return NULL;
}

/* Gives an anchor the attributes of the list (or takes them away). */
static int apply_program(struct st_anchor *a, const struct st_program_entry *pe)
{
	free(a->eku_text);
	free(a->disallowed_text);
	free(a->not_before_text);
	a->eku_text = a->disallowed_text = a->not_before_text = NULL;
	a->program = pe != NULL;
	a->any_eku = true;
	a->ekus = a->disallowed_ekus = a->not_before_ekus = 0;
	a->disallowed = a->not_before = ST_TIME_NONE;
	if (!pe)
		return ST_OK;
	a->any_eku = pe->any_eku;
	a->ekus = pe->ekus;
	a->disallowed = pe->disallowed;
	a->disallowed_ekus = pe->disallowed_ekus;
	a->not_before = pe->not_before;
	a->not_before_ekus = pe->not_before_ekus;
	a->eku_text = dup_or_null(pe->eku_text);
	a->disallowed_text = dup_or_null(pe->disallowed_text);
	a->not_before_text = dup_or_null(pe->not_before_text);
	if (pe->name) {
		free(a->name);
		a->name = st_strdup(pe->name);
	}
	a->source = "microsoft-program";
	a->profiles |= ST_PROFILE_BIT(ST_PROFILE_WINDOWS);
	return (pe->eku_text && !a->eku_text) || (pe->disallowed_text && !a->disallowed_text) ||
			       (pe->not_before_text && !a->not_before_text) || !a->name
		       ? ST_ENOMEM : ST_OK;
}

/*
 * Takes a root list in: it must be signed under a Microsoft root (or one
 * the user added) and be Microsoft's root list; a list older than the one
 * in force is ignored. The roots it lists get its attributes; roots of the
 * program it no longer lists stop being Windows anchors.
 */
static int take_root_list(struct st_trust *t, const uint8_t *der, size_t len, const char *origin,
			  const st_context *ctx, char *why, size_t whylen)
{
	struct st_ctl c;
	STACK_OF(X509) *signers = NULL;
	struct st_program_entry *entries = NULL;
	size_t n = 0;
	int rc;

	rc = st_ctl_parse(ctx, der, len, &c, why, whylen);
	if (rc)
		return rc;
	rc = ST_PARSE_MALFORMED;
	if (strcmp(c.usage, OID_ROOT_LIST_SIGNER) != 0 || c.subject_alg != NID_sha1) {
		snprintf(why, whylen, "not a root list (usage %s): a trust list of another kind", c.usage);
		goto out;
	}
	/* Who may sign a root list: Microsoft's root-list roots, and roots the
	 * user gave before it (a list of one's own). */
	signers = sk_X509_dup(t->ctl_signers);
	for (size_t i = 0; signers && i < t->nanchors; i++)
		if (strcmp(t->anchors[i].source, "user") == 0 && t->anchors[i].x)
			sk_X509_push(signers, t->anchors[i].x);
	if (!signers) {
		rc = ST_ENOMEM;
		goto out;
	}
	if (!st_ctl_signed_by(&c, signers, OID_ROOT_LIST_SIGNER, why, whylen))
		goto out;
	if (t->program && c.this_update < t->program_time) {
		rc = ST_OK;  /* an older list than the one in force */
		goto out;
	}
	entries = calloc(c.n ? c.n : 1, sizeof(*entries));
	if (!entries) {
		rc = ST_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c.n; i++) {
		if (c.entries[i].idlen != 20)
			continue;
		if ((rc = program_entry(&c.entries[i], &entries[n++])))
			goto out;
	}
	program_clear(t);
	t->program = entries;
	t->nprogram = n;
	entries = NULL;
	t->program_time = c.this_update;
	{
		char when[32];
		st_format_time(c.this_update, when, sizeof(when));
		snprintf(t->program_name, sizeof(t->program_name), "%s (thisUpdate %s, %zu roots)",
			 origin, when, n);
	}
	for (size_t i = 0; i < t->nanchors; i++) {
		struct st_anchor *a = &t->anchors[i];
		const struct st_program_entry *pe = program_find(t, a->sha1);

		if (pe || a->program) {
			if (!pe)
				a->profiles &= ~ST_PROFILE_BIT(ST_PROFILE_WINDOWS);
			if ((rc = apply_program(a, pe)))
				goto out;
		}
	}
	t->prepared = false;
	rc = ST_OK;
out:
	if (entries) {
		for (size_t i = 0; i < n; i++) {
			free(entries[i].name);
			free(entries[i].eku_text);
			free(entries[i].disallowed_text);
			free(entries[i].not_before_text);
		}
		free(entries);
	}
	sk_X509_free(signers);
	st_ctl_clear(&c);
	return rc;
}

/* ---- anchors ------------------------------------------------------------------ */

static struct st_anchor *find_anchor(struct st_trust *t, const uint8_t *sha256)
{
	for (size_t i = 0; i < t->nanchors; i++)
		if (memcmp(t->anchors[i].sha256, sha256, 32) == 0)
			return &t->anchors[i];
	return NULL;
}

/*
 * Registers an anchor by its thumbprints for `profiles`. A certificate
 * already present gains the profiles; a root the root list in force names
 * becomes a program root with its attributes. Returns 1 with *out set for a
 * new anchor (whose certificate and name the caller fills, then calls
 * anchor_finish), 0 when present or not wanted, <0 on error.
 * `program_only`: add it only if the root list names it.
 */
static int register_anchor(struct st_trust *t, const uint8_t sha1[20], const uint8_t sha256[32],
			   unsigned profiles, const char *source, const char *origin,
			   bool program_only, struct st_anchor **out)
{
	struct st_anchor *a;

	if (program_only && !program_find(t, sha1))
		return 0;
	if ((a = find_anchor(t, sha256)) != NULL) {
		a->profiles |= profiles;
		t->prepared = false;
		return 0;
	}
	if (t->nanchors == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct st_anchor *nv = realloc(t->anchors, nc * sizeof(*nv));
		if (!nv)
			return ST_ENOMEM;
		t->anchors = nv;
		t->cap = nc;
	}
	a = &t->anchors[t->nanchors++];
	memset(a, 0, sizeof(*a));
	memcpy(a->sha1, sha1, 20);
	memcpy(a->sha256, sha256, 32);
	a->profiles = profiles;
	a->source = source;
	a->origin = st_strdup(origin);
	a->disallowed = a->not_before = ST_TIME_NONE;
	a->any_eku = true;
	a->trust = t;
	t->prepared = false;
	*out = a;
	return a->origin ? 1 : ST_ENOMEM;
}

/* Names a new anchor after its subject and applies the root list. */
static int anchor_finish(struct st_trust *t, struct st_anchor *a, const X509_NAME *subject)
{
	const struct st_program_entry *pe = program_find(t, a->sha1);

	a->name = subject ? st_name_cn(subject) : st_strdup("?");
	if (!a->name || (pe && apply_program(a, pe)))
		return ST_ENOMEM;
	return 1;
}

/* Adds x (owned) as an anchor: 1 added, 0 present, <0 error. */
static int add_anchor(struct st_trust *t, X509 *x, unsigned profiles, const char *source,
		      const char *origin, bool program_only)
{
	uint8_t sha1[20], sha256[32];
	unsigned len;
	struct st_anchor *a = NULL;
	int rc;

	if (!X509_digest(x, EVP_sha1(), sha1, &len) || !X509_digest(x, EVP_sha256(), sha256, &len)) {
		X509_free(x);
		return ST_ENOMEM;
	}
	rc = register_anchor(t, sha1, sha256, profiles, source, origin, program_only, &a);
	if (rc != 1) {
		X509_free(x);
		return rc;
	}
	a->x = x;
	/* Decode the extension flags once, before the certificate is shared. */
	(void)X509_check_purpose(x, -1, 0);
	ERR_clear_error();
	return anchor_finish(t, a, X509_get_subject_name(x));
}

/* The subject name of a DER certificate, read without decoding the rest
 * (Certificate: SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
 * serialNumber, signature, issuer, validity, subject, ... } ... }). */
static X509_NAME *der_subject(const uint8_t *der, size_t len)
{
	const unsigned char *p = der, *end, *q;
	long l;
	int tag, cls;

	if (len > LONG_MAX || (ASN1_get_object(&p, &l, &tag, &cls, (long)len) & 0x80) ||
	    tag != V_ASN1_SEQUENCE)
		return NULL;
	end = der + len;
	if ((ASN1_get_object(&p, &l, &tag, &cls, end - p) & 0x80) || tag != V_ASN1_SEQUENCE)
		return NULL;
	end = p + l;
	q = p;
	if (!(ASN1_get_object(&q, &l, &tag, &cls, end - q) & 0x80) &&
	    cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0)
		p = q + l;
	for (int i = 0; i < 4; i++) {
		if (ASN1_get_object(&p, &l, &tag, &cls, end - p) & 0x80)
			return NULL;
		p += l;
	}
	return p < end ? d2i_X509_NAME(NULL, &p, end - p) : NULL;
}

/* Certificates as DER one after the other (tools/embed.py --der-bundle),
 * kept undecoded: each added; returns how many there were. */
static int add_der_bundle(struct st_trust *t, const uint8_t *d, size_t len, unsigned profiles,
			  const char *source, const char *origin, bool program_only)
{
	size_t off = 0;
	int n = 0;

	while (off < len) {
		const unsigned char *p = d + off;
		long l;
		int tag, cls, r;
		size_t certlen;
		uint8_t sha1[20], sha256[32];
		struct st_anchor *a = NULL;

		if ((ASN1_get_object(&p, &l, &tag, &cls, (long)(len - off)) & 0x80) ||
		    tag != V_ASN1_SEQUENCE)
			break;
		certlen = (size_t)(p - (d + off)) + (size_t)l;
		if (!EVP_Digest(d + off, certlen, sha1, NULL, EVP_sha1(), NULL) ||
		    !EVP_Digest(d + off, certlen, sha256, NULL, EVP_sha256(), NULL))
			return ST_ENOMEM;
		r = register_anchor(t, sha1, sha256, profiles, source, origin, program_only, &a);
		if (r < 0)
			return r;
		if (r == 1) {
			a->der = d + off;
			a->derlen = certlen;
			a->subject = der_subject(a->der, a->derlen);
			if ((r = anchor_finish(t, a, a->subject)) < 0)
				return r;
		}
		n++;
		off += certlen;
	}
	ERR_clear_error();
	return n;
}

X509 *st_trust_anchor_x(struct st_trust *t, struct st_anchor *a)
{
	X509 *x;

	pthread_mutex_lock(&t->x_lock);
	if (!a->x && a->der) {
		const unsigned char *p = a->der;
		if ((a->x = d2i_X509(NULL, &p, (long)a->derlen)) != NULL)
			(void)X509_check_purpose(a->x, -1, 0);
		ERR_clear_error();
	}
	x = a->x;
	pthread_mutex_unlock(&t->x_lock);
	return x;
}

/* Certificates in PEM text: each added; returns how many there were. */
static int add_pem(struct st_trust *t, const char *text, unsigned profiles, const char *source,
		   const char *origin, bool program_only)
{
	BIO *b = BIO_new_mem_buf(text, -1);
	X509 *x;
	int n = 0, rc;

	if (!b)
		return ST_ENOMEM;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if ((rc = add_anchor(t, x, profiles, source, origin, program_only)) < 0) {
			BIO_free(b);
			return rc;
		}
		n++;
	}
	ERR_clear_error();
	BIO_free(b);
	return n;
}

/*
 * A Windows serialized certificate store (.sst, CertSaveStore
 * CERT_STORE_SAVE_AS_STORE): u32 0, u32 "CERT", then elements {u32 property
 * ID, u32 1, u32 length, bytes}; property 32 is a certificate, the rest
 * cached properties; an element of ID 0 ends the store (wine's
 * crypt32/serialize.c reads it the same way; no library does).
 */
static int add_sst(struct st_trust *t, const uint8_t *d, size_t len, const char *origin)
{
	st_span s = st_span_make(d, len);
	uint32_t zero, magic;
	uint64_t pos = 8;
	int n = 0, rc;

	if (!st_read_u32le(s, 0, &zero) || !st_read_u32le(s, 4, &magic) || zero != 0 ||
	    magic != 0x54524543u)
		return -1;
	for (size_t count = 0; count < ST_LIMIT_CTL_ENTRIES; count++) {
		uint32_t id, enc, cb;
		st_span v;

		if (!st_read_u32le(s, pos, &id) || !st_read_u32le(s, pos + 4, &enc) ||
		    !st_read_u32le(s, pos + 8, &cb) || id == 0 ||
		    !st_span_sub(s, pos + 12, cb, &v))
			break;
		if (id == 32) {
			const unsigned char *p = v.data;
			X509 *x = d2i_X509(NULL, &p, (long)v.len);
			ERR_clear_error();
			if (x) {
				if ((rc = add_anchor(t, x, ST_PROFILES_ALL, "user", origin, false)) < 0)
					return rc;
				n++;
			}
		}
		pos += 12 + (uint64_t)cb;
	}
	return n;
}

/* Reads a whole trust file (at most ST_LIMIT_TRUST_FILE bytes), NUL
 * terminated: ST_OK; -1 when it cannot be read; 1 when it is too large (why
 * filled); ST_ENOMEM. */
static int read_file(const char *path, uint8_t **out, size_t *outlen, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *d = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return -1;
	for (;;) {
		size_t got;
		if (len == cap) {
			uint8_t *nd;
			if (cap >= ST_LIMIT_TRUST_FILE) {
				fclose(f);
				free(d);
				snprintf(why, whylen, "larger than %llu bytes",
					 (unsigned long long)ST_LIMIT_TRUST_FILE);
				return 1;
			}
			cap = cap ? cap * 2 : 65536;
			nd = realloc(d, cap + 1);
			if (!nd) {
				fclose(f);
				free(d);
				return ST_ENOMEM;
			}
			d = nd;
		}
		got = fread(d + len, 1, cap - len, f);
		if (got == 0)
			break;
		len += got;
	}
	fclose(f);
	d[len] = '\0';
	*out = d;
	*outlen = len;
	return ST_OK;
}

int st_trust_add_dbx_file(struct st_trust *t, const char *path, char *why, size_t whylen)
{
	uint8_t *d;
	size_t len, skipped = 0;
	int rc = read_file(path, &d, &len, why, whylen);

	if (rc)
		return rc == 1 ? 0 : rc;
	/* The list sigtrace ships (data/trust/uefi-dbx.tsv) or signature lists. */
	if (len > 0 && (d[0] == '#' || strncmp((char *)d, "image\t", 6) == 0 ||
			strncmp((char *)d, "certificate\t", 12) == 0))
		rc = st_dbx_add_tsv(t, (char *)d);
	else
		rc = st_dbx_add_lists(t, d, len, path, &skipped, why, whylen);
	if (rc == 0 && !why[0])
		snprintf(why, whylen, "no SHA-256 image hash or certificate in it%s",
			 skipped ? " (only signature types sigtrace does not match)" : "");
	free(d);
	return rc;
}

/* Whether a SignedData holds a certificate trust list: its certificates
 * are the list signer's, not anchors. */
static bool is_trust_list(PKCS7 *p7)
{
	PKCS7 *inner = p7->d.sign->contents;

	return inner && st_oid_is(inner->type, OID_CTL);
}

int st_trust_add_root_list(struct st_trust *t, const uint8_t *d, size_t len, const char *origin,
			   char *why, size_t whylen)
{
	int rc;

	why[0] = '\0';
	rc = take_root_list(t, d, len, origin, NULL, why, whylen);
	ERR_clear_error();
	return rc == ST_OK ? 1 : rc < 0 ? rc : 0;
}

int st_trust_add_bytes(struct st_trust *t, const uint8_t *d, size_t len, const char *origin,
		       char *why, size_t whylen)
{
	int n = 0, rc;

	why[0] = '\0';
	if (strstr((const char *)d, "-----BEGIN CERTIFICATE-----")) {
		n = add_pem(t, (const char *)d, ST_PROFILES_ALL, "user", origin, false);
	} else if ((rc = add_sst(t, d, len, origin)) >= 0) {
		n = rc;
	} else {
		const unsigned char *p = d;
		X509 *x = d2i_X509(NULL, &p, (long)len);
		PKCS7 *p7 = NULL;

		if (x) {
			n = add_anchor(t, x, ST_PROFILES_ALL, "user", origin, false) < 0 ? ST_ENOMEM : 1;
		} else if (((p = d), (p7 = d2i_PKCS7(NULL, &p, (long)len))) &&
			   PKCS7_type_is_signed(p7) && p7->d.sign && p7->d.sign->cert &&
			   sk_X509_num(p7->d.sign->cert) > 0 && !is_trust_list(p7)) {
			STACK_OF(X509) *certs = p7->d.sign->cert;
			for (int i = 0; i < sk_X509_num(certs) && n >= 0; i++) {
				X509 *c = sk_X509_value(certs, i);
				X509_up_ref(c);
				n = add_anchor(t, c, ST_PROFILES_ALL, "user", origin, false) < 0
					    ? ST_ENOMEM : n + 1;
			}
		} else {
			/* A root list (its certificates are not anchors). */
			rc = take_root_list(t, d, len, origin, NULL, why, whylen);
			n = rc == ST_OK ? 1 : rc < 0 ? rc : 0;
		}
		PKCS7_free(p7);
		ERR_clear_error();
	}
	return n;
}

/* Every certificate or root list in one file. Returns how many, 0 when
 * nothing could be parsed, -1 when unreadable, <-1 an error. */
static int load_file(struct st_trust *t, const char *path, char *why, size_t whylen)
{
	uint8_t *d = NULL;
	size_t len = 0;
	int n, rc;

	rc = read_file(path, &d, &len, why, whylen);
	if (rc)
		return rc == 1 ? 0 : rc;
	n = st_trust_add_bytes(t, d, len, path, why, whylen);
	free(d);
	return n;
}

int st_trust_add_path(struct st_trust *t, const char *path, char *why, size_t whylen)
{
	struct stat st;
	int total = 0;
	DIR *d;
	struct dirent *e;

	why[0] = '\0';
	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return load_file(t, path, why, whylen);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char full[4096];
		struct stat est;
		int n;

		if (e->d_name[0] == '.')
			continue;
		n = snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(full))
			continue;
		if (stat(full, &est) != 0 || !S_ISREG(est.st_mode))
			continue;
		n = load_file(t, full, why, whylen);
		if (n < -1) {
			closedir(d);
			return n;
		}
		if (n > 0)
			total += n;
	}
	closedir(d);
	return total;
}

int st_trust_add_default(struct st_trust *t)
{
	char why[256];
	int rc;

	if (t->default_loaded)
		return ST_OK;
	rc = take_root_list(t, st_trust_authroot, st_trust_authroot_len, "authroot.stl (built in)",
			    NULL, why, sizeof(why));
	if (rc)
		return rc < 0 ? rc : ST_ETRUST;
	if ((rc = add_der_bundle(t, st_trust_microsoft_roots, st_trust_microsoft_roots_len, 0,
				 "microsoft-program", "built in", true)) < 0 ||
	    (rc = add_der_bundle(t, st_trust_apple_roots, st_trust_apple_roots_len,
				 ST_PROFILE_BIT(ST_PROFILE_APPLE), "apple", "built in", false)) < 0 ||
	    (rc = add_der_bundle(t, st_trust_uefi_db, st_trust_uefi_db_len,
				 ST_PROFILE_BIT(ST_PROFILE_UEFI), "uefi-db", "built in", false)) < 0 ||
	    /* What the shims the db admits load: their vendor's images. */
	    (rc = add_der_bundle(t, st_trust_shim_vendors, st_trust_shim_vendors_len,
				 ST_PROFILE_BIT(ST_PROFILE_UEFI), "shim-vendor", "built in", false)) < 0)
		return rc;
	if ((rc = st_dbx_add_tsv(t, st_trust_uefi_dbx)) < 0 || (rc = st_dbx_add_tsv(t, st_trust_shim_dbx)) < 0)
		return rc;
	for (size_t i = 0; i < t->nprogram; i++)
		t->program[i].have_cert = false;
	for (size_t i = 0; i < t->nanchors; i++) {
		struct st_program_entry *pe = (struct st_program_entry *)program_find(t, t->anchors[i].sha1);
		if (pe)
			pe->have_cert = true;
	}
	free(t->snapshot);
	if (!(t->snapshot = st_strdup(st_trust_snapshot)))
		return ST_ENOMEM;
	t->default_loaded = true;
	return ST_OK;
}

int st_trust_add_crls(struct st_trust *t, const char *path)
{
	struct stat st;
	int total = 0;

	if (stat(path, &st) != 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		if (!d)
			return -1;
		while ((e = readdir(d)) != NULL) {
			char full[4096];
			int n;
			if (e->d_name[0] == '.')
				continue;
			snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
			n = st_trust_add_crls(t, full);
			if (n > 0)
				total += n;
		}
		closedir(d);
		return total;
	}
	{
		BIO *b = BIO_new_file(path, "rb");
		X509_CRL *crl;

		if (!b)
			return -1;
		while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
			if (sk_X509_CRL_push(t->crls, crl))
				total++;
			else
				X509_CRL_free(crl);
		}
		if (total == 0) {
			(void)BIO_reset(b);
			crl = d2i_X509_CRL_bio(b, NULL);
			if (crl && sk_X509_CRL_push(t->crls, crl))
				total++;
			else
				X509_CRL_free(crl);
		}
		ERR_clear_error();
		BIO_free(b);
	}
	return total;
}

/* ---- use ---------------------------------------------------------------------- */

static const struct st_trust *sort_trust;

/*
 * The stores' lookup of anchors kept undecoded: OpenSSL asks it for the
 * certificates with a subject name when its store has none; every anchor of
 * the profile with that name is decoded and put in the store (so the store
 * then holds each candidate issuer), and the first is returned. As OpenSSL's
 * own lookups do, the result carries no reference of its own: the store
 * holds one.
 */
static int lookup_by_subject(X509_LOOKUP *lu, X509_LOOKUP_TYPE type, const X509_NAME *name,
			     X509_OBJECT *ret)
{
	const struct st_lookup_data *ld = X509_LOOKUP_get_method_data(lu);
	X509_STORE *store = X509_LOOKUP_get_store(lu);
	struct st_trust *t;
	unsigned bit;
	X509 *found = NULL;

	if (type != X509_LU_X509 || !ld || !name || !store)
		return 0;
	t = ld->trust;
	bit = ST_PROFILE_BIT(ld->profile);
	for (size_t i = 0; i < t->nanchors; i++) {
		struct st_anchor *a = &t->anchors[i];
		X509 *x;

		if (!a->der || !(a->profiles & bit) || !a->subject || X509_NAME_cmp(a->subject, name) != 0)
			continue;
		if (!(x = st_trust_anchor_x(t, a)))
			continue;
		pthread_mutex_lock(&t->x_lock);
		if (!(a->in_store & bit) && X509_STORE_add_cert(store, x))
			a->in_store |= bit;
		pthread_mutex_unlock(&t->x_lock);
		if (!found)
			found = x;
	}
	ERR_clear_error();
	if (!found || !X509_OBJECT_set1_X509(ret, found))
		return 0;
	X509_free(found);
	return 1;
}

static X509_LOOKUP_METHOD *lookup_meth;
static pthread_once_t lookup_once = PTHREAD_ONCE_INIT;

static void lookup_init(void)
{
	X509_LOOKUP_METHOD *m = X509_LOOKUP_meth_new("sigtrace anchors");

	if (m && !X509_LOOKUP_meth_set_get_by_subject(m, lookup_by_subject)) {
		X509_LOOKUP_meth_free(m);
		m = NULL;
	}
	lookup_meth = m;
}

static X509_LOOKUP_METHOD *lookup_method(void)
{
	pthread_once(&lookup_once, lookup_init);
	return lookup_meth;
}

static int cmp_index(const void *a, const void *b)
{
	return memcmp(sort_trust->anchors[*(const size_t *)a].sha256,
		      sort_trust->anchors[*(const size_t *)b].sha256, 32);
}

int st_trust_prepare(struct st_trust *t)
{
	int rc = ST_OK;

	pthread_mutex_lock(&t->lock);
	if (t->prepared)
		goto out;
	for (int p = 0; p < ST_PROFILE__COUNT; p++) {
		X509_LOOKUP *lu;

		X509_STORE_free(t->stores[p]);
		if (!(t->stores[p] = X509_STORE_new()) || !lookup_method() ||
		    !(lu = X509_STORE_add_lookup(t->stores[p], lookup_method())) ||
		    !X509_LOOKUP_set_method_data(lu, &t->lookups[p])) {
			rc = ST_ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < t->nanchors; i++) {
		struct st_anchor *a = &t->anchors[i];
		a->in_store = 0;
		/* Anchors given decoded go in now; the others on first lookup. */
		for (int p = 0; p < ST_PROFILE__COUNT && !a->der; p++)
			if (a->profiles & ST_PROFILE_BIT(p))
				X509_STORE_add_cert(t->stores[p], a->x);
	}
	ERR_clear_error();
	free(t->by_sha256);
	t->by_sha256 = malloc((t->nanchors ? t->nanchors : 1) * sizeof(size_t));
	if (!t->by_sha256) {
		rc = ST_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->nanchors; i++)
		t->by_sha256[i] = i;
	/* Under the lock: qsort's comparison needs the array. */
	sort_trust = t;
	qsort(t->by_sha256, t->nanchors, sizeof(size_t), cmp_index);
	sort_trust = NULL;
	t->prepared = true;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

const struct st_anchor *st_trust_anchor_of(const struct st_trust *t, const X509 *x)
{
	uint8_t h[32];
	unsigned len;
	size_t lo = 0, hi = t->nanchors;

	if (!t->prepared || !t->by_sha256 || !X509_digest(x, EVP_sha256(), h, &len))
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct st_anchor *a = &t->anchors[t->by_sha256[mid]];
		int c = memcmp(a->sha256, h, 32);
		if (c == 0)
			return a;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool st_context_is_anchor(const st_context *ctx, const X509 *x)
{
	return st_trust_anchor_of(ctx->trust, x) != NULL;
}

/* Whether a name (as text) is one of the RDN values CN, O or OU of name. */
static bool name_has(const X509_NAME *name, const char *want)
{
	static const int nids[] = { NID_commonName, NID_organizationName, NID_organizationalUnitName };

	for (size_t k = 0; k < sizeof(nids) / sizeof(nids[0]); k++) {
		for (int i = -1; (i = X509_NAME_get_index_by_NID(name, nids[k], i)) >= 0;) {
			unsigned char *utf8 = NULL;
			int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
			bool eq = n >= 0 && (size_t)n == strlen(want) && memcmp(utf8, want, (size_t)n) == 0;
			OPENSSL_free(utf8);
			if (eq)
				return true;
		}
	}
	return false;
}

int st_trust_add_host_cert(struct st_trust *t, const char *store, const uint8_t *der, size_t len,
			   const char *origin)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	struct st_host_cert *h, *nv;
	uint8_t md[20];
	unsigned mdlen = 0;
	char sha1[41];
	const char *bare = strncmp(store, "Policy/", 7) == 0 ? store + 7 : store;

	ERR_clear_error();
	if (!x)
		return 0;
	if (!X509_digest(x, EVP_sha1(), md, &mdlen)) {
		X509_free(x);
		return ST_ENOMEM;
	}
	st_hex_into(sha1, md, 20);
	for (size_t i = 0; i < t->nhost; i++) {
		if (strcmp(t->host[i].sha1, sha1) == 0 && strcmp(t->host[i].store, store) == 0) {
			X509_free(x);
			return 0;
		}
	}
	if (t->nhost >= ST_LIMIT_HOST_CERTS) {
		X509_free(x);
		return 0;
	}
	nv = realloc(t->host, (t->nhost + 1) * sizeof(*nv));
	if (!nv) {
		X509_free(x);
		return ST_ENOMEM;
	}
	t->host = nv;
	h = &t->host[t->nhost];
	memset(h, 0, sizeof(*h));
	snprintf(h->store, sizeof(h->store), "%s", store);
	snprintf(h->sha1, sizeof(h->sha1), "%s", sha1);
	h->x = x;
	h->root = strcasecmp(bare, "Root") == 0 || strcasecmp(bare, "AuthRoot") == 0;
	h->in_program = program_find(t, md) != NULL;
	if (!(h->origin = strdup(origin)) || !(h->rendered = st_cert_new_from(x, 0))) {
		free(h->origin);
		X509_free(x);
		return ST_ENOMEM;
	}
	t->nhost++;
	if (strcasecmp(bare, "Disallowed") == 0) {
		struct st_deny_entry *e, *nd = realloc(t->deny, (t->ndeny + 1) * sizeof(*nd));
		if (!nd)
			return ST_ENOMEM;
		t->deny = nd;
		e = &t->deny[t->ndeny++];
		memset(e, 0, sizeof(*e));
		snprintf(e->sha1, sizeof(e->sha1), "%s", sha1);
		snprintf(e->source, sizeof(e->source), "the host's %s store (%s)", store, origin);
	}
	return 1;
}

const struct st_host_cert *st_trust_host_root(const struct st_trust *t, X509 *top)
{
	uint8_t md[20];
	unsigned mdlen = 0;
	char sha1[41] = "";

	if (!t->nhost || !top)
		return NULL;
	if (X509_digest(top, EVP_sha1(), md, &mdlen))
		st_hex_into(sha1, md, 20);
	for (size_t i = 0; i < t->nhost; i++) {
		const struct st_host_cert *h = &t->host[i];
		if (!h->root || h->in_program)
			continue;
		if (strcmp(h->sha1, sha1) == 0)
			return h;
		/* Signatures seldom carry their root: the host root that
		 * issued the chain's top certificate. */
		if (X509_NAME_cmp(X509_get_subject_name(h->x), X509_get_issuer_name(top)) == 0) {
			EVP_PKEY *pk = X509_get0_pubkey(h->x);
			int ok = pk && X509_verify(top, pk) == 1;
			ERR_clear_error();
			if (ok)
				return h;
		}
	}
	return NULL;
}

bool st_trust_denied(const struct st_trust *t, X509 *x, char *source, size_t len)
{
	BIGNUM *bn;
	char *serial, sha1[41] = "";
	uint8_t md[20];
	unsigned mdlen;
	bool hit = false;

	if (!t->ndeny)
		return false;
	if (X509_digest(x, EVP_sha1(), md, &mdlen))
		st_hex_into(sha1, md, 20);
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	serial = bn ? BN_bn2hex(bn) : NULL;
	for (size_t i = 0; i < t->ndeny && !hit; i++) {
		const struct st_deny_entry *e = &t->deny[i];
		/* Serials compare as numbers: a leading zero byte written by
		 * some sources is not part of the value. */
		const char *es = e->serial;
		while (es[0] == '0' && es[1] == '0')
			es += 2;
		if ((e->sha1[0] && strcasecmp(e->sha1, sha1) == 0) ||
		    (serial && es[0] && strcasecmp(es, serial) == 0 &&
		     name_has(X509_get_issuer_name(x), e->issuer))) {
			snprintf(source, len, "%s", e->source);
			hit = true;
		}
	}
	OPENSSL_free(serial);
	BN_free(bn);
	return hit;
}

/* ---- public accessors of anchors --------------------------------------------- */

const st_anchor *st_context_anchor(const st_context *ctx, size_t i)
{
	return i < ctx->trust->nanchors ? &ctx->trust->anchors[i] : NULL;
}

const char *st_anchor_source(const st_anchor *a) { return a->source; }
const char *st_anchor_origin(const st_anchor *a) { return a->origin; }
const char *st_anchor_name(const st_anchor *a) { return a->name; }

const char *st_anchor_profiles(const st_anchor *a)
{
	struct st_anchor *m = (struct st_anchor *)a;
	size_t used = 0;

	m->profiles_text[0] = '\0';
	for (int p = 0; p < ST_PROFILE__COUNT; p++)
		if (a->profiles & ST_PROFILE_BIT(p))
			used += (size_t)snprintf(m->profiles_text + used, sizeof(m->profiles_text) - used,
						 "%s%s", used ? "," : "", st_profile_name(p));
	return m->profiles_text;
}

const char *st_anchor_ekus(const st_anchor *a)
{
	if (!a->program)
		return NULL;
	return a->any_eku ? "any" : a->eku_text;
}

int64_t st_anchor_disallowed(const st_anchor *a) { return a->disallowed; }
int64_t st_anchor_not_before(const st_anchor *a) { return a->not_before; }

const char *st_anchor_disallowed_ekus(const st_anchor *a)
{
	return a->disallowed_text ? a->disallowed_text : "";
}

const char *st_anchor_not_before_ekus(const st_anchor *a)
{
	return a->not_before_text ? a->not_before_text : "";
}

const st_cert *st_anchor_certificate(const st_anchor *a)
{
	struct st_anchor *m = (struct st_anchor *)a;
	X509 *x;

	if (!m->rendered && (x = st_trust_anchor_x(m->trust, m)) != NULL)
		m->rendered = st_cert_new_from(x, 1);
	return m->rendered;
}

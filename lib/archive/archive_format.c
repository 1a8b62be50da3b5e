/*
 * The archive format (archive.h says what it reads). libarchive reads the
 * input through its window, never a copy of the whole file.
 */
#include <archive.h>
#include <errno.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "core/context.h"
#include "core/limits.h"
#include "core/result.h"

enum { AR_ENTRIES, AR_MEMBERS, AR_ENCRYPTED, AR_COUNT };

static const st_property_decl archive_properties[AR_COUNT] = {
	[AR_ENTRIES] = { "archive.entries", ST_PROPERTY_INT, ST_SCOPE_PART, "entries", NULL, 0, NULL,
			 "entries of the archive (files, folders, links)" },
	[AR_MEMBERS] = { "archive.members", ST_PROPERTY_INT, ST_SCOPE_PART, "members", NULL, 0, NULL,
			 "files inside that a format claims, verified as members" },
	[AR_ENCRYPTED] = { "archive.encrypted", ST_PROPERTY_INT, ST_SCOPE_PART, "encrypted files",
			   NULL, 0, NULL,
			   "encrypted files inside; those no --archive-password opens are named in malformed_container" },
};

static const char *const archive_extensions[] = { ".iso", NULL };

static enum st_probe archive_probe(st_span head, uint64_t size)
{
	const uint8_t *p = head.data;
	size_t n = head.len;

	(void)size;
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
		return ST_PROBE_YES;                                   /* gzip */
	if (n >= 4 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9')
		return ST_PROBE_YES;                                   /* bzip2 */
	if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return ST_PROBE_YES;                                   /* xz */
	if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return ST_PROBE_YES;                                   /* zstd */
	if (n >= 4 && memcmp(p, "LZIP", 4) == 0)
		return ST_PROBE_YES;
	if (n >= 6 && memcmp(p, "7z\xbc\xaf\x27\x1c", 6) == 0)
		return ST_PROBE_YES;                                   /* 7-Zip */
	if (n >= 6 && memcmp(p, "Rar!\x1a\x07", 6) == 0)
		return ST_PROBE_YES;
	if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0)
		return ST_PROBE_YES;                                   /* tar */
	if (n >= 6 && (memcmp(p, "070707", 6) == 0 || memcmp(p, "070701", 6) == 0 ||
		       memcmp(p, "070702", 6) == 0))
		return ST_PROBE_YES;                                   /* cpio */
	if (n >= 8 && memcmp(p, "!<arch>\n", 8) == 0)
		return ST_PROBE_YES;                                   /* ar (.deb) */
	if (archive_is_pbzx(head))
		return ST_PROBE_YES;                                   /* a macOS package payload */
	return ST_PROBE_NO;
}

static const char *kind_name(int fmt)
{
	switch (fmt & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_TAR: return "tar";
	case ARCHIVE_FORMAT_CPIO: return "cpio";
	case ARCHIVE_FORMAT_ZIP: return "zip";
	case ARCHIVE_FORMAT_7ZIP: return "7z";
	case ARCHIVE_FORMAT_RAR: return "rar";
	case ARCHIVE_FORMAT_RAR_V5: return "rar5";
	case ARCHIVE_FORMAT_ISO9660: return "iso9660";
	case ARCHIVE_FORMAT_AR: return "ar";
	case ARCHIVE_FORMAT_RAW: return "compressed";
	case ARCHIVE_FORMAT_XAR: return "xar";
	default: return "archive";
	}
}

/* Names of unreadable files, for one reason's detail. */
struct names {
	size_t n;
	char text[300];
};

static void note(struct names *l, const char *name)
{
	size_t used = strlen(l->text);

	if (l->n++ < 3 && used + strlen(name) + 3 < sizeof(l->text))
		snprintf(l->text + used, sizeof(l->text) - used, "%s%s", used ? ", " : "", name);
}

/* Reads the rest of an entry after its first `have` bytes into a buffer
 * of its own; *out NULL when the entry cannot be read. */
static int read_rest(struct archive *a, const uint8_t *head, size_t have, la_int64_t size,
		     uint64_t room, uint8_t **out, size_t *len, bool *too_big)
{
	size_t cap = size >= 0 ? (size_t)size : have + 65536, n = have;
	uint8_t *buf;

	*out = NULL;
	*too_big = false;
	if (size >= 0 && (uint64_t)size > room) {
		*too_big = true;
		return ST_OK;
	}
	if (cap < have)
		cap = have;
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return ST_ENOMEM;
	memcpy(buf, head, have);
	for (;;) {
		la_ssize_t got;
		if (n == cap) {
			uint8_t *nb;
			if (size >= 0 || cap >= room) {
				if (size < 0)
					*too_big = true;
				break;
			}
			cap = cap * 2 < room ? cap * 2 : (size_t)room;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return ST_ENOMEM;
			}
			buf = nb;
		}
		got = archive_read_data(a, buf + n, cap - n);
		if (got < 0) {
			free(buf);
			return ST_OK;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (*too_big || (size >= 0 && n != (size_t)size)) {
		free(buf);
		return ST_OK;
	}
	*out = buf;
	*len = n;
	return ST_OK;
}

/* A decoded file handed to the caller (st_walk_found). */
struct mem_src {
	const uint8_t *data;
	size_t len;
};

static int mem_read(void *h, uint64_t off, void *buf, size_t len)
{
	const struct mem_src *m = h;

	if (off > m->len || len > m->len - off) {
		errno = ESTALE;
		return ST_EIO;
	}
	memcpy(buf, m->data + off, len);
	return ST_OK;
}

/* One walk over an archive: what every entry shares. */
struct pass {
	struct st_walk *w;
	struct st_input *in;
	struct st_part *part;
	uint8_t *head;           /* ST_PROBE_LEN bytes: an entry's first bytes */
	uint64_t members;
	uint64_t expand_limit;
	uint64_t drained;        /* bytes of encrypted non-code entries read to their end */
	bool drain_capped;
	struct names broken;
};

enum entry_end {
	ENTRY_DONE,   /* verified, or read and not claimed by any format */
	ENTRY_BROKEN, /* cannot be decoded */
	ENTRY_LOCKED, /* encrypted and not decrypted whole by the password tried */
	ENTRY_STOP,   /* a compressed single file that cannot be decoded: nothing follows */
};

/* Reads an encrypted entry no format claims to its end. A ZIP password
 * check is one byte for PKWARE encryption: one wrong password in 256 passes
 * it, and only the data's CRC (or AES's HMAC) at the end of the entry tells
 * the key was wrong. Without this, an executable decrypted with such a
 * password looks like noise and would be passed over in silence. */
static int drain(struct pass *s, struct archive *a, enum entry_end *end)
{
	*end = ENTRY_DONE;
	for (;;) {
		la_ssize_t got;
		if (s->drained > s->expand_limit) {
			if (!s->drain_capped)
				ST_ADD(&s->part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				       "encrypted files that hold no code were read to their end to confirm the password for %llu bytes; the rest were not",
				       (unsigned long long)s->expand_limit);
			s->drain_capped = true;
			return ST_OK;
		}
		got = archive_read_data(a, s->head, ST_PROBE_LEN);
		if (got < 0)
			*end = ENTRY_LOCKED;
		if (got <= 0)
			return ST_OK;
		s->drained += (uint64_t)got;
	}
enomem:
	return ST_ENOMEM;
}

/* Decodes one file of the archive and verifies it if a format claims it. */
static int take_entry(struct pass *s, struct archive *a, struct archive_entry *e, enum entry_end *end)
{
	struct st_walk *w = s->w;
	la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
	const char *name = archive_entry_pathname(e);
	struct st_member m = { .kind = "member", .name = name && *name ? name : "data" };
	bool locked = archive_entry_is_encrypted(e);
	const struct st_format *fmt;
	struct st_part *child;
	size_t have = 0;
	uint8_t *buf;
	size_t len;
	bool too_big;
	int rc;

	*end = ENTRY_DONE;
	/* The first bytes tell whether the rest is worth decoding. */
	while (have < ST_PROBE_LEN) {
		la_ssize_t got = archive_read_data(a, s->head + have, ST_PROBE_LEN - have);
		if (got < 0 && locked) {
			*end = ENTRY_LOCKED;
			return ST_OK;
		}
		if (got <= 0)
			break;
		have += (size_t)got;
	}
	if (have == 0 && size != 0) {
		*end = locked ? ENTRY_LOCKED : ENTRY_BROKEN;
		if (!locked && archive_errno(a) &&
		    (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW)
			*end = ENTRY_STOP;
		return ST_OK;
	}
	if (st_walk_wants(w, m.name)) {
		/* A file the caller asked for (an event log): decoded
		 * whole into memory, within its own limit. */
		struct mem_src ms;
		rc = read_rest(a, s->head, have, size, ST_LIMIT_FOUND_IN_MEMORY, &buf, &len, &too_big);
		if (rc)
			return rc;
		if (buf) {
			ms = (struct mem_src){ buf, len };
			st_walk_found(w, s->part, m.name, len, mem_read, &ms);
			free(buf);
		} else if (too_big) {
			ST_ADD(&s->part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
			       "'%s' is larger than the %llu bytes a file asked for may hold in memory: not read",
			       m.name, (unsigned long long)ST_LIMIT_FOUND_IN_MEMORY);
		} else {
			*end = locked ? ENTRY_LOCKED : ENTRY_BROKEN;
		}
		return ST_OK;
	}
	fmt = st_format_identify(w->ctx, st_span_make(s->head, have), size >= 0 ? (uint64_t)size : have);
	if (!fmt)
		return locked ? drain(s, a, end) : ST_OK;
	rc = read_rest(a, s->head, have, size, ST_LIMIT_DECODED_BYTES - w->decoded, &buf, &len, &too_big);
	if (rc)
		return rc;
	if (!buf) {
		if (too_big)
			ST_ADD(&s->part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
			       "member '%s' would pass the %llu bytes of decoded members one file may hold: not verified",
			       m.name, (unsigned long long)ST_LIMIT_DECODED_BYTES);
		else
			*end = locked ? ENTRY_LOCKED : ENTRY_BROKEN;
		return ST_OK;
	}
	m.data = buf;
	m.size = len;
	m.format = fmt;
	s->members++;
	rc = st_walk_member(w, s->in, s->part, &m, &child);
	free(buf);
	return rc;
enomem:
	return ST_ENOMEM;
}

/* Encrypted entries the first walk could not open, by their place in the
 * archive, to be tried again with each password alone. */
struct retry {
	uint64_t *at;
	size_t n, cap;
};

/* Walks the archive again with one password only, for the entries in
 * `r`; those it opens leave the list. libarchive tries its passwords in
 * turn and keeps the first whose check byte matches, so with several
 * passwords a wrong one can win that check and leave an entry unread
 * that a later password opens. On the last walk (`last` set) the
 * entries that stay closed are named there. */
static int retry_with(struct pass *s, const char *password, struct retry *r, struct names *last)
{
	struct archive *a = archive_read_new();
	struct archive_feed f;
	struct archive_entry *e;
	uint64_t index = 0;
	size_t next = 0, kept = 0;
	int rc = ST_OK;

	if (!a)
		return ST_ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	archive_read_add_passphrase(a, password);
	archive_feed(a, &f, s->in);
	if (archive_read_open1(a) == ARCHIVE_OK) {
		while (next < r->n && archive_read_next_header(a, &e) == ARCHIVE_OK) {
			enum entry_end end;
			if ((uint64_t)archive_filter_bytes(a, 0) > s->expand_limit)
				break;
			if (index++ != r->at[next])
				continue;
			rc = take_entry(s, a, e, &end);
			if (rc)
				break;
			if (end != ENTRY_DONE && last) {
				const char *name = archive_entry_pathname(e);
				note(last, name && *name ? name : "data");
			} else if (end != ENTRY_DONE) {
				r->at[kept++] = r->at[next];
			}
			next++;
		}
	}
	while (next < r->n)
		r->at[kept++] = r->at[next++];
	r->n = kept;
	if (rc == ST_OK && (f.err == ST_EIO || f.err == ST_ENOMEM))
		rc = f.err;
	archive_read_free(a);
	return rc;
}

int archive_walk(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct archive_feed f;
	struct archive_pbzx pb;
	struct archive_feed *fp = &f;
	bool pbzx = false;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct names locked = { 0 };
	struct retry retry = { 0 };
	struct archive_copies copies = { 0 };
	uint64_t entries = 0, encrypted = 0;
	/* Decompressed bytes the walk may go through (read or skipped): a
	 * bomb costs this much, no more. */
	struct pass s = { .w = w, .in = in, .part = part,
			  .expand_limit = in->size <= ST_LIMIT_ARCHIVE_EXPANSION_MIN / ST_LIMIT_ARCHIVE_RATIO
						  ? ST_LIMIT_ARCHIVE_EXPANSION_MIN
					  : in->size <= ST_LIMIT_ARCHIVE_EXPANSION_MAX / ST_LIMIT_ARCHIVE_RATIO
						  ? in->size * ST_LIMIT_ARCHIVE_RATIO
						  : ST_LIMIT_ARCHIVE_EXPANSION_MAX };
	bool several = w->ctx->narchive_passwords > 1;
	int rc = ST_OK, r = ARCHIVE_FATAL;
	bool opened;

	if (!a)
		return ST_ENOMEM;
	s.head = malloc(ST_PROBE_LEN);
	if (!s.head) {
		archive_read_free(a);
		return ST_ENOMEM;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	archive_read_support_format_raw(a);
	for (size_t i = 0; i < w->ctx->narchive_passwords; i++)
		archive_read_add_passphrase(a, w->ctx->archive_passwords[i]);
	{
		/* A macOS package's pbzx payload: decoded chunk by chunk
		 * before libarchive reads the cpio archive inside. */
		st_span h;
		pbzx = st_input_view(in, 0, in->size < 12 ? in->size : 12, &h) == ST_OK && archive_is_pbzx(h);
	}
	if (pbzx) {
		archive_feed_pbzx(a, &pb, in);
		fp = &pb.feed;
	} else {
		archive_feed(a, &f, in);
	}
	opened = archive_read_open1(a) == ARCHIVE_OK;
	part->format = "archive";
	part->subformat = "archive";
	while (opened && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		enum entry_end end = ENTRY_DONE;

		part->subformat = kind_name(archive_format(a));
		if (++entries > ST_LIMIT_ARCHIVE_ENTRIES) {
			ST_ADD(&part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
			       "more than %d entries: the rest are not verified", ST_LIMIT_ARCHIVE_ENTRIES);
			break;
		}
		if ((uint64_t)archive_filter_bytes(a, 0) > s.expand_limit) {
			const char *name = archive_entry_pathname(e);
			ST_ADD(&part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
			       "the archive expands past %llu bytes (%llu times its size, at most %llu): '%s' and the rest are not verified",
			       (unsigned long long)s.expand_limit, (unsigned long long)ST_LIMIT_ARCHIVE_RATIO,
			       (unsigned long long)ST_LIMIT_ARCHIVE_EXPANSION_MAX, name && *name ? name : "data");
			break;
		}
		{
			/* An entry of an Apple bundle: copied out, verified
			 * with its bundle once the archive is read. */
			bool taken, unreadable;
			if ((rc = archive_copy_entry(&copies, a, e, &taken, &unreadable)))
				break;
			if (taken && archive_entry_is_encrypted(e))
				encrypted++;
			if (unreadable)
				end = archive_entry_is_encrypted(e) ? ENTRY_LOCKED : ENTRY_BROKEN;
			else if (taken || archive_entry_filetype(e) != AE_IFREG)
				continue;
		}
		if (end == ENTRY_DONE) {
			if (archive_entry_is_encrypted(e))
				encrypted++;
			rc = take_entry(&s, a, e, &end);
			if (rc)
				break;
		}
		if (end == ENTRY_BROKEN || end == ENTRY_STOP) {
			const char *name = archive_entry_pathname(e);
			note(&s.broken, name && *name ? name : "data");
			if (end == ENTRY_STOP)
				break;
		} else if (end == ENTRY_LOCKED && several && !pbzx) {
			if (retry.n == retry.cap) {
				size_t cap = retry.cap ? retry.cap * 2 : 16;
				uint64_t *nv = realloc(retry.at, cap * sizeof(*nv));
				if (!nv)
					goto enomem;
				retry.at = nv;
				retry.cap = cap;
			}
			retry.at[retry.n++] = entries - 1;
		} else if (end == ENTRY_LOCKED) {
			const char *name = archive_entry_pathname(e);
			note(&locked, name && *name ? name : "data");
		}
	}
	if (rc == ST_OK && (fp->err == ST_EIO || fp->err == ST_ENOMEM))
		rc = fp->err;
	for (size_t i = 0, n = w->ctx->narchive_passwords; rc == ST_OK && retry.n && i < n; i++)
		rc = retry_with(&s, w->ctx->archive_passwords[i], &retry, i + 1 == n ? &locked : NULL);
	if (rc == ST_OK && retry.n) {
		/* Not reached again (the archive could not be read that far
		 * twice): named by their place. */
		for (size_t i = 0; i < retry.n; i++) {
			char at[40];
			snprintf(at, sizeof(at), "entry %llu", (unsigned long long)retry.at[i] + 1);
			note(&locked, at);
		}
	}
	if (rc == ST_OK)
		rc = archive_copies_finish(&copies, w, part);
	if (rc == ST_OK && pbzx && pb.bad)
		ST_ADD(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
		       "a chunk of the pbzx stream cannot be decoded (or is larger than %u bytes): the rest is not read",
		       ST_LIMIT_PBZX_CHUNK);
	if (rc == ST_OK && opened && r != ARCHIVE_EOF && r != ARCHIVE_OK &&
	    !st_reasons_has(&part->reasons, ST_R_LIMIT_EXCEEDED))
		ST_ADD(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
		       "the archive cannot be read past entry %llu: %s", (unsigned long long)entries,
		       archive_error_string(a) ? archive_error_string(a) : "?");
	if (rc == ST_OK && s.broken.n)
		ST_ADD(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
		       "%zu file%s inside cannot be decoded: %s%s", s.broken.n, s.broken.n == 1 ? "" : "s",
		       s.broken.text, s.broken.n > 3 ? ", ..." : "");
	if (rc == ST_OK && locked.n) {
		/* libarchive decrypts ZIP (PKWARE and AES); it cannot decrypt
		 * 7-Zip or RAR content at all. */
		int base = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
		bool zip = base == ARCHIVE_FORMAT_ZIP;
		ST_ADD(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
		       "%zu encrypted file%s %s: %s%s", locked.n, locked.n == 1 ? "" : "s",
		       zip ? "no archive password opens (--archive-password)"
			   : "in a format whose encryption libarchive cannot open (extract with its own tool and scan the folder)",
		       locked.text, locked.n > 3 ? ", ..." : "");
	}
	if (rc == ST_OK &&
	    (st_props_set_int(&part->props, &archive_properties[AR_ENTRIES], (int64_t)entries) ||
	     st_props_set_int(&part->props, &archive_properties[AR_MEMBERS], (int64_t)s.members) ||
	     (encrypted && st_props_set_int(&part->props, &archive_properties[AR_ENCRYPTED], (int64_t)encrypted))))
		rc = ST_ENOMEM;
	goto done;
enomem:
	rc = ST_ENOMEM;
done:
	archive_read_free(a);
	if (pbzx)
		archive_pbzx_clear(&pb);
	free(s.head);
	free(retry.at);
	archive_copies_clear(&copies);
	if (rc == ST_OK) {
		/* An archive is no code: it is a record only for what it holds
		 * (docs/archives.md). */
		st_part_finish(part);
		part->verdict = ST_VERDICT_NOT_EXECUTABLE;
		part->fmt = &st_format_archive;
	}
	return rc;
}

static int archive_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	return archive_walk(w, in, part);
}

const struct st_format st_format_archive = {
	.name = "archive",
	.description = "archives read by libarchive (tar and compressed tar, cpio, 7-Zip, RAR, ISO 9660, ar, ZIP): the files inside as members",
	.probe = archive_probe,
	.verify = archive_verify,
	.properties = archive_properties,
	.nproperties = AR_COUNT,
	.extensions = archive_extensions,
};

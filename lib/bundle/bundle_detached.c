/*
 * Detached signatures: what codesign writes for a bundle whose code has no
 * room for a signature of its own, a bundle without a main executable (no
 * CFBundleExecutable, or one naming no file: dwt 19.3.3's
 * dwt_19.3.2.0306.bundle names "${EXECUTABLE_NAME}", a build variable left
 * unexpanded) or old kexts. The SuperBlob's pieces are files of
 * _CodeSignature/, named as Apple's DirStore names slots: CodeDirectory
 * (slot 0), CodeRequirements (2), CodeEntitlements (5), the alternate
 * CodeDirectories CodeRequirements-1 to -5 (0x1000.., a historical
 * quirk of those names: the SHA-256 CodeDirectory of real bundles is
 * CodeRequirements-1) and CodeSignature, the raw CMS (slot 0x10000, no
 * blob wrapper). The code they sign is the main executable when there is
 * one, else Info.plist, hashed as one page (page size 0).
 *
 * The pieces are put back together as the SuperBlob they stand for, after
 * the code's bytes, and lib/macho verifies it as any Mach-O signature
 * (CodeDirectories, special slots 1 and 3 bound to Info.plist and the
 * seal, the CMS signature, its chain): one verifier for both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "core/limits.h"
#include "macho/macho.h"

static const struct {
	const char *name;
	uint32_t slot;
	bool raw;   /* stored without its blob header: wrapped here */
} pieces[] = {
	{ "CodeDirectory", CSSLOT_CODEDIRECTORY, false },
	{ "CodeRequirements", CSSLOT_REQUIREMENTS, false },
	{ "CodeEntitlements", CSSLOT_ENTITLEMENTS, false },
	{ "CodeRequirements-1", CSSLOT_ALTERNATE_CODEDIRECTORIES, false },
	{ "CodeRequirements-2", CSSLOT_ALTERNATE_CODEDIRECTORIES + 1, false },
	{ "CodeRequirements-3", CSSLOT_ALTERNATE_CODEDIRECTORIES + 2, false },
	{ "CodeRequirements-4", CSSLOT_ALTERNATE_CODEDIRECTORIES + 3, false },
	{ "CodeRequirements-5", CSSLOT_ALTERNATE_CODEDIRECTORIES + 4, false },
	{ "CodeSignature", CSSLOT_SIGNATURESLOT, true },
};
#define NPIECES (sizeof(pieces) / sizeof(pieces[0]))

/* The code's bytes, then the SuperBlob. */
struct joined {
	int fd;                 /* the main executable, or -1: */
	const uint8_t *mem;     /* Info.plist's bytes */
	uint64_t code_len;
	const uint8_t *sb;
	size_t sb_len;
};

static int joined_read(void *arg, uint64_t off, void *buf, size_t len)
{
	const struct joined *j = arg;
	uint8_t *out = buf;

	if (off < j->code_len) {
		size_t n = j->code_len - off < len ? (size_t)(j->code_len - off) : len;
		if (j->fd >= 0) {
			size_t done = 0;
			while (done < n) {
				ssize_t k = pread(j->fd, out + done, n - done, (off_t)(off + done));
				if (k <= 0)
					return ST_EIO;
				done += (size_t)k;
			}
		} else {
			memcpy(out, j->mem + off, n);
		}
		out += n, len -= n, off += n;
	}
	if (len) {
		uint64_t at = off - j->code_len;
		if (at > j->sb_len || len > j->sb_len - at)
			return ST_EIO;
		memcpy(out, j->sb + at, len);
	}
	return ST_OK;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* The SuperBlob the files of _CodeSignature/ stand for; *sb NULL when
 * there is no CodeDirectory file to build it from. */
static int superblob(const struct bundle *b, uint8_t **sb, size_t *sb_len, st_reasons *rs)
{
	uint8_t *data[NPIECES] = { 0 };
	size_t len[NPIECES] = { 0 }, total, n = 0, at;
	int rc = ST_OK;

	*sb = NULL;
	*sb_len = 0;
	for (size_t i = 0; i < NPIECES && rc == ST_OK; i++) {
		char rel[64];
		int e;

		snprintf(rel, sizeof(rel), "_CodeSignature/%s", pieces[i].name);
		e = bundle_read_file(b->root_fd, rel, ST_LIMIT_BUNDLE_PLIST, &data[i], &len[i]);
		if (e == ST_ENOMEM)
			rc = ST_ENOMEM;
		else if (e == EFBIG)
			rc = st_reasons_add(rs, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
					    "_CodeSignature/%s is larger than %u bytes: not read", pieces[i].name,
					    (unsigned)ST_LIMIT_BUNDLE_PLIST);
	}
	if (rc || !data[0])
		goto out;
	/* 12 bytes of header, 8 per index entry, 8 of wrapper per raw piece:
	 * each piece is at most ST_LIMIT_BUNDLE_PLIST, so no overflow. */
	total = 12;
	for (size_t i = 0; i < NPIECES; i++)
		if (data[i])
			total += 8 + len[i] + (pieces[i].raw ? 8 : 0), n++;
	if (total > UINT32_MAX) {
		rc = st_reasons_add(rs, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				    "the detached signature is larger than a SuperBlob holds");
		goto out;
	}
	if (!(*sb = malloc(total))) {
		rc = ST_ENOMEM;
		goto out;
	}
	put32(*sb, 0xfade0cc0u);
	put32(*sb + 4, (uint32_t)total);
	put32(*sb + 8, (uint32_t)n);
	at = 12 + 8 * n;
	for (size_t i = 0, k = 0; i < NPIECES; i++) {
		if (!data[i])
			continue;
		put32(*sb + 12 + 8 * k, pieces[i].slot);
		put32(*sb + 16 + 8 * k, (uint32_t)at);
		k++;
		if (pieces[i].raw) {
			put32(*sb + at, CSMAGIC_BLOBWRAPPER);
			put32(*sb + at + 4, (uint32_t)(8 + len[i]));
			at += 8;
		}
		memcpy(*sb + at, data[i], len[i]);
		at += len[i];
	}
	*sb_len = total;
out:
	for (size_t i = 0; i < NPIECES; i++)
		free(data[i]);
	return rc;
}

int bundle_check_detached(struct st_walk *w, struct st_part *part, const struct bundle *b, int exe_fd,
			  uint64_t exe_size, const struct st_external_slots *ext, bool *found)
{
	struct macho_check *m;
	struct st_input in;
	struct joined j = { .fd = exe_fd };
	uint8_t *sb = NULL;
	size_t sb_len;
	int rc;

	*found = false;
	if ((rc = superblob(b, &sb, &sb_len, &part->reasons)) || !sb)
		return rc;
	if (exe_fd >= 0) {
		j.code_len = exe_size;
	} else {
		j.mem = b->info;
		j.code_len = b->info ? b->info_len : 0;
	}
	j.sb = sb;
	j.sb_len = sb_len;
	if (!(m = calloc(1, sizeof(*m)))) {
		free(sb);
		return ST_ENOMEM;
	}
	st_input_init_source(&in, (struct st_source){ joined_read, &j, true }, 0, j.code_len + sb_len);
	m->ctx = w->ctx;
	m->in = &in;
	m->part = part;
	m->external = ext;
	m->sig_off = j.code_len;
	m->sig_size = sb_len;
	m->sig_end = j.code_len + sb_len;
	snprintf(m->what, sizeof(m->what), "detached signature");
	m->idx = st_part_add_signature(part);
	if (m->idx < 0) {
		rc = ST_ENOMEM;
	} else {
		MSIG(m)->verification_time = w->ctx->at;
		rc = macho_verify_signature(m);
		*found = true;
	}
	st_input_clear(&in);
	free(m);
	free(sb);
	return rc;
}

/*
 * Disk images, volumes and file systems, read with The Sleuth Kit (TSK,
 * which Debian links with libewf, libvmdk, libvhdi and afflib): E01, VMDK,
 * VHD/VHDX and AFF acquisitions (opened by their path: those libraries read
 * their own segment files), QCOW2 (libqcow by path, TSK reading its media
 * through an external image), and raw disks or volumes (read through the
 * input itself, so a raw image inside an archive is read as well). The
 * volume system (MBR, GPT, APM, BSD) is found by TSK; each allocated
 * partition's file system (NTFS, FAT, exFAT, ext2/3/4, HFS+, APFS, ISO 9660,
 * UFS) is walked, and every regular file whose first bytes a format claims
 * is verified as a member, read in place through TSK (never extracted).
 *
 * Member names: "p<N>/<path inside the file system>" for a partition, the
 * bare path for a volume image; NTFS alternate data streams are files of
 * their own, "<path>:<stream>". A file's Mark of the Web (its
 * Zone.Identifier stream: ZoneId, HostUrl, ReferrerUrl) and its times and
 * inode are properties of its member part. APFS containers are opened as
 * pools, each volume "v<N>/". Volumes encrypted with BitLocker or
 * FileVault are reported, not skipped in silence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libqcow.h>
#include <tsk/libtsk.h>

#include "core/format.h"
#include "core/limits.h"
#include "core/result.h"
#include "image/image.h"

enum {
	IP_TYPE, IP_VOLUME_SYSTEM, IP_PARTITIONS, IP_FILES, IP_INODE, IP_PARTITION, IP_FS,
	IP_MTIME, IP_ATIME, IP_CTIME, IP_CRTIME, IP_ZONE, IP_HOST_URL, IP_REFERRER, IP_DELETED,
	IP_COUNT
};

static const st_property_decl image_properties[IP_COUNT] = {
	[IP_TYPE] = { "image.type", ST_PROPERTY_STRING, ST_SCOPE_PART, "image type", NULL, 0, NULL,
		      "the acquisition format: raw, ewf (E01), vmdk, vhd, aff" },
	[IP_VOLUME_SYSTEM] = { "image.volume_system", ST_PROPERTY_STRING, ST_SCOPE_PART,
			       "volume system", NULL, 0, NULL,
			       "the partition table: dos (MBR), gpt, mac, bsd, sun; absent for a volume image" },
	[IP_PARTITIONS] = { "image.partitions", ST_PROPERTY_INT, ST_SCOPE_PART, "partitions", NULL, 0,
			    NULL, "allocated partitions of the volume system" },
	[IP_FILES] = { "image.files", ST_PROPERTY_INT, ST_SCOPE_PART, "files", NULL, 0, NULL,
		       "regular files and alternate data streams walked in the file systems" },
	[IP_INODE] = { "image.inode", ST_PROPERTY_STRING, ST_SCOPE_PART, "inode", "file.inode", 0, NULL,
		       "the file's metadata address in its file system (NTFS MFT entry, inode), in decimal (ECS file.inode is a keyword)" },
	[IP_PARTITION] = { "image.partition", ST_PROPERTY_STRING, ST_SCOPE_PART, "partition", NULL, 0,
			   NULL, "the partition holding the file: p<N> (the Nth allocated partition in disk order), with its start sector and its type as the partition table names it" },
	[IP_FS] = { "image.filesystem", ST_PROPERTY_STRING, ST_SCOPE_PART, "file system", NULL, 0, NULL,
		    "the file system holding the file (ntfs, fat32, ext4, hfs, ...)" },
	[IP_MTIME] = { "image.mtime", ST_PROPERTY_TIME, ST_SCOPE_PART, "modified", "file.mtime", 0, NULL,
		       "the file's content modification time, from the file system" },
	[IP_ATIME] = { "image.atime", ST_PROPERTY_TIME, ST_SCOPE_PART, "accessed", "file.accessed", 0,
		       NULL, "the file's last access time, from the file system" },
	[IP_CTIME] = { "image.ctime", ST_PROPERTY_TIME, ST_SCOPE_PART, "changed", "file.ctime", 0, NULL,
		       "the file's metadata change time, from the file system" },
	[IP_CRTIME] = { "image.created", ST_PROPERTY_TIME, ST_SCOPE_PART, "created", "file.created", 0,
			NULL, "the file's creation time, from the file system" },
	[IP_ZONE] = { "image.zone_id", ST_PROPERTY_INT, ST_SCOPE_PART, "zone", NULL, 0, NULL,
		      "Mark of the Web: the Zone.Identifier stream's ZoneId (3: Internet, 4: restricted)" },
	[IP_HOST_URL] = { "image.origin_url", ST_PROPERTY_STRING, ST_SCOPE_PART, "downloaded from",
			  "file.origin_url", 0, NULL, "Mark of the Web: the Zone.Identifier stream's HostUrl" },
	[IP_REFERRER] = { "image.origin_referrer_url", ST_PROPERTY_STRING, ST_SCOPE_PART, "referrer",
			  "file.origin_referrer_url", 0, NULL,
			  "Mark of the Web: the Zone.Identifier stream's ReferrerUrl" },
	[IP_DELETED] = { "image.deleted", ST_PROPERTY_BOOL, ST_SCOPE_PART, "deleted", NULL, 0, NULL,
			 "the file system marks the file deleted (with --deleted); its verdict judges what is left on the disk" },
};

/* ---- identification ---------------------------------------------------- */

static const uint8_t *at(st_span h, size_t off, size_t n)
{
	return off + n <= h.len ? h.data + off : NULL;
}

static bool has(st_span h, size_t off, const char *s)
{
	const uint8_t *p = at(h, off, strlen(s));

	return p && memcmp(p, s, strlen(s)) == 0;
}

/* Acquisition formats that TSK opens by path. */
static const char *container_type(st_span h)
{
	if (has(h, 0, "EVF\x09\x0d\x0a\xff"))
		return "ewf";
	if (has(h, 0, "KDMV") || has(h, 0, "# Disk DescriptorFile"))
		return "vmdk";
	if (has(h, 0, "vhdxfile") || has(h, 0, "conectix"))
		return "vhd";
	if (has(h, 0, "AFF10\r\n"))
		return "aff";
	if (has(h, 0, "QFI\xfb"))
		return "qcow";
	return NULL;
}

/* A plausible MBR: the boot signature and at least one partition entry with
 * a status of 0 or 0x80, a type, and a start and length. */
static bool mbr(st_span h)
{
	const uint8_t *p = at(h, 446, 66);
	bool any = false;

	if (!p || p[64] != 0x55 || p[65] != 0xaa)
		return false;
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = p + 16 * i;
		uint32_t start = (uint32_t)e[8] | (uint32_t)e[9] << 8 | (uint32_t)e[10] << 16 | (uint32_t)e[11] << 24;
		uint32_t len = (uint32_t)e[12] | (uint32_t)e[13] << 8 | (uint32_t)e[14] << 16 | (uint32_t)e[15] << 24;
		if (e[0] != 0 && e[0] != 0x80)
			return false;
		if (e[4] != 0) {
			if (start == 0 || len == 0)
				return false;
			any = true;
		}
	}
	return any;
}

static bool raw_volume(st_span h)
{
	const uint8_t *sig = at(h, 510, 2);
	bool boot = sig && sig[0] == 0x55 && sig[1] == 0xaa;
	const uint8_t *e = at(h, 1080, 2), *lb = at(h, 1024 + 24, 4);

	/* ext2/3/4: the superblock magic and a block size of 1 to 64 KiB. */
	bool ext = e && lb && e[0] == 0x53 && e[1] == 0xef && lb[0] <= 6 && !lb[1] && !lb[2] && !lb[3];

	return (boot && (has(h, 3, "NTFS    ") || has(h, 3, "EXFAT   ") || has(h, 54, "FAT12   ") ||
			 has(h, 54, "FAT16   ") || has(h, 82, "FAT32   "))) ||
	       has(h, 3, "-FVE-FS-") || ext || has(h, 1024, "H+\x00\x04") ||
	       has(h, 1024, "HX\x00\x05") || has(h, 32, "NXSB");
}

static enum st_probe image_probe(st_span head, uint64_t size)
{
	(void)size;
	if (container_type(head) || has(head, 512, "EFI PART") || mbr(head) || raw_volume(head))
		return ST_PROBE_YES;
	return ST_PROBE_NO;
}

/* ---- reading --------------------------------------------------------------- */

/* A raw image read through the input (TSK's external image: the struct
 * starts with TSK_IMG_INFO, as TSK requires). */
struct ext_img {
	TSK_IMG_INFO img;
	struct st_input *in;
};

static ssize_t ext_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
	struct ext_img *x = (struct ext_img *)img;
	uint64_t o = (uint64_t)off, done = 0;

	if (off < 0 || o >= x->in->size)
		return 0;
	if (len > x->in->size - o)
		len = (size_t)(x->in->size - o);
	/* Large reads (a file's data) straight into TSK's buffer; small ones
	 * (metadata, read again and again) through the window. */
	if (len >= 65536)
		return st_input_read(x->in, o, buf, len) == ST_OK ? (ssize_t)len : -1;
	while (done < len) {
		size_t k = len - done < ST_INPUT_WINDOW ? len - done : ST_INPUT_WINDOW;
		st_span s;
		if (st_input_window(x->in, o + done, k, &s))
			return -1;
		memcpy(buf + done, s.data, s.len);
		done += s.len;
	}
	return (ssize_t)len;
}

static void ext_close(TSK_IMG_INFO *img)
{
	free(img);   /* the struct; the input is the caller's */
}

static void ext_stat(TSK_IMG_INFO *img, FILE *f)
{
	(void)img;
	(void)f;
}

/* A QCOW image (qemu's), which TSK does not read: libqcow opens it by
 * path and TSK reads its media through an external image. */
struct qcow_img {
	TSK_IMG_INFO img;
	libqcow_file_t *file;
};

static ssize_t qcow_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
	struct qcow_img *q = (struct qcow_img *)img;
	libqcow_error_t *error = NULL;
	ssize_t n = libqcow_file_read_buffer_at_offset(q->file, buf, len, (off64_t)off, &error);

	if (error)
		libqcow_error_free(&error);
	return n;
}

static void qcow_close(TSK_IMG_INFO *img)
{
	struct qcow_img *q = (struct qcow_img *)img;

	(void)libqcow_file_close(q->file, NULL);
	(void)libqcow_file_free(&q->file, NULL);
	free(q);
}

/* The QCOW image at path as a TSK image, or NULL (*why says why). */
static TSK_IMG_INFO *qcow_open(const char *path, const char **why)
{
	struct qcow_img *q = calloc(1, sizeof(*q));
	libqcow_error_t *error = NULL;
	size64_t size = 0;
	TSK_IMG_INFO *img;

	*why = "cannot be read";
	if (!q)
		return NULL;
	if (libqcow_file_initialize(&q->file, &error) != 1 ||
	    libqcow_file_open(q->file, path, LIBQCOW_OPEN_READ, &error) != 1 ||
	    libqcow_file_get_media_size(q->file, &size, &error) != 1) {
		if (error)
			libqcow_error_free(&error);
		/* A QCOW image backed by another (a snapshot over its base)
		 * or encrypted is not opened. */
		*why = "libqcow cannot open it (encrypted, or a snapshot whose backing image is not read)";
		if (q->file)
			(void)libqcow_file_free(&q->file, NULL);
		free(q);
		return NULL;
	}
	if (!(img = tsk_img_open_external(q, (TSK_OFF_T)size, 512, qcow_read, qcow_close, ext_stat))) {
		(void)libqcow_file_close(q->file, NULL);
		(void)libqcow_file_free(&q->file, NULL);
		free(q);
		*why = "TSK cannot use it";
	}
	return img;
}

/* A member's bytes: a file's default data or one of its attributes. */
int image_src_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct image_src *s = arg;
	size_t done = 0;

	while (done < len) {
		ssize_t n = s->attr ? tsk_fs_attr_read(s->attr, (TSK_OFF_T)(off + done), (char *)buf + done,
						       len - done, TSK_FS_FILE_READ_FLAG_NONE)
				    : tsk_fs_file_read(s->file, (TSK_OFF_T)(off + done), (char *)buf + done,
						       len - done, TSK_FS_FILE_READ_FLAG_NONE);
		if (n <= 0)
			return ST_EIO;
		done += (size_t)n;
	}
	return ST_OK;
}

/* A file's data read straight from the image by its runs, on any thread:
 * for a raw image whose reads are concurrent (pread), so that files are
 * verified by other threads while TSK, which is not shared between
 * threads, stays on the walk's. */
struct run {
	uint64_t file_off, img_off, len;
	bool zero;   /* sparse: zeros */
};

struct runs {
	struct st_input *img;   /* the image's input (memory or a concurrent source) */
	size_t n;
	struct run r[];
};

static int runs_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct runs *rs = arg;
	uint8_t *out = buf;
	size_t lo = 0, hi = rs->n;

	/* The run holding off (runs are in file order, contiguous). */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (rs->r[mid].file_off <= off)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t i = lo; len > 0; i++) {
		const struct run *r;
		uint64_t in_run, k;

		if (i >= rs->n || off < rs->r[i].file_off || off - rs->r[i].file_off >= rs->r[i].len)
			return ST_EIO;
		r = &rs->r[i];
		in_run = off - r->file_off;
		k = r->len - in_run < len ? r->len - in_run : len;
		if (r->zero)
			memset(out, 0, (size_t)k);
		else if (rs->img->mem)
			memcpy(out, rs->img->mem + r->img_off + in_run, (size_t)k);
		else if (rs->img->src.read(rs->img->src.arg, rs->img->base + r->img_off + in_run, out, (size_t)k))
			return ST_EIO;
		out += k;
		off += k;
		len -= (size_t)k;
	}
	return ST_OK;
}

static void runs_free(void *arg)
{
	free(arg);
}

/* The runs of a's data (the file's default data when a is NULL), when it
 * lies plainly in the raw image `img`: not resident, compressed or
 * encrypted, no part of it unknown or uninitialised, every run inside the
 * image; else NULL (the file is then read through TSK). The caller checks
 * that the runs give the head TSK read. */
static struct runs *runs_of(struct st_input *img, const TSK_IMG_INFO *tsk_img, TSK_FS_FILE *f,
			    const TSK_FS_ATTR *a, uint64_t size)
{
	const TSK_FS_INFO *fs = f->fs_info;
	uint64_t bs = fs->block_size, at = 0;
	size_t n = 0;
	struct runs *rs;

	if (!img || fs->img_info != tsk_img || fs->offset < 0 || bs == 0)
		return NULL;
	if (!a)
		a = tsk_fs_file_attr_get(f);
	if (!a || !(a->flags & TSK_FS_ATTR_NONRES) || (a->flags & (TSK_FS_ATTR_COMP | TSK_FS_ATTR_ENC)) ||
	    a->size < 0 || (uint64_t)a->size != size || a->nrd.initsize != a->size || a->nrd.skiplen != 0)
		return NULL;
	for (const TSK_FS_ATTR_RUN *r = a->nrd.run; r && at < size; r = r->next) {
		if (++n > ST_LIMIT_IMAGE_RUNS)
			return NULL;
		at += (uint64_t)r->len * bs;
	}
	rs = malloc(sizeof(*rs) + n * sizeof(rs->r[0]));
	if (!rs)
		return NULL;
	rs->img = img;
	rs->n = 0;
	at = 0;
	for (const TSK_FS_ATTR_RUN *r = a->nrd.run; r && at < size; r = r->next) {
		struct run *o = &rs->r[rs->n++];
		uint64_t len, addr;

		/* ext's holes (mke2fs -d leaves the zero blocks of a PE file
		 * unwritten) are filler runs, which TSK reads as zeros; other
		 * file systems' fillers are runs not found. */
		bool hole = (r->flags & TSK_FS_ATTR_RUN_FLAG_FILLER) && TSK_FS_TYPE_ISEXT(fs->ftype);

		if (((r->flags & TSK_FS_ATTR_RUN_FLAG_FILLER) && !hole) || (r->flags & TSK_FS_ATTR_RUN_FLAG_ENCRYPTED) ||
		    (uint64_t)r->offset * bs != at || !st_mul_u64((uint64_t)r->len, bs, &len) || len == 0)
			goto no;
		o->file_off = at;
		o->len = len < size - at ? len : size - at;
		o->zero = hole || (r->flags & TSK_FS_ATTR_RUN_FLAG_SPARSE) != 0;
		o->img_off = 0;
		if (!o->zero) {
			uint64_t end;
			if (!st_mul_u64((uint64_t)r->addr, bs, &addr) || !st_add_u64(addr, (uint64_t)fs->offset, &addr) ||
			    !st_add_u64(addr, o->len, &end) || end > img->size)
				goto no;
			o->img_off = addr;
		}
		at += o->len;
	}
	if (at != size)
		goto no;
	return rs;
no:
	free(rs);
	return NULL;
}

/* ---- the walk ---------------------------------------------------------------- */

struct walk {
	struct st_walk *w;
	struct st_part *part;
	const char *prefix;      /* "p2/" or "" */
	char partition[128];
	const char *fs_name;
	uint64_t files, members;
	struct st_member_pool *pool;   /* NULL: members verified on this thread */
	/* A raw image whose bytes other threads may read (runs_of), or NULL,
	 * and TSK's image over it. */
	struct st_input *direct;
	const TSK_IMG_INFO *img;
	int rc;                  /* ST_ENOMEM / ST_EIO stop the walk */
	bool limited;
	/* The path (inside the file system, with '/') of the bundle the walk
	 * is in, verified as a whole: its files are the bundle's. */
	char bundle[2048];
};

struct zone {
	bool present;
	int64_t id;
	char host[1024], referrer[1024];
};

/* Zone.Identifier: an INI text, [ZoneTransfer] ZoneId=3 HostUrl=...
 * ReferrerUrl=... (UTF-8 or ANSI; Windows writes CRLF). */
static void parse_zone(const char *t, size_t n, struct zone *z)
{
	const char *p = t, *end = t + n;

	z->present = true;
	z->id = -1;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
		char *dst = NULL;
		size_t cap = 0, skip = 0;

		while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		if (len > 7 && strncmp(p, "ZoneId=", 7) == 0) {
			z->id = 0;
			for (size_t i = 7; i < len && p[i] >= '0' && p[i] <= '9' && z->id < 1000; i++)
				z->id = z->id * 10 + (p[i] - '0');
		} else if (len > 8 && strncmp(p, "HostUrl=", 8) == 0) {
			dst = z->host, cap = sizeof(z->host), skip = 8;
		} else if (len > 12 && strncmp(p, "ReferrerUrl=", 12) == 0) {
			dst = z->referrer, cap = sizeof(z->referrer), skip = 12;
		}
		if (dst) {
			size_t k = len - skip < cap - 1 ? len - skip : cap - 1;
			memcpy(dst, p + skip, k);
			dst[k] = '\0';
			for (size_t i = 0; i < k; i++)
				if ((unsigned char)dst[i] < 0x20)
					dst[i] = '?';
		}
		p = e ? e + 1 : end;
	}
}

static int set_file_props(struct walk *wk, st_props *p, const TSK_FS_FILE *f, const struct zone *z)
{
	const TSK_FS_META *m = f->meta;

	char inode[24];

	snprintf(inode, sizeof(inode), "%llu", (unsigned long long)m->addr);
	if (st_props_set_str(p, &image_properties[IP_INODE], inode) ||
	    (*wk->partition && st_props_set_str(p, &image_properties[IP_PARTITION], wk->partition)) ||
	    (wk->fs_name && st_props_set_str(p, &image_properties[IP_FS], wk->fs_name)) ||
	    (m->mtime && st_props_set_int(p, &image_properties[IP_MTIME], (int64_t)m->mtime)) ||
	    (m->atime && st_props_set_int(p, &image_properties[IP_ATIME], (int64_t)m->atime)) ||
	    (m->ctime && st_props_set_int(p, &image_properties[IP_CTIME], (int64_t)m->ctime)) ||
	    (m->crtime && st_props_set_int(p, &image_properties[IP_CRTIME], (int64_t)m->crtime)) ||
	    (!(m->flags & TSK_FS_META_FLAG_ALLOC) && st_props_set_int(p, &image_properties[IP_DELETED], 1)))
		return ST_ENOMEM;
	if (z && z->present &&
	    ((z->id >= 0 && st_props_set_int(p, &image_properties[IP_ZONE], z->id)) ||
	     (*z->host && st_props_set_str(p, &image_properties[IP_HOST_URL], z->host)) ||
	     (*z->referrer && st_props_set_str(p, &image_properties[IP_REFERRER], z->referrer))))
		return ST_ENOMEM;
	return ST_OK;
}

/* Verifies one stream of a file when a format claims its first bytes. */
static int member(struct walk *wk, TSK_FS_FILE *f, const TSK_FS_ATTR *attr, const char *name,
		  uint64_t size, const struct zone *z)
{
	uint8_t head[ST_PROBE_LEN];
	size_t n = size < sizeof(head) ? (size_t)size : sizeof(head);
	struct image_src s = { f, attr };
	const struct st_format *fmt;
	struct st_part *c = NULL;
	int rc;

	if (++wk->files > ST_LIMIT_IMAGE_FILES) {
		wk->limited = true;
		return 1;
	}
	if (size && st_walk_wants(wk->w, name))
		st_walk_found(wk->w, wk->part, name, size, image_src_read, &s);
	if (size == 0 || image_src_read(&s, 0, head, n) != ST_OK)
		return ST_OK;   /* unreadable content (sparse, damaged runs): nothing to verify */
	fmt = st_format_identify(wk->w->ctx, st_span_make(head, n), size);
	if (!fmt)
		return ST_OK;
	wk->members++;
	if (wk->pool && wk->direct) {
		/* Read by the pool's thread straight from the image, when the
		 * runs give the bytes TSK gave for the head. */
		struct runs *rs = runs_of(wk->direct, wk->img, f, attr, size);
		uint8_t check[ST_PROBE_LEN];

		if (rs && runs_read(rs, 0, check, n) == ST_OK && memcmp(check, head, n) == 0) {
			struct st_member m = { .kind = "member", .name = name, .format = fmt, .size = size,
					       .src = { .read = runs_read, .arg = rs, .concurrent = true }, .own_file = true };
			st_props props = { 0 };

			if ((rc = set_file_props(wk, &props, f, attr ? NULL : z))) {
				free(rs);
				st_props_clear(&props);
				return rc;
			}
			return st_member_pool_add_source(wk->pool, wk->w, wk->part, &m, runs_free, &props);
		}
		free(rs);
	}
	if (st_member_pool_takes(wk->pool, size)) {
		/* Read here (TSK stays on this thread), verified on another. */
		struct st_member m = { .kind = "member", .name = name, .format = fmt, .size = size,
				       .own_file = true };
		st_props props = { 0 };
		uint8_t *buf = st_member_pool_buffer(wk->pool, size);

		if (!buf)
			return ST_ENOMEM;
		if (image_src_read(&s, 0, buf, (size_t)size) != ST_OK) {
			st_member_pool_release(wk->pool, buf);
			return st_reasons_add(&wk->part->reasons, ST_R_MALFORMED_CONTAINER,
					      ST_EFFECT_DEFAULT, "'%s' cannot be read whole from the image",
					      name);
		}
		if ((rc = set_file_props(wk, &props, f, attr ? NULL : z))) {
			st_member_pool_release(wk->pool, buf);
			st_props_clear(&props);
			return rc;
		}
		return st_member_pool_add(wk->pool, wk->w, wk->part, &m, buf, &props);
	}
	{
		struct st_member m = { .kind = "member", .name = name, .format = fmt, .size = size,
				       .src = { .read = image_src_read, .arg = &s }, .own_file = true };
		size_t had = wk->part->nchildren;
		rc = st_walk_member(wk->w, NULL, wk->part, &m, &c);
		if (rc == ST_EIO) {
			/* A file that cannot be read whole (a damaged image):
			 * its half-made part goes, the image records it, the
			 * walk goes on. */
			while (wk->part->nchildren > had) {
				struct st_part *last = wk->part->children[--wk->part->nchildren];
				st_part_clear(last);
				free(last);
			}
			return st_reasons_add(&wk->part->reasons, ST_R_MALFORMED_CONTAINER,
					      ST_EFFECT_DEFAULT, "'%s' cannot be read whole from the image",
					      name);
		}
	}
	if (rc == ST_OK && c)
		rc = set_file_props(wk, &c->props, f, attr ? NULL : z);
	return rc;
}

/* A directory a directory format claims (an Apple bundle): verified
 * whole, its files then left to it. */
static int on_directory(struct walk *wk, TSK_FS_FILE *f, const char *path)
{
	char name[2048];
	struct st_part *c = NULL;
	int rc;

	if (snprintf(name, sizeof(name), "%s%s%s", wk->prefix, path, f->name->name) >= (int)sizeof(name) ||
	    snprintf(wk->bundle, sizeof(wk->bundle), "%s%s/", path, f->name->name) >= (int)sizeof(wk->bundle)) {
		*wk->bundle = '\0';
		return ST_OK;
	}
	rc = image_directory(wk->w, wk->part, f, name, &c);
	if (rc == ST_OK && c) {
		wk->members++;
		return set_file_props(wk, &c->props, f, NULL);
	}
	*wk->bundle = '\0';
	return rc;
}

static TSK_WALK_RET_ENUM on_file(TSK_FS_FILE *f, const char *path, void *arg)
{
	struct walk *wk = arg;
	struct zone z = { 0 };
	char name[2048];
	int nattr, rc = ST_OK;

	if (*wk->bundle) {
		/* TSK walks depth first, a directory before its entries. A
		 * deleted entry (--deleted) is none of the bundle's: the walk
		 * reports it as it reports any. */
		if (strncmp(path, wk->bundle, strlen(wk->bundle)) != 0)
			*wk->bundle = '\0';
		else if (!f->name || (f->name->flags & TSK_FS_NAME_FLAG_ALLOC))
			return TSK_WALK_CONT;
	}
	if (f->meta && f->name && f->name->name && f->meta->type == TSK_FS_META_TYPE_DIR &&
	    (f->meta->flags & TSK_FS_META_FLAG_ALLOC) && (f->name->flags & TSK_FS_NAME_FLAG_ALLOC) &&
	    strcmp(f->name->name, ".") != 0 && strcmp(f->name->name, "..") != 0)
		rc = on_directory(wk, f, path);
	if (rc) {
		wk->rc = rc;
		return TSK_WALK_STOP;
	}
	if (!f->meta || !f->name || f->meta->type != TSK_FS_META_TYPE_REG ||
	    (!(f->meta->flags & TSK_FS_META_FLAG_ALLOC) && !wk->w->ctx->deleted_files) ||
	    !f->name->name ||
	    strcmp(f->name->name, ".") == 0 || strcmp(f->name->name, "..") == 0)
		return TSK_WALK_CONT;
	/* NTFS system files ($MFT, $Boot, ...) are the file system's own. */
	if (f->name->name[0] == '$' && *path == '\0' && TSK_FS_TYPE_ISNTFS(f->fs_info->ftype))
		return TSK_WALK_CONT;
	if (snprintf(name, sizeof(name), "%s%s%s", wk->prefix, path, f->name->name) >= (int)sizeof(name))
		return TSK_WALK_CONT;
	nattr = tsk_fs_file_attr_getsize(f);
	/* The Mark of the Web first: it belongs to the file's default data. */
	for (int i = 0; i < nattr && i < ST_LIMIT_IMAGE_STREAMS; i++) {
		const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
		if (a && a->type == TSK_FS_ATTR_TYPE_NTFS_DATA && a->name &&
		    strcmp(a->name, "Zone.Identifier") == 0 && a->size > 0 && a->size < 65536) {
			char t[65536];
			ssize_t k = tsk_fs_attr_read(a, 0, t, (size_t)a->size, TSK_FS_FILE_READ_FLAG_NONE);
			if (k > 0)
				parse_zone(t, (size_t)k, &z);
		}
	}
	rc = member(wk, f, NULL, name, f->meta->size > 0 ? (uint64_t)f->meta->size : 0, &z);
	/* Alternate data streams: files of their own. */
	for (int i = 0; rc == ST_OK && i < nattr && i < ST_LIMIT_IMAGE_STREAMS; i++) {
		const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(f, i);
		char sname[2300];
		if (!a || a->type != TSK_FS_ATTR_TYPE_NTFS_DATA || !a->name || !*a->name ||
		    strcmp(a->name, "Zone.Identifier") == 0 || a->size <= 0)
			continue;
		if (snprintf(sname, sizeof(sname), "%s:%s", name, a->name) >= (int)sizeof(sname))
			continue;
		rc = member(wk, f, a, sname, (uint64_t)a->size, NULL);
	}
	if (rc == 1)
		return TSK_WALK_STOP;
	if (rc) {
		wk->rc = rc;
		return TSK_WALK_STOP;
	}
	return TSK_WALK_CONT;
}

static int walk_fs(struct walk *wk, TSK_FS_INFO *fs)
{
	wk->fs_name = tsk_fs_type_toname(fs->ftype);
	*wk->bundle = '\0';
	tsk_error_reset();
	if (tsk_fs_dir_walk(fs, fs->root_inum,
			    TSK_FS_DIR_WALK_FLAG_RECURSE | TSK_FS_DIR_WALK_FLAG_ALLOC |
				    TSK_FS_DIR_WALK_FLAG_NOORPHAN |
				    (wk->w->ctx->deleted_files ? TSK_FS_DIR_WALK_FLAG_UNALLOC : 0),
			    on_file, wk) != 0 && wk->rc == ST_OK && !wk->limited) {
		const char *e = tsk_error_get();
		return st_reasons_add(&wk->part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
				      "%s%s file system: the walk stopped: %s", wk->partition,
				      *wk->partition ? "" : "the", e ? e : "?");
	}
	return wk->rc;
}

/* A volume TSK reads no file system in: encrypted, or another kind. */
static int no_fs(struct walk *wk, TSK_IMG_INFO *img, TSK_OFF_T off, const char *what)
{
	char boot[16];

	if (tsk_img_read(img, off, boot, sizeof(boot)) == (ssize_t)sizeof(boot) &&
	    memcmp(boot + 3, "-FVE-FS-", 8) == 0)
		return st_reasons_add(&wk->part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
				      "%s is encrypted with BitLocker: its files are not verified", what);
	return ST_OK;
}

/* A name read from the disk (a partition's type, a volume's name) as
 * printable ASCII, '?' for anything else, cut to cap. */
static void printable(const char *s, char *out, size_t cap)
{
	size_t k = 0;

	for (const char *c = s ? s : ""; *c && k + 1 < cap; c++)
		out[k++] = (unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f ? *c : '?';
	out[k] = '\0';
}

/*
 * An APFS container (a pool of volumes, TSK's pool layer) at off: each
 * volume walked as a file system under "v<N>/", an encrypted one (FileVault)
 * reported, not walked (no key is taken). *found: a container was there.
 */
static int walk_pool(struct walk *wk, TSK_IMG_INFO *img, TSK_OFF_T off, const char *what, bool *found)
{
	const TSK_POOL_INFO *pool;
	char outer[32], partition[sizeof(wk->partition)];
	int rc = ST_OK, n = 0;

	*found = false;
	tsk_error_reset();
	if (!(pool = tsk_pool_open_img_sing(img, off, TSK_POOL_TYPE_DETECT))) {
		tsk_error_reset();
		return ST_OK;
	}
	*found = true;
	snprintf(outer, sizeof(outer), "%s", wk->prefix);
	snprintf(partition, sizeof(partition), "%s", wk->partition);
	for (const TSK_POOL_VOLUME_INFO *v = pool->vol_list; v && rc == ST_OK && !wk->limited; v = v->next) {
		char name[64], prefix[48];
		TSK_IMG_INFO *vimg;
		TSK_FS_INFO *fs;

		if (++n > ST_LIMIT_IMAGE_VOLUMES)
			break;
		printable(v->desc, name, sizeof(name));
		if (v->flags & TSK_POOL_VOLUME_FLAG_ENCRYPTED) {
			rc = st_reasons_add(&wk->part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
					    "%s: APFS volume v%d (%s) is encrypted (FileVault): its files are not verified",
					    what, n, name);
			continue;
		}
		snprintf(prefix, sizeof(prefix), "%sv%d/", outer, n);
		if (snprintf(wk->partition, sizeof(wk->partition), "%s%sAPFS volume v%d (%s)", partition,
			     *partition ? ", " : "", n, name) >= (int)sizeof(wk->partition))
			memcpy(wk->partition + sizeof(wk->partition) - 4, "...", 4);  /* cut, marked */
		wk->prefix = prefix;
		tsk_error_reset();
		/* The volume as an image of its own (Debian's libtsk 4.11 does
		 * not export tsk_fs_open_pool). */
		vimg = pool->get_img_info ? pool->get_img_info(pool, (TSK_DADDR_T)v->block) : NULL;
		if (!vimg || !(fs = tsk_fs_open_img(vimg, 0, TSK_FS_TYPE_APFS))) {
			const char *e = tsk_error_get();
			rc = st_reasons_add(&wk->part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
					    "%s: APFS volume v%d (%s) cannot be opened: %s", what, n, name, e ? e : "?");
			if (vimg)
				tsk_img_close(vimg);
			continue;
		}
		rc = walk_fs(wk, fs);
		tsk_fs_close(fs);
		tsk_img_close(vimg);
	}
	wk->prefix = wk->prefix == outer ? wk->prefix : "";
	snprintf(wk->partition, sizeof(wk->partition), "%s", partition);
	tsk_pool_close(pool);
	tsk_error_reset();
	return rc;
}

static int image_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct walk wk = { .w = w, .part = part, .prefix = "" };
	struct ext_img *x = NULL;
	TSK_IMG_INFO *img;
	TSK_VS_INFO *vs;
	st_span head;
	const char *ctype;
	uint64_t nparts = 0;
	int rc;

	if ((rc = st_input_view(in, 0, in->size < ST_PROBE_LEN ? in->size : ST_PROBE_LEN, &head)))
		return rc < 0 ? rc : ST_EIO;
	part->format = "image";
	ctype = container_type(head);
	tsk_error_reset();
	if (ctype) {
		/* libewf, libvmdk and libvhdi open their own files by name. */
		if (w->depth != 0 || !w->path) {
			rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
					    "a %s image inside another container is not opened (extract it first)",
					    ctype);
			goto finish;
		}
		/* The type is named: TSK's detection tries libvhdi on a VMDK
		 * first and leaks what that attempt allocated. */
		if (strcmp(ctype, "qcow") == 0) {
			const char *why;
			img = qcow_open(w->path, &why);
			if (!img) {
				rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
						    "the qcow image %s", why);
				goto finish;
			}
		} else {
			img = tsk_img_open_utf8_sing(w->path,
						     strcmp(ctype, "ewf") == 0	  ? TSK_IMG_TYPE_EWF_EWF
						     : strcmp(ctype, "vmdk") == 0 ? TSK_IMG_TYPE_VMDK_VMDK
						     : strcmp(ctype, "vhd") == 0  ? TSK_IMG_TYPE_VHD_VHD
										  : TSK_IMG_TYPE_AFF_ANY,
						     0);
		}
	} else {
		ctype = "raw";
		x = calloc(1, sizeof(*x));
		if (!x)
			return ST_ENOMEM;
		x->in = in;
		img = tsk_img_open_external(x, (TSK_OFF_T)in->size, 512, ext_read, ext_close, ext_stat);
		if (img && (in->mem || in->src.concurrent)) {
			wk.direct = in;
			wk.img = img;
		}
	}
	part->subformat = ctype;
	if (!img && x)
		free(x);
	if (!img) {
		const char *e = tsk_error_get();
		rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
				    "the %s image cannot be opened: %s", ctype, e ? e : "?");
		goto finish;
	}
	if ((rc = st_props_set_str(&part->props, &image_properties[IP_TYPE], ctype)) ||
	    (rc = st_member_pool_new(w, &wk.pool)))
		goto close;
	/* A GPT disk is opened as GPT: detection first reads its protective
	 * MBR as a DOS table, and TSK leaks that table's entries. */
	{
		char gpt[8];
		bool is_gpt = tsk_img_read(img, 512, gpt, 8) == 8 && memcmp(gpt, "EFI PART", 8) == 0;
		vs = tsk_vs_open(img, 0, is_gpt ? TSK_VS_TYPE_GPT : TSK_VS_TYPE_DETECT);
	}
	if (vs) {
		if ((rc = st_props_set_str(&part->props, &image_properties[IP_VOLUME_SYSTEM],
					   tsk_vs_type_toname(vs->vstype))))
			goto close_vs;
		for (const TSK_VS_PART_INFO *p = vs->part_list; p && rc == ST_OK && !wk.limited; p = p->next) {
			TSK_FS_INFO *fs;
			char prefix[32], what[96];

			if (!(p->flags & TSK_VS_PART_FLAG_ALLOC))
				continue;
			/* Partitions are numbered 1, 2, ... in the order of the
			 * disk, as partition tools list them. */
			nparts++;
			snprintf(prefix, sizeof(prefix), "p%llu/", (unsigned long long)nparts);
			/* The type as the partition table names it (TSK's
			 * description: "Linux (0x83)", "Basic data partition"),
			 * printable characters only: it comes from the disk. */
			{
				char desc[64];
				printable(p->desc, desc, sizeof(desc));
				snprintf(wk.partition, sizeof(wk.partition), "p%llu (sector %llu%s%s)",
					 (unsigned long long)nparts, (unsigned long long)p->start, *desc ? ", " : "",
					 desc);
			}
			snprintf(what, sizeof(what), "partition p%llu (%s)", (unsigned long long)nparts,
				 p->desc ? p->desc : "?");
			wk.prefix = prefix;
			fs = tsk_fs_open_vol(p, TSK_FS_TYPE_DETECT);
			if (!fs) {
				bool pooled;
				rc = walk_pool(&wk, img, (TSK_OFF_T)(p->start * vs->block_size), what, &pooled);
				if (rc == ST_OK && !pooled)
					rc = no_fs(&wk, img, (TSK_OFF_T)(p->start * vs->block_size), what);
				continue;
			}
			rc = walk_fs(&wk, fs);
			tsk_fs_close(fs);
		}
		if (rc == ST_OK)
			rc = st_props_set_int(&part->props, &image_properties[IP_PARTITIONS], (int64_t)nparts);
close_vs:
		tsk_vs_close(vs);
	} else {
		TSK_FS_INFO *fs = tsk_fs_open_img(img, 0, TSK_FS_TYPE_DETECT);
		wk.partition[0] = '\0';
		if (fs) {
			rc = walk_fs(&wk, fs);
			tsk_fs_close(fs);
		} else {
			bool pooled;
			rc = walk_pool(&wk, img, 0, "the container", &pooled);
			if (rc == ST_OK && !pooled)
				rc = no_fs(&wk, img, 0, "the volume");
			if (rc == ST_OK && !pooled && !st_reasons_has(&part->reasons, ST_R_MALFORMED_CONTAINER))
				rc = st_reasons_add(&part->reasons, ST_R_MALFORMED_CONTAINER, ST_EFFECT_DEFAULT,
						    "no partition table or file system sigtrace reads");
		}
	}
	if (rc == ST_OK && wk.limited)
		rc = st_reasons_add(&part->reasons, ST_R_LIMIT_EXCEEDED, ST_EFFECT_DEFAULT,
				    "more than %d files in the image: the rest are not verified",
				    ST_LIMIT_IMAGE_FILES);
	if (rc == ST_OK)
		rc = st_props_set_int(&part->props, &image_properties[IP_FILES],
				      (int64_t)(wk.files > ST_LIMIT_IMAGE_FILES ? ST_LIMIT_IMAGE_FILES : wk.files));
close:
	{
		/* Every member verified before the image is finished. */
		int prc = st_member_pool_finish(wk.pool);
		if (rc == ST_OK)
			rc = prc;
	}
	tsk_img_close(img);   /* frees x for external images */
finish:
	tsk_error_reset();
	if (rc)
		return rc;
	/* An image is no code: a record for what it holds (docs/images.md). */
	st_part_finish(part);
	part->verdict = ST_VERDICT_NOT_EXECUTABLE;
	return ST_OK;
}

static const char *const image_extensions[] = { ".vhd", NULL };

const struct st_format st_format_image = {
	.name = "image",
	.description = "disk images and file systems read with The Sleuth Kit (raw, E01, VMDK, VHD/VHDX, AFF; QCOW2 through libqcow; MBR/GPT; NTFS, FAT, exFAT, ext, HFS+, APFS, ISO 9660): the files inside as members",
	.probe = image_probe,
	.verify = image_verify,
	.properties = image_properties,
	.nproperties = IP_COUNT,
	.extensions = image_extensions,
	.hash_on_request = true,
};

/*
 * Containers through the format contract: the driver's recursion into the
 * members a container hands over, its limits (depth, count), the paths of
 * members, constituent parts judged with their parent (universal Mach-O
 * slices) and members judged on their own.
 *
 * A synthetic container format, added to the context as tests may: "NEST",
 * a u32 LE member count, then per member a u32 LE length and its bytes.
 * Members are byte ranges of the container, identified by content, so a
 * NEST can hold NESTs (and universal Mach-O files, below).
 */
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/format.h"
#include "core/limits.h"
#include "harness.h"

static enum st_probe nest_probe(st_span head, uint64_t size)
{
	(void)size;
	return head.len >= 8 && memcmp(head.data, "NEST", 4) == 0 ? ST_PROBE_YES : ST_PROBE_NO;
}

static int nest_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	st_span h;
	uint32_t n, len;
	uint64_t pos = 8;
	int rc;

	part->format = "nest";
	if ((rc = st_input_view(in, 0, 8, &h)))
		return rc < 0 ? rc : ST_EIO;
	(void)st_read_u32le(h, 4, &n);
	for (uint32_t i = 0; i < n; i++) {
		char name[32];
		struct st_member m = { .kind = "member", .name = name };
		struct st_part *c;

		if ((rc = st_input_view(in, pos, 4, &h)))
			return rc < 0 ? rc : ST_EIO;
		(void)st_read_u32le(h, 0, &len);
		snprintf(name, sizeof(name), "m%u", i);
		m.offset = pos + 4;
		m.size = len;
		if ((rc = st_walk_member(w, in, part, &m, &c)))
			return rc;
		if (!c && w->parts >= ST_LIMIT_PARTS)
			break;
		pos += 4 + (uint64_t)len;
	}
	st_part_finish(part);
	return ST_OK;
}

static const struct st_format nest_format = {
	.name = "nest", .description = "test container", .probe = nest_probe,
	.verify = nest_verify,
};

/* "POOL": laid out as NEST, its members verified by the member pool's
 * threads (core/format.h), as a disk image's are: even members read
 * through a concurrent source, odd ones copied into the pool's buffers,
 * each with a property the container sets. */
static const st_property_decl pool_index = { .key = "pool.index", .type = ST_PROPERTY_INT,
					     .scope = ST_SCOPE_PART, .label = "index" };
static _Atomic int pool_releases;

struct pool_src {
	const uint8_t *base;
};

static int pool_read(void *arg, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, ((struct pool_src *)arg)->base + off, len);
	return ST_OK;
}

static void pool_release(void *arg)
{
	pool_releases++;
	free(arg);
}

static enum st_probe pool_probe(st_span head, uint64_t size)
{
	(void)size;
	return head.len >= 8 && memcmp(head.data, "POOL", 4) == 0 ? ST_PROBE_YES : ST_PROBE_NO;
}

static int pool_verify(struct st_walk *w, struct st_input *in, struct st_part *part)
{
	struct st_member_pool *pool;
	st_span h;
	uint32_t n, len;
	uint64_t pos = 8;
	int rc, frc;

	part->format = "pool";
	if (!in->mem || (rc = st_input_view(in, 0, 8, &h)))
		return ST_EINVAL;
	(void)st_read_u32le(h, 4, &n);
	if ((rc = st_member_pool_new(w, &pool)) || !pool)
		return rc ? rc : ST_EINVAL;
	for (uint32_t i = 0; i < n && rc == ST_OK; i++) {
		char name[32];
		struct st_member m = { .kind = "member", .name = name, .own_file = true };
		st_props props = { 0 };

		if ((rc = st_input_view(in, pos, 4, &h)))
			break;
		(void)st_read_u32le(h, 0, &len);
		snprintf(name, sizeof(name), "m%u", i);
		m.size = len;
		if ((rc = st_props_set_int(&props, &pool_index, i)))
			break;
		if (i % 2 == 0) {
			struct pool_src *s = malloc(sizeof(*s));
			s->base = in->mem + pos + 4;
			m.src = (struct st_source){ .read = pool_read, .arg = s, .concurrent = true };
			rc = st_member_pool_add_source(pool, w, part, &m, pool_release, &props);
		} else {
			uint8_t *d = st_member_pool_buffer(pool, len);
			memcpy(d, in->mem + pos + 4, len);
			rc = st_member_pool_add(pool, w, part, &m, d, &props);
		}
		pos += 4 + (uint64_t)len;
	}
	frc = st_member_pool_finish(pool);
	if (rc == ST_OK)
		rc = frc;
	if (rc == ST_OK)
		st_part_finish(part);
	return rc;
}

static const struct st_format pool_format = {
	.name = "pool", .description = "test container verified by the member pool",
	.probe = pool_probe, .verify = pool_verify,
};
static const struct st_format *const extra[] = { &nest_format, &pool_format };

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void put32(struct buf *b, uint32_t v) { put(b, &v, 4); }

static void put32be(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(b, x, 4);
}

/* NEST holding `inner` `depth` times over. */
static struct buf nested(int depth)
{
	struct buf b = { 0 };

	put(&b, "NEST", 4);
	put32(&b, 0);
	for (int i = 0; i < depth; i++) {
		struct buf o = { 0 };
		put(&o, "NEST", 4);
		put32(&o, 1);
		put32(&o, (uint32_t)b.n);
		put(&o, b.p, b.n);
		free(b.p);
		b = o;
	}
	return b;
}

/* A universal Mach-O file with two unsigned 64-bit slices (x86_64, arm64). */
static struct buf universal(void)
{
	struct buf b = { 0 };
	uint32_t cpus[2] = { 0x01000007, 0x0100000c };

	put32be(&b, 0xcafebabe);
	put32be(&b, 2);
	for (int i = 0; i < 2; i++) {
		put32be(&b, cpus[i]);
		put32be(&b, 0);
		put32be(&b, 4096u * (uint32_t)(i + 1));
		put32be(&b, 4096);
		put32be(&b, 12);
	}
	while (b.n < 3 * 4096u) {
		if (b.n == 4096 || b.n == 8192) {
			uint32_t hdr[8] = { 0xfeedfacf, cpus[b.n / 4096 - 1], 0, 2, 0, 0, 0, 0 };
			put(&b, hdr, sizeof(hdr));
		} else {
			put(&b, "", 1);
		}
	}
	return b;
}

static size_t count_parts(const st_part *p)
{
	size_t n = 1;

	for (size_t i = 0; i < st_part_child_count(p); i++)
		n += count_parts(st_part_child(p, i));
	return n;
}

static bool has_reason(const st_part *p, st_reason r)
{
	for (size_t i = 0; i < st_part_reason_count(p); i++)
		if (st_part_reason(p, i) == r)
			return true;
	return false;
}

/* A ustar member: header (name, mode, size in octal, type '0', magic and
 * checksum) and its data padded to 512 bytes. */
static void tar_member(struct buf *b, const char *name, const char *data)
{
	unsigned char h[512] = { 0 };
	size_t n = strlen(data);
	unsigned sum = 0;

	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)(n & 0777777));
	snprintf((char *)h + 136, 12, "%011o", 0);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	put(b, h, 512);
	put(b, data, n);
	for (size_t i = n; i % 512; i++)
		put(b, "", 1);
}

struct found {
	int calls;
	char path[256], data[64];
};

static void on_found(void *arg, const char *path, uint64_t size, st_read_fn read, void *handle)
{
	struct found *f = arg;

	f->calls++;
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (size < sizeof(f->data) && read(handle, 0, f->data, (size_t)size) == ST_OK)
		f->data[size] = '\0';
}

int main(void)
{
	st_context *ctx = NULL;
	st_result *res = NULL;
	struct buf b;
	const st_part *p;

	CHECK(st_context_new(&ctx) == ST_OK, "context");
	ctx->extra_formats = extra;
	ctx->nextra_formats = 2;

	/* Nesting within the depth limit: every level a part, paths joined. */
	b = nested(3);
	CHECK(st_verify_buffer(ctx, b.p, b.n, &res) == ST_OK, "three levels verified");
	p = st_result_part(res);
	CHECK(count_parts(p) == 4, "one part per level");
	while (st_part_child_count(p))
		p = st_part_child(p, 0);
	CHECK(strcmp(st_part_path(p), "m0//m0//m0") == 0, "a member's path names every level");
	CHECK(strcmp(st_part_kind(p), "member") == 0 && !st_part_is_constituent(p) &&
		      st_part_has_range(p), "members are byte ranges, files of their own");
	st_result_free(res);
	free(b.p);

	/* Beyond the depth limit: the deepest container says so. */
	b = nested(ST_LIMIT_PART_DEPTH + 3);
	CHECK(st_verify_buffer(ctx, b.p, b.n, &res) == ST_OK, "deep nesting verified");
	p = st_result_part(res);
	CHECK(count_parts(p) == ST_LIMIT_PART_DEPTH + 1, "parts stop at the depth limit");
	while (st_part_child_count(p))
		p = st_part_child(p, 0);
	CHECK(has_reason(p, ST_R_LIMIT_EXCEEDED), "the last container reports limit_exceeded");
	st_result_free(res);
	free(b.p);

	/* Beyond the count limit: the container stops and says so. */
	{
		uint32_t n = ST_LIMIT_PARTS + 5;
		b = (struct buf){ 0 };
		put(&b, "NEST", 4);
		put32(&b, n);
		for (uint32_t i = 0; i < n; i++) {
			put32(&b, 8);
			put(&b, "NEST\0\0\0\0", 8);
		}
		CHECK(st_verify_buffer(ctx, b.p, b.n, &res) == ST_OK, "many members verified");
		CHECK(count_parts(st_result_part(res)) == ST_LIMIT_PARTS,
		      "parts stop at the count limit");
		CHECK(has_reason(st_result_part(res), ST_R_LIMIT_EXCEEDED),
		      "the container reports limit_exceeded");
		st_result_free(res);
		free(b.p);
	}

	/* A universal Mach-O file: slices are constituent parts. */
	b = universal();
	CHECK(st_verify_buffer(ctx, b.p, b.n, &res) == ST_OK, "universal file verified");
	p = st_result_part(res);
	CHECK(st_part_child_count(p) == 2 && st_part_is_constituent(st_part_child(p, 0)) &&
		      strcmp(st_part_name(st_part_child(p, 1)), "arm64") == 0 &&
		      st_part_offset(st_part_child(p, 1)) == 8192,
	      "two constituent slices named by architecture, at their offsets");
	CHECK(st_part_verdict(p) == ST_VERDICT_UNSIGNED, "unsigned slices: an unsigned file");

	/* ... inside a container: a member with its own constituents. */
	{
		struct buf o = { 0 };
		const st_part *m;
		put(&o, "NEST", 4);
		put32(&o, 1);
		put32(&o, (uint32_t)b.n);
		put(&o, b.p, b.n);
		st_result_free(res);
		CHECK(st_verify_buffer(ctx, o.p, o.n, &res) == ST_OK, "container of a universal file");
		m = st_part_child(st_result_part(res), 0);
		CHECK(m && strcmp(st_part_format(m), "macho") == 0 && st_part_child_count(m) == 2 &&
			      strcmp(st_part_path(st_part_child(m, 0)), "m0//x86_64") == 0,
		      "the member's slices hang under it");
		CHECK(m && st_part_sha256(m) && !st_part_sha256(st_part_child(m, 0)),
		      "a member is hashed, a slice is not");
		free(o.p);
	}
	st_result_free(res);
	free(b.p);

	/* The universal header's own limit on architectures. */
	{
		b = (struct buf){ 0 };
		put32be(&b, 0xcafebabe);
		put32be(&b, ST_LIMIT_FAT_ARCHS + 1);
		for (int i = 0; i < 4096; i++)
			put(&b, "", 1);
		CHECK(st_verify_buffer(ctx, b.p, b.n, &res) == ST_OK &&
			      has_reason(st_result_part(res), ST_R_LIMIT_EXCEEDED) &&
			      st_part_child_count(st_result_part(res)) == 0,
		      "too many architectures: limit_exceeded, no slice verified");
		st_result_free(res);
		free(b.p);
	}
	{
		/* Files asked for by name are handed over from an archive
		 * whatever their content, with their path and a reader. */
		static const char *const suffixes[] = { ".evtx", NULL };
		static const char *const nine[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
		struct found f = { 0 };
		b = (struct buf){ 0 };
		tar_member(&b, "logs/Security.EVTX", "ElfFile event log bytes");
		tar_member(&b, "logs/readme.txt", "not asked for");
		put(&b, "", 0);
		for (int i = 0; i < 1024; i++)
			put(&b, "", 1);
		CHECK(st_context_set_found_files(ctx, NULL, on_found, &f) == ST_EINVAL &&
			      st_context_set_found_files(ctx, nine, on_found, &f) == ST_EINVAL &&
			      st_context_set_found_files(ctx, suffixes, on_found, &f) == ST_OK,
		      "found files: an empty or too long suffix list is refused");
		CHECK(st_verify_buffer(ctx, b.p, b.n, &res) == ST_OK && f.calls == 1 &&
			      strcmp(f.path, "logs/Security.EVTX") == 0 && strcmp(f.data, "ElfFile event log bytes") == 0,
		      "found files: a member named *.evtx (any case) is handed over with its path and its bytes");
		st_result_free(res);
		CHECK(st_context_set_found_files(ctx, NULL, NULL, NULL) == ST_OK &&
			      st_verify_buffer(ctx, b.p, b.n, &res) == ST_OK && f.calls == 1,
		      "found files: turned off, nothing is handed over");
		st_result_free(res);
		free(b.p);
	}
	/* The member pool: 200 members (more than wait for a thread at once),
	 * read through a source and copied into buffers in turn, verified by
	 * three threads; the parts keep the container's order and the
	 * container's properties, each source is released once, and the
	 * pool's accounts balance (st_member_pool_finish checks them: the
	 * bytes of buffers in flight once counted sources too). */
	{
		const int members = 200;
		struct buf o = { 0 };
		bool ordered = true;

		put(&o, "POOL", 4);
		put32(&o, (uint32_t)members);
		for (int i = 0; i < members; i++) {
			struct buf in = nested(i % 3);
			put32(&o, (uint32_t)in.n);
			put(&o, in.p, in.n);
			free(in.p);
		}
		st_context_set_member_threads(ctx, 3);
		pool_releases = 0;
		CHECK(st_verify_buffer(ctx, o.p, o.n, &res) == ST_OK, "pool: verified");
		p = res ? st_result_part(res) : NULL;
		CHECK(p && st_part_child_count(p) == (size_t)members, "pool: one part per member");
		for (int i = 0; p && i < members && i < (int)st_part_child_count(p); i++) {
			const st_part *c = st_part_child(p, (size_t)i);
			const st_property *pr = st_part_property_find(c, "pool.index");
			char want[16];
			snprintf(want, sizeof(want), "m%d", i);
			ordered &= strcmp(st_part_name(c), want) == 0 && pr && st_property_int(pr) == i &&
				   strcmp(st_part_format(c), "nest") == 0 && count_parts(c) == (size_t)(i % 3) + 1;
		}
		CHECK(ordered, "pool: parts in the container's order, each with its property and its own members");
		CHECK(pool_releases == members / 2, "pool: every source released once");
		st_result_free(res);
		st_context_set_member_threads(ctx, 1);
		free(o.p);
	}
	st_context_free(ctx);
	return harness_done();
}

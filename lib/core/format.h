/*
 * The contract between the verification driver and one file format.
 *
 * Each format (lib/<format>/, registered by one line in lib/formats.def)
 * provides one table: a cheap probe on the first bytes, a verify function
 * that fills a part, and the properties it declares. Formats are
 * identified by content, never by file name.
 *
 * A container format (a universal Mach-O file today; archives and disk
 * images later) hands its members to the driver with st_walk_member() from
 * its verify function: the driver identifies each member (or uses the
 * format the container names), verifies it into a child part, recursing
 * under the limits of docs/limits.md, and finishes it before returning, so
 * the container can judge from its children (partially_signed) before it
 * finishes itself.
 */
#ifndef ST_FORMAT_H
#define ST_FORMAT_H

#include "core/context.h"
#include "core/hash_pass.h"
#include "core/input.h"
#include "core/reader.h"
#include "core/result.h"

/* Bytes read to identify a format: non-executables are rejected after this
 * one read. */
#define ST_PROBE_LEN 4096

enum st_probe {
	ST_PROBE_NO = 0,    /* not this format */
	ST_PROBE_YES,       /* this format */
	ST_PROBE_MAYBE      /* cannot tell from the head: read the input */
};

/* The state of one verification, handed to every format: the context, and
 * how deep and how large the part tree has grown. */
struct st_walk {
	const st_context *ctx;
	int depth;            /* of the part being verified: 0 for the file */
	size_t parts;         /* parts created so far in this file */
	uint64_t decoded;     /* bytes of decoded members so far */
	/* While a member is verified with the format its container named:
	 * the container's hint for it (st_member.hint), else NULL. */
	const void *hint;
	/* The file (depth 0) was given to this format because its name has
	 * one of the format's extensions (st_format.extensions). */
	bool by_name;
	/* While the main executable of an Apple bundle is verified (and its
	 * slices): the files its signature binds from outside itself. */
	const struct st_external_slots *external;
	/* For directory formats: the directory's own name ("X.app"). */
	const char *dirname;
	/* The path of the file being verified (depth 0), for formats whose
	 * libraries open their own files by name (an E01's segments); NULL
	 * for buffers. */
	const char *path;
	/* Verifying a member on a pool's thread (st_member_pool): containers
	 * inside it verify their members on this thread. */
	bool pooled;
};

/* Bytes outside a code signature's own file that its CodeDirectory's
 * special slots bind: a bundle's Info.plist (slot 1) and seal (slot 3,
 * _CodeSignature/CodeResources), as the bundle read them; a disk image's
 * trailer (slot 6, as it was signed). `used`: the slot is bound from
 * outside in this context; `present` false: there is no such file. `code`
 * is the reason a difference is reported with. The spans stay valid while
 * the signature is verified. */
struct st_external_file {
	bool used, present;
	const char *name;   /* "Contents/Info.plist", for details */
	st_span bytes;
	st_reason code;
};
struct st_external_slots {
	struct st_external_file info_plist, resources, rep_specific;
};

struct st_format {
	const char *name;          /* "pe" */
	const char *description;   /* "Windows PE/COFF images (Authenticode)" */
	/* Looks at the first bytes (at most ST_PROBE_LEN, fewer for short
	 * inputs) of an input of `size` bytes. */
	enum st_probe (*probe)(st_span head, uint64_t size);
	/* Verifies the input into `part` (format, reasons, signatures,
	 * properties, children) and finishes it (st_part_finish()). Returns
	 * ST_OK, ST_ENOMEM or ST_EIO (the input changed while read); never
	 * fails because of the content. A format that hashes the input should
	 * let st_hash_pass() compute in->sha256 in the same pass; the driver
	 * hashes what is left. */
	int (*verify)(struct st_walk *w, struct st_input *in, struct st_part *part);
	/* The properties this format fills. */
	const st_property_decl *properties;
	size_t nproperties;
	/* File name extensions (".ps1", NULL-terminated) that make an input
	 * this format's when its content cannot tell (unsigned scripts are
	 * text like any other), or NULL. The format then sees w->by_name. */
	const char *const *extensions;
	/* The name decides before the content (a UDIF image's data fork may
	 * begin with a raw chunk that reads as a volume): a file with one of
	 * the extensions is this format's whatever its first bytes show. */
	bool name_first;
	/* A disk image: read only as far as verdicts need, so its own
	 * whole-file hash only with st_context_set_image_hash. */
	bool hash_on_request;
	/* Directory formats (Apple bundles): whether the directory at dirfd
	 * (named `name`, its last path component) is one, and its verify.
	 * NULL for formats of files. */
	bool (*probe_directory)(int dirfd, const char *name);
	int (*verify_directory)(struct st_walk *w, int dirfd, struct st_part *part);
	/* For a directory inside a container, before it is copied out to be
	 * probed (st_stage): whether the directory `name`, whose first n
	 * entries are `names`, may be one. Cheap, and false for the many
	 * directories of a disk image that cannot be. */
	bool (*probe_listing)(const char *name, const char *const *names, size_t n);
};

/* Leaves a part the format's probe took as a non-executable: its content
 * shows it is not the format's (a text file without a signature block,
 * another compound or ZIP file). ST_OK. */
static inline int st_part_not_executable(struct st_part *part)
{
	part->fmt = NULL;
	part->format = NULL;
	part->verdict = ST_VERDICT_NOT_EXECUTABLE;
	return ST_OK;
}

/* One member of a container, as the container describes it. */
struct st_member {
	const char *kind;                /* "slice", "member", ... (static) */
	const char *name;                /* copied */
	bool constituent;                /* judged as part of the container */
	const struct st_format *format;  /* the member's format, or NULL: probe */
	/* Its bytes: a range of the container's input, decoded data
	 * (data != NULL; valid during the call only), or bytes read through
	 * a source of the container's (src.read != NULL: a stream scattered
	 * over a compound file's sectors), size bytes from offset 0. */
	uint64_t offset, size;
	const uint8_t *data;
	struct st_source src;
	/* For the member's format, when the container names it: what the
	 * container knows of the member (a universal header's slice entry).
	 * Seen as w->hint by that format's verify. */
	const void *hint;
	/* The member is a file of its own (a file inside a disk image): the
	 * per-file limits of parts and decoded bytes start afresh for it, as
	 * for a file scanned from a folder. */
	bool own_file;
};

/*
 * Verifies member m of the container being verified into a new child of
 * `parent` (*child, NULL when a limit stopped it: the limit is then a
 * reason of the parent). Returns ST_OK, ST_ENOMEM or ST_EIO.
 */
int st_walk_member(struct st_walk *w, struct st_input *in, struct st_part *parent,
		   const struct st_member *m, struct st_part **child);

/*
 * Verifies the regular file `relpath` under the directory dirfd (opened
 * without following symbolic links) as member m of a directory container
 * (m's offset, size, data and src are ignored). *child as for
 * st_walk_member. ST_OK also when the file cannot be opened or read (it
 * is not regular, it changed): *child is then NULL and the parent holds
 * ST_R_MALFORMED_CONTAINER naming it.
 */
int st_walk_file(struct st_walk *w, struct st_part *parent, int dirfd, const char *relpath,
		 const struct st_member *m, struct st_part **child);

/* Verifies the directory `relpath` under dirfd with the directory format
 * fmt into a new non-constituent child called `name` (the limits and
 * *child as for st_walk_member). */
int st_walk_directory(struct st_walk *w, struct st_part *parent, int dirfd, const char *relpath,
		      const char *name, const struct st_format *fmt, struct st_part **child);

/*
 * Directory trees inside a container (a bundle inside a disk image or a
 * DMG's volume), copied into a private temporary directory so that a
 * directory format verifies them as it verifies one on disk
 * (driver/staged_tree.c). The container first asks
 * st_directory_candidate whether any directory format may claim the
 * directory from its name and listing; then st_stage_new, st_stage_dir,
 * st_stage_file and st_stage_link under the descriptors st_stage_root and
 * st_stage_dir give (names are single components, made under their parent
 * with O_EXCL, never through a path); then st_stage_verify probes the copy
 * of the top directory `top` and, when a directory format claims it,
 * verifies it into a non-constituent child `name` of parent (a file of its
 * own for the per-file limits; *child NULL when none claims it: the
 * container then walks those files itself); st_stage_free removes the copy.
 *
 * st_stage_dir/file/link return ST_OK, ST_ENOMEM, or ST_STAGE_REFUSED when
 * the tree cannot be copied (a name no directory can hold, a limit, a
 * read or write that fails): st_stage_why says why (and *limited whether
 * a limit refused it), and the container
 * reports it and walks the files itself. st_stage_new returns ST_EIO
 * (errno set) when no temporary directory can be made.
 */
#define ST_STAGE_REFUSED 1
struct st_stage;
const struct st_format *st_directory_candidate(const char *name, const char *const *names, size_t n);
int st_stage_new(struct st_stage **out);
int st_stage_root(const struct st_stage *s);
int st_stage_dir(struct st_stage *s, int dirfd, const char *name, int *fd);
int st_stage_file(struct st_stage *s, int dirfd, const char *name, uint64_t size,
		  int (*read)(void *arg, uint64_t off, void *buf, size_t len), void *arg);
int st_stage_link(struct st_stage *s, int dirfd, const char *name, const char *target);
/* The directory `rel` ("a/b/c", made where missing; an archive names its
 * files by path) under the copy's root, open in *fd. */
int st_stage_dirs(struct st_stage *s, const char *rel, int *fd);
/* A hard link `name` under dirfd to the file `target` (a path from the
 * copy's root, "X.app/Contents/a") copied before: an archive's hard link
 * entry carries no data of its own. */
int st_stage_hardlink(struct st_stage *s, const char *target, int dirfd, const char *name);
/* For a copy no directory format claims, or one refused half-way: its
 * files under `top` that a format claims, verified one by one as members
 * of parent named `name/...`. */
int st_stage_walk_files(struct st_walk *w, struct st_part *parent, struct st_stage *s, const char *top,
			const char *name);
const char *st_stage_why(const struct st_stage *s, bool *limited);
int st_stage_verify(struct st_walk *w, struct st_part *parent, struct st_stage *s, const char *top,
		    const char *name, struct st_part **child);
void st_stage_free(struct st_stage *s);

/*
 * Members verified on other threads (st_context_set_member_threads), for a
 * container whose reads are not thread-safe (a disk image read through
 * TSK): the container reads a member whole and hands the bytes over; its
 * part is made at once, so children keep the container's order, and a
 * pool thread verifies it as a file of its own (st_member.own_file).
 *
 * st_member_pool_new sets *pool to NULL when members are to be verified
 * inline (one thread, or already on a pool's thread); st_member_pool_takes
 * says whether a member of that size goes to the pool (else verify it with
 * st_walk_member). st_member_pool_add takes `data` (m->size bytes in a
 * buffer from st_member_pool_buffer; the pool keeps it, also on error) and `props` (added to the
 * member's part once it is verified; emptied), checks the limits as
 * st_walk_member does, and waits while more than
 * ST_LIMIT_MEMBER_BYTES_IN_FLIGHT bytes wait to be verified.
 * st_member_pool_finish waits for every member, drops the part of a member
 * whose verification failed with ST_EIO (the parent records it), frees
 * the pool (NULL is fine) and returns the first other error. A container
 * that created a pool finishes it before it finishes its own part.
 */
struct st_member_pool;
int st_member_pool_new(struct st_walk *w, struct st_member_pool **pool);
bool st_member_pool_takes(const struct st_member_pool *pool, uint64_t size);
/* A buffer for a member of `size` bytes (at most ST_LIMIT_MEMBER_BYTES),
 * kept from an earlier member where one fits; NULL when out of memory.
 * It goes to st_member_pool_add, or back with st_member_pool_release. */
uint8_t *st_member_pool_buffer(struct st_member_pool *pool, uint64_t size);
void st_member_pool_release(struct st_member_pool *pool, uint8_t *data);
int st_member_pool_add(struct st_member_pool *pool, struct st_walk *w, struct st_part *parent,
		       const struct st_member *m, uint8_t *data, st_props *props);
/* The same for a member read through m->src, which must be concurrent
 * (st_source.concurrent: read from a pool thread while the container goes
 * on); release(m->src.arg) is called once it is verified (also on error). */
int st_member_pool_add_source(struct st_member_pool *pool, struct st_walk *w, struct st_part *parent,
			      const struct st_member *m, void (*release)(void *arg), st_props *props);
int st_member_pool_finish(struct st_member_pool *pool);

/* Whether the caller wants the member `name` handed over whatever its
 * content (st_context_set_found_files: its name ends with a suffix). */
bool st_walk_wants(const struct st_walk *w, const char *name);
/* Hands the wanted member `name` of parent to the caller's callback, with
 * its record path and a reader valid during the call. */
void st_walk_found(struct st_walk *w, const struct st_part *parent, const char *name, uint64_t size,
		   int (*read)(void *handle, uint64_t off, void *buf, size_t len), void *handle);

/* The format a file's first bytes show, or NULL (st_format.probe, in
 * registry order). */
const struct st_format *st_format_identify(const st_context *ctx, st_span head, uint64_t size);

/* The registry (lib/formats.def), in probe order. */
extern const struct st_format *const st_formats[];
extern const size_t st_nformats;

#endif

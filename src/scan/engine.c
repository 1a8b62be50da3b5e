/*
 * Parallel verification with bounded memory and stable output.
 *
 * The walker (main thread) puts paths into a ring of RING_PER_JOB * jobs
 * slots; workers claim slots in order and render each result to a string;
 * a printer thread prints the oldest slot as soon as it is done. Output is
 * therefore in input order whatever -j is, records stream out as they
 * finish even while the walker waits for input (--files-from -), and
 * memory is bounded by the ring, not by the number of files.
 */
#include "scan/engine.h"
#include "report/record.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RING_PER_JOB 8

struct slot {
	char *path;
	/* A member asked for by its record path ("disk.E01//p2/x.sys"): the
	 * file on disk is verified and only that record reported. NULL for a
	 * file. */
	char *member;
	char *error;       /* walker-side error message, or NULL */
	char *out;         /* rendered record(s) */
	size_t outlen;
	bool done;
	int verdict;       /* st_verdict, or -1 for an error */
	bool member_finding;  /* a part inside (not the file itself) is invalid or malformed */
	uint64_t bytes;
	st_result *res;    /* kept for the inventory, written by the printer */
};

struct engine {
	struct engine_opts o;
	pthread_mutex_t lock;
	pthread_cond_t work, ready;
	pthread_t *threads, printer;
	struct slot *ring;
	size_t cap;
	size_t fill, claim, print;   /* monotonically increasing indices */
	bool closing;
	/* statistics (under lock) */
	unsigned long counts[ST_VERDICT_NOT_EXECUTABLE + 1], errors, files, symlinks, resumed;
	bool db_failed;
	uint64_t bytes;
	bool finding, unreadable;
	struct timespec start, last_progress;
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- workers ------------------------------------------------------------- */

struct render_ctx {
	struct engine *e;
	FILE *f;
	const char *only;     /* report only the record of this path */
	int found;            /* its verdict, -1 until seen */
};

static void render_record(const struct record *r, void *arg)
{
	struct render_ctx *rc = arg;

	if (rc->only) {
		if (strcmp(r->path, rc->only) != 0)
			return;
		rc->found = r->part ? (int)st_part_verdict(r->part) : -1;
	}
	/* Non-executables inside containers are listed only with --all; so
	 * is a container that is no code itself (an archive) and was read
	 * whole: its members' records name it. */
	if (r->part != NULL && st_part_verdict(r->part) == ST_VERDICT_NOT_EXECUTABLE &&
	    (st_part_parent(r->part) || st_part_reason_count(r->part) == 0) && !rc->e->o.all &&
	    rc->e->o.render != RENDER_VERBOSE)
		return;
	switch (rc->e->o.render) {
	case RENDER_VERBOSE: report_text_verbose(rc->f, r); break;
	case RENDER_LINE: report_text_line(rc->f, r); break;
	case RENDER_NDJSON: report_ndjson(rc->f, r); break;
	case RENDER_CSV: report_csv(rc->f, r, false); break;
	case RENDER_SIGCHECK: report_csv(rc->f, r, true); break;
	case RENDER_TIMESKETCH: report_timesketch(rc->f, r); break;
	}
}

static void render(struct engine *e, struct slot *s, const st_result *res)
{
	FILE *f = open_memstream(&s->out, &s->outlen);

	if (!f)
		return;
	if (res) {
		struct render_ctx rc = { e, f, s->member, -1 };
		record_each(res, s->path, render_record, &rc);
		if (s->member)
			s->verdict = rc.found;
	} else if (e->o.render == RENDER_NDJSON) {
		report_ndjson_error(f, s->member ? s->member : s->path, s->error);
	} else if (e->o.render == RENDER_CSV || e->o.render == RENDER_SIGCHECK) {
		report_csv_error(f, s->member ? s->member : s->path, s->error, e->o.render == RENDER_SIGCHECK);
	} else if (e->o.render == RENDER_TIMESKETCH) {
		report_timesketch_error(f, s->member ? s->member : s->path, s->error);
	}
	fclose(f);
}

/* Whether any part inside p that is a record of its own is code (not a
 * non-executable), and whether any is a finding. */
static void members_of(const st_part *p, bool *code, bool *finding)
{
	for (size_t i = 0; i < st_part_child_count(p); i++) {
		const st_part *c = st_part_child(p, i);
		st_verdict v = st_part_verdict(c);

		if (!st_part_is_constituent(c)) {
			*code |= v != ST_VERDICT_NOT_EXECUTABLE;
			*finding |= v == ST_VERDICT_INVALID || v == ST_VERDICT_MALFORMED;
		}
		members_of(c, code, finding);
	}
}

static void process(struct engine *e, struct slot *s)
{
	bool code = false, finding = false;
	st_result *res = NULL;
	int rc;

	if (s->error) {
		s->verdict = -1;
		render(e, s, NULL);
		return;
	}
	/* A file that shrinks while it is read is ST_EIO with ESTALE: the
	 * library reads with pread and never raises SIGBUS. */
	rc = st_verify_file(e->o.ctx, s->path, &res);
	if (rc == ST_EIO && errno == ESTALE)
		s->error = strdup("file changed (shrank) while it was being read");
	if (rc != ST_OK) {
		if (!s->error) {
			const char *m = rc == ST_EIO ? strerror(errno)
				      : rc == ST_ETOOBIG ? "file exceeds --max-file-size; not verified"
				      : st_strerror(rc);
			s->error = strdup(m);
		}
		s->verdict = -1;
		render(e, s, NULL);
		return;
	}
	s->verdict = (int)st_result_verdict(res);
	s->bytes = st_result_file_size(res);
	if (s->member) {
		/* Only the member's record, its verdict the file's. */
		render(e, s, res);
		st_result_free(res);
		if (s->verdict < 0) {
			free(s->out);
			s->out = NULL;
			s->outlen = 0;
			s->error = strdup("no such file inside the container");
			render(e, s, NULL);
		}
		return;
	}
	/* A container that is no code itself (an archive) is shown and kept
	 * for the code inside it, and when it could not be read whole. */
	members_of(st_result_part(res), &code, &finding);
	s->member_finding = finding;
	if (s->verdict != ST_VERDICT_NOT_EXECUTABLE || code || st_result_reason_count(res) ||
	    e->o.all || e->o.render == RENDER_VERBOSE)
		render(e, s, res);
	if (e->o.inv && (s->verdict != ST_VERDICT_NOT_EXECUTABLE || code))
		s->res = res;
	else
		st_result_free(res);
}

static void *worker(void *arg)
{
	struct engine *e = arg;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		while (e->claim == e->fill && !e->closing)
			pthread_cond_wait(&e->work, &e->lock);
		if (e->claim == e->fill && e->closing)
			break;
		struct slot *s = &e->ring[e->claim++ % e->cap];
		pthread_mutex_unlock(&e->lock);
		process(e, s);
		pthread_mutex_lock(&e->lock);
		s->done = true;
		pthread_cond_broadcast(&e->ready);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

/* ---- printing (main thread) ---------------------------------------------- */

static void human_bytes(uint64_t b, char *buf, size_t len)
{
	if (b >= (1ULL << 30))
		snprintf(buf, len, "%.2f GiB", (double)b / (1 << 30));
	else
		snprintf(buf, len, "%.1f MiB", (double)b / (1 << 20));
}

static void progress(struct engine *e, bool force)
{
	char b[32];
	double t;
	unsigned long findings;

	if (!e->o.progress || (!force && since(&e->last_progress) < 0.25))
		return;
	clock_gettime(CLOCK_MONOTONIC, &e->last_progress);
	t = since(&e->start);
	findings = e->counts[ST_VERDICT_INVALID] + e->counts[ST_VERDICT_MALFORMED] +
		   e->counts[ST_VERDICT_UNTRUSTED];
	human_bytes(e->bytes, b, sizeof(b));
	fprintf(stderr, "\r\033[K%lu files, %s, %.0f MiB/s, %.0f files/s, %.1f s, %lu findings",
		e->files, b, t > 0 ? (double)e->bytes / (1 << 20) / t : 0.0,
		t > 0 ? (double)e->files / t : 0.0, t, findings);
	fflush(stderr);
}

/* Prints every completed slot at the head of the ring. Called by the
 * printer thread with the lock held; releases it around the output. */
static void drain_ready(struct engine *e)
{
	bool flushed = true;

	while (e->print < e->claim && e->ring[e->print % e->cap].done) {
		struct slot *s = &e->ring[e->print % e->cap];
		char *out = s->out, *path = s->path, *err = s->error, *member = s->member;
		size_t outlen = s->outlen;
		int v = s->verdict;
		st_result *res = s->res;

		e->files++;
		e->bytes += s->bytes;
		if (v < 0) {
			e->errors++;
			e->unreadable = true;
		} else {
			e->counts[v]++;
			if (v == ST_VERDICT_INVALID || v == ST_VERDICT_MALFORMED || s->member_finding)
				e->finding = true;
		}
		memset(s, 0, sizeof(*s));
		e->print++;
		pthread_cond_broadcast(&e->ready);
		pthread_mutex_unlock(&e->lock);
		if (out && outlen)
			fwrite(out, 1, outlen, stdout);
		if (res) {
			/* The printer is the inventory's only writer. */
			if (!e->db_failed && inventory_add(e->o.inv, path, res) != 0) {
				e->db_failed = true;
				fprintf(stderr, "sigtrace: inventory: %s\n", inventory_error(e->o.inv));
			}
			st_result_free(res);
		}
		if (v < 0) {
			if (e->o.progress)
				fputs("\r\033[K", stderr);
			fprintf(stderr, "sigtrace: %s: %s\n", member ? member : path, err ? err : "error");
		}
		free(out);
		free(path);
		free(member);
		free(err);
		pthread_mutex_lock(&e->lock);
		flushed = false;
	}
	if (!flushed) {
		/* Records stream out: a consumer reading a pipe sees each one
		 * when every earlier file is done. */
		pthread_mutex_unlock(&e->lock);
		fflush(stdout);
		pthread_mutex_lock(&e->lock);
	}
	progress(e, false);
}

static void wait_a_little(struct engine *e)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 200 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&e->ready, &e->lock, &ts);
}

static void *printer(void *arg)
{
	struct engine *e = arg;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		drain_ready(e);
		if (e->closing && e->print == e->fill)
			break;
		wait_a_little(e);
		if (e->o.inv && !e->db_failed) {
			/* Idle input: commit what is done so an interrupted scan
			 * loses at most about a second of work. */
			pthread_mutex_unlock(&e->lock);
			if (inventory_tick(e->o.inv) != 0) {
				e->db_failed = true;
				fprintf(stderr, "sigtrace: inventory: %s\n", inventory_error(e->o.inv));
			}
			pthread_mutex_lock(&e->lock);
		}
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

/*
 * A path that names a file inside a container ("disk.E01//p2/x.sys",
 * docs/images.md): the file on disk is the longest prefix before a "//"
 * that is a regular file. NULL when path is no such name.
 */
static char *container_of(const char *path)
{
	struct stat st;
	char *outer = NULL;

	if (!strstr(path, "//") || stat(path, &st) == 0)
		return NULL;
	for (const char *p = strstr(path, "//"); p; p = strstr(p + 2, "//")) {
		char *cand = strndup(path, (size_t)(p - path));
		if (cand && *cand && stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			free(outer);
			outer = cand;
		} else {
			free(cand);
		}
	}
	return outer;
}

static void enqueue(struct engine *e, const char *path, const char *err)
{
	char *outer = err ? NULL : container_of(path);
	char *p = outer ? outer : strdup(path), *m = err ? strdup(err) : NULL;
	char *member = outer ? strdup(path) : NULL;

	pthread_mutex_lock(&e->lock);
	while (e->fill - e->print >= e->cap)
		pthread_cond_wait(&e->ready, &e->lock);
	struct slot *s = &e->ring[e->fill % e->cap];
	memset(s, 0, sizeof(*s));
	s->path = p;
	s->error = m;
	s->member = member;
	e->fill++;
	pthread_cond_signal(&e->work);
	pthread_mutex_unlock(&e->lock);
}

void engine_add_file(struct engine *e, const char *path)
{
	if (e->o.resume && e->o.inv && inventory_seen(e->o.inv, path)) {
		pthread_mutex_lock(&e->lock);
		e->resumed++;
		pthread_mutex_unlock(&e->lock);
		return;
	}
	enqueue(e, path, NULL);
}

void engine_add_error(struct engine *e, const char *path, const char *msg)
{
	enqueue(e, path, msg);
}

void engine_note_symlink(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	e->symlinks++;
	pthread_mutex_unlock(&e->lock);
}

/* ---- lifecycle ----------------------------------------------------------- */

int engine_start(struct engine **out, const struct engine_opts *o)
{
	struct engine *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e)
		return -1;
	e->o = *o;
	if (e->o.jobs < 1)
		e->o.jobs = 1;
	e->cap = (size_t)e->o.jobs * RING_PER_JOB;
	e->ring = calloc(e->cap, sizeof(*e->ring));
	e->threads = calloc((size_t)e->o.jobs, sizeof(*e->threads));
	if (!e->ring || !e->threads) {
		free(e->ring);
		free(e->threads);
		free(e);
		return -1;
	}
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->work, NULL);
	pthread_cond_init(&e->ready, NULL);
	clock_gettime(CLOCK_MONOTONIC, &e->start);
	for (int i = 0; i < e->o.jobs; i++)
		pthread_create(&e->threads[i], NULL, worker, e);
	pthread_create(&e->printer, NULL, printer, e);
	*out = e;
	return 0;
}

int engine_finish(struct engine *e)
{
	int rc;

	pthread_mutex_lock(&e->lock);
	e->closing = true;
	pthread_cond_broadcast(&e->work);
	pthread_cond_broadcast(&e->ready);
	pthread_mutex_unlock(&e->lock);
	for (int i = 0; i < e->o.jobs; i++)
		pthread_join(e->threads[i], NULL);
	pthread_join(e->printer, NULL);
	fflush(stdout);
	if (e->o.progress)
		fputs("\r\033[K", stderr);
	if (e->o.summary) {
		char b[32];
		double t = since(&e->start);
		human_bytes(e->bytes, b, sizeof(b));
		fprintf(stderr,
			"sigtrace: %lu files: %lu valid, %lu untrusted, %lu invalid, %lu malformed, "
			"%lu unsigned, %lu not executable, %lu errors; %lu symbolic links not followed; "
			"%lu already in the inventory; %s in %.2f s (%.0f MiB/s, %.0f files/s)\n",
			e->files, e->counts[ST_VERDICT_VALID], e->counts[ST_VERDICT_UNTRUSTED],
			e->counts[ST_VERDICT_INVALID], e->counts[ST_VERDICT_MALFORMED],
			e->counts[ST_VERDICT_UNSIGNED], e->counts[ST_VERDICT_NOT_EXECUTABLE],
			e->errors, e->symlinks, e->resumed, b, t, t > 0 ? (double)e->bytes / (1 << 20) / t : 0.0,
			t > 0 ? (double)e->files / t : 0.0);
	}
	rc = e->unreadable || e->db_failed ? EXIT_UNREADABLE : e->finding ? EXIT_FINDING : EXIT_CLEAN;
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->work);
	pthread_cond_destroy(&e->ready);
	free(e->ring);
	free(e->threads);
	free(e);
	return rc;
}

st_context *engine_context(struct engine *e)
{
	return e->o.ctx;
}

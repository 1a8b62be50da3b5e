/* Inputs in memory or read through a source (input.h). */
#include "core/input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/result.h"

struct st_view_buf {
	struct st_view_buf *next;
	uint8_t data[];
};

void st_input_init_mem(struct st_input *in, const uint8_t *data, uint64_t size)
{
	memset(in, 0, sizeof(*in));
	in->mem = data ? data : (const uint8_t *)"";
	in->size = size;
}

void st_input_init_source(struct st_input *in, struct st_source src, uint64_t base,
			  uint64_t size)
{
	memset(in, 0, sizeof(*in));
	in->src = src;
	in->base = base;
	in->size = size;
}

bool st_input_init_range(struct st_input *in, const struct st_input *parent,
			 uint64_t off, uint64_t len)
{
	uint64_t end;

	if (!st_add_u64(off, len, &end) || end > parent->size)
		return false;
	if (parent->mem)
		st_input_init_mem(in, parent->mem + off, len);
	else
		st_input_init_source(in, parent->src, parent->base + off, len);
	return true;
}

void st_input_clear(struct st_input *in)
{
	struct st_view_buf *v = in->views, *next;

	for (; v; v = next) {
		next = v->next;
		free(v);
	}
	in->views = NULL;
	in->view_bytes = 0;
	free(in->win);
	in->win = NULL;
	in->win_cap = in->win_len = 0;
}

static bool inside(const struct st_input *in, uint64_t off, uint64_t len)
{
	uint64_t end;

	return st_add_u64(off, len, &end) && end <= in->size;
}

int st_input_view(struct st_input *in, uint64_t off, uint64_t len, st_span *out)
{
	struct st_view_buf *v;
	int rc;

	if (!inside(in, off, len) || len > SIZE_MAX)
		return ST_PARSE_MALFORMED;
	if (in->mem) {
		*out = st_span_make(in->mem + off, (size_t)len);
		return ST_OK;
	}
	if (len == 0) {
		*out = st_span_make((const uint8_t *)"", 0);
		return ST_OK;
	}
	/* A window already holding the range serves it without a copy only
	 * until the window moves; views must stay valid, so they are copied. */
	if (len > ST_LIMIT_VIEW_BYTES || in->view_bytes > ST_LIMIT_VIEW_BYTES - len)
		return ST_PARSE_LIMIT;
	v = malloc(sizeof(*v) + (size_t)len);
	if (!v)
		return ST_ENOMEM;
	rc = in->src.read(in->src.arg, in->base + off, v->data, (size_t)len);
	if (rc) {
		free(v);
		return rc;
	}
	v->next = in->views;
	in->views = v;
	in->view_bytes += len;
	*out = st_span_make(v->data, (size_t)len);
	return ST_OK;
}

int st_input_window(struct st_input *in, uint64_t off, uint64_t len, st_span *out)
{
	uint64_t want;
	int rc;

	if (!inside(in, off, len) || len > ST_INPUT_WINDOW)
		return ST_PARSE_MALFORMED;
	if (in->mem) {
		*out = st_span_make(in->mem + off, (size_t)len);
		return ST_OK;
	}
	if (in->win && off >= in->win_off && off - in->win_off + len <= in->win_len) {
		*out = st_span_make(in->win + (off - in->win_off), (size_t)len);
		return ST_OK;
	}
	if (!in->win) {
		in->win = malloc(ST_INPUT_WINDOW);
		if (!in->win)
			return ST_ENOMEM;
		in->win_cap = ST_INPUT_WINDOW;
	}
	want = in->size - off < ST_INPUT_WINDOW ? in->size - off : ST_INPUT_WINDOW;
	in->win_len = 0;
	rc = want ? in->src.read(in->src.arg, in->base + off, in->win, (size_t)want) : ST_OK;
	if (rc)
		return rc;
	in->win_off = off;
	in->win_len = (size_t)want;
	*out = st_span_make(in->win, (size_t)len);
	return ST_OK;
}

int st_input_read(struct st_input *in, uint64_t off, void *buf, size_t len)
{
	if (!inside(in, off, len))
		return ST_PARSE_MALFORMED;
	if (in->mem) {
		memcpy(buf, in->mem + off, len);
		return ST_OK;
	}
	return len ? in->src.read(in->src.arg, in->base + off, buf, len) : ST_OK;
}

int st_input_each(struct st_input *in, uint64_t off, uint64_t len,
		  int (*fn)(void *arg, const uint8_t *p, size_t n), void *arg)
{
	while (len) {
		uint64_t n = len < ST_INPUT_WINDOW ? len : ST_INPUT_WINDOW;
		st_span s;
		int rc = st_input_window(in, off, n, &s);
		if (rc)
			return rc < 0 ? rc : ST_EIO;
		if ((rc = fn(arg, s.data, s.len)))
			return rc;
		off += n;
		len -= n;
	}
	return ST_OK;
}

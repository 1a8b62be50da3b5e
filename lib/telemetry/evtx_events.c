/*
 * Windows event logs as execution events (sigtrace.h). libevtx reads the
 * file, its chunks and the binary XML of each record and renders a record
 * as XML text; libxml2 reads that text for the EventData values by name
 * (the order of values depends on the provider's version, the names do
 * not). Only records of the providers and IDs of event_map.c are rendered.
 */
#include <libevtx.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "telemetry/telemetry.h"

/* libevtx reports errors as objects to be freed; sigtrace counts the
 * record and goes on. */
static void drop(libevtx_error_t **error)
{
	if (*error)
		libevtx_error_free(error);
}

/* NDJSON: the first byte that is not white space opens a JSON object. */
static bool looks_ndjson(FILE *fp)
{
	int c;

	while ((c = fgetc(fp)) == ' ' || c == '\t' || c == '\r' || c == '\n')
		;
	rewind(fp);
	return c == '{';
}

int st_events_open(st_events **out, const char *path)
{
	st_events *ev;
	libevtx_error_t *error = NULL;
	libevtx_file_t *file = NULL;
	int is_evtx;

	*out = NULL;
	if (!path)
		return ST_EINVAL;
	if (!(ev = calloc(1, sizeof(*ev))))
		return ST_ENOMEM;
	is_evtx = libevtx_check_file_signature(path, &error);
	drop(&error);
	if (is_evtx != 1) {
		/* Winlogbeat's and Elastic Agent's NDJSON (ecs_events.c). */
		if (!(ev->fp = fopen(path, "rb"))) {
			free(ev);
			return ST_EIO;
		}
		if (!looks_ndjson(ev->fp)) {
			st_events_free(ev);
			return ST_EINVAL;
		}
		ev->ndjson = true;
		*out = ev;
		return ST_OK;
	}
	if (libevtx_file_initialize(&file, &error) != 1) {
		drop(&error);
		st_events_free(ev);
		return ST_EIO;
	}
	ev->file = file;
	if (libevtx_file_open(file, path, LIBEVTX_OPEN_READ, &error) != 1 ||
	    libevtx_file_get_number_of_records(file, &ev->count, &error) != 1) {
		drop(&error);
		st_events_free(ev);
		return ST_EIO;
	}
	*out = ev;
	return ST_OK;
}

/* A UTF-8 string of a record, through libevtx's size-then-copy pair. */
static char *record_string(libevtx_record_t *r,
			   int (*size_fn)(libevtx_record_t *, size_t *, libevtx_error_t **),
			   int (*get_fn)(libevtx_record_t *, uint8_t *, size_t, libevtx_error_t **), size_t max)
{
	libevtx_error_t *error = NULL;
	size_t size = 0;
	uint8_t *s;

	if (size_fn(r, &size, &error) != 1 || size == 0 || size > max) {
		drop(&error);
		return NULL;
	}
	if (!(s = malloc(size)))
		return NULL;
	if (get_fn(r, s, size, &error) != 1) {
		drop(&error);
		free(s);
		return NULL;
	}
	s[size - 1] = '\0';
	return (char *)s;
}

static bool named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

int event_from_xml(struct st_event *e, const struct event_map *m, const char *xml, size_t len)
{
	xmlDoc *doc;
	xmlNode *root;
	int rc = 0;

	if (len > ST_EVENT_XML_MAX || len > (size_t)INT32_MAX)
		return -1;
	/* No network, no entity expansion, no DTD: the text is the log's. */
	doc = xmlReadMemory(xml, (int)len, NULL, "UTF-8",
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!root || !named(root, "Event")) {
		xmlFreeDoc(doc);
		return -1;
	}
	for (xmlNode *sec = root->children; sec && rc == 0; sec = sec->next) {
		if (named(sec, "System")) {
			for (xmlNode *n = sec->children; n; n = n->next) {
				if (named(n, "Computer")) {
					xmlChar *c = xmlNodeGetContent(n);
					if (c)
						snprintf(e->host, sizeof(e->host), "%s", (const char *)c);
					xmlFree(c);
				} else if (named(n, "Correlation")) {
					xmlChar *a = xmlGetProp(n, (const xmlChar *)"ActivityID");
					if (a && *a)
						rc = event_set(e, EV_FIELD_ACTIVITY, (const char *)a);
					xmlFree(a);
				} else if (named(n, "EventRecordID")) {
					/* The record number as the log shows it (the
					 * record header's may restart in an exported log). */
					xmlChar *c = xmlNodeGetContent(n);
					char *end = NULL;
					unsigned long long v = c ? strtoull((const char *)c, &end, 10) : 0;
					if (c && end && *end == '\0' && end != (char *)c)
						e->record = (uint64_t)v;
					xmlFree(c);
				} else if (named(n, "TimeCreated")) {
					xmlChar *t = xmlGetProp(n, (const xmlChar *)"SystemTime");
					struct tm tm = { 0 };
					const char *rest = t ? strptime((const char *)t, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
					if (rest)
						e->time = (int64_t)timegm(&tm);
					xmlFree(t);
				}
			}
		} else if (named(sec, "UserData") && m->user_data) {
			/* <UserData><WinVerifyTrust><FileInfo filePath=".."/>...:
			 * the names are "Element@attribute" of the children. */
			for (xmlNode *top = sec->children; top && rc == 0; top = top->next) {
				if (top->type != XML_ELEMENT_NODE)
					continue;
				for (xmlNode *d = top->children; d && rc == 0; d = d->next) {
					if (d->type != XML_ELEMENT_NODE)
						continue;
					for (xmlAttr *a = d->properties; a && rc == 0; a = a->next) {
						char name[128];
						xmlChar *value = xmlNodeGetContent((xmlNode *)a);
						snprintf(name, sizeof(name), "%s@%s", (const char *)d->name,
							 (const char *)a->name);
						rc = event_map_apply(m, e, name, value ? (const char *)value : "");
						xmlFree(value);
					}
				}
			}
		} else if (named(sec, "EventData")) {
			for (xmlNode *d = sec->children; d && rc == 0; d = d->next) {
				xmlChar *name, *value;
				if (!named(d, "Data") || !(name = xmlGetProp(d, (const xmlChar *)"Name")))
					continue;
				value = xmlNodeGetContent(d);
				rc = event_map_apply(m, e, (const char *)name, value ? (const char *)value : "");
				xmlFree(name);
				xmlFree(value);
			}
		}
	}
	xmlFreeDoc(doc);
	return rc ? rc : event_finish(e);
}

/* 100 ns intervals since 1601 to seconds since 1970. */
static int64_t unix_time(uint64_t filetime)
{
	return (int64_t)(filetime / 10000000u) - INT64_C(11644473600);
}

/* The provider and event ID of the record at index i, and its XML when
 * the pair has a map: 1, 0 when the record is not one sigtrace takes, -1
 * when it cannot be read. */
static int read_record(st_events *ev, int i, const struct event_map **m, char **xml, uint64_t *number,
		       uint64_t *written)
{
	libevtx_record_t *r = NULL;
	libevtx_error_t *error = NULL;
	uint32_t id = 0;
	char *provider;

	*m = NULL;
	*xml = NULL;
	if (libevtx_file_get_record_by_index((libevtx_file_t *)ev->file, i, &r, &error) != 1) {
		drop(&error);
		return -1;
	}
	provider = record_string(r, libevtx_record_get_utf8_source_name_size, libevtx_record_get_utf8_source_name,
				 1024);
	if (libevtx_record_get_event_identifier(r, &id, &error) != 1 || !provider) {
		drop(&error);
		free(provider);
		libevtx_record_free(&r, NULL);
		return -1;
	}
	*m = event_map_find(provider, id & 0xffff);
	free(provider);
	if (!*m) {
		libevtx_record_free(&r, NULL);
		return 0;
	}
	(void)libevtx_record_get_identifier(r, number, NULL);
	(void)libevtx_record_get_written_time(r, written, NULL);
	*xml = record_string(r, libevtx_record_get_utf8_xml_string_size, libevtx_record_get_utf8_xml_string,
			     ST_EVENT_XML_MAX);
	libevtx_record_free(&r, NULL);
	return 1;
}

/* The signer of a Code Integrity load: its 3089, one of the next few
 * records with the same ActivityID. Records looked at here are read again
 * in their turn (and counted then). */
static void find_signer(st_events *ev)
{
	for (int i = ev->next; i < ev->count && i < ev->next + ST_EVENT_CI_LOOKAHEAD; i++) {
		const struct event_map *m;
		struct st_event s = { 0 };
		uint64_t number = 0, written = 0;
		char *xml;
		bool done = false;

		if (read_record(ev, i, &m, &xml, &number, &written) != 1 || !m->signature_info) {
			free(xml);
			continue;
		}
		s.source = m->source;
		if (xml && event_from_xml(&s, m, xml, strlen(xml)) == 0)
			done = event_take_signer(&ev->ev, &s);
		event_clear(&s);
		free(xml);
		if (done)
			break;
	}
}

int st_events_next(st_events *ev, const st_event **out)
{
	*out = NULL;
	event_clear(&ev->ev);
	if (ev->ndjson)
		return ndjson_next(ev, out);
	while (ev->next < ev->count) {
		const struct event_map *m;
		uint64_t number = 0, written = 0;
		char *xml;
		int ok;

		ev->records++;
		ok = read_record(ev, ev->next++, &m, &xml, &number, &written);
		if (ok < 0) {
			ev->malformed++;
			continue;
		}
		if (ok == 0 || m->signature_info) {
			free(xml);
			ev->other++;
			continue;
		}
		ev->ev = (struct st_event){ .kind = m->kind, .source = m->source, .id = m->id,
					    .record = number, .time = unix_time(written) };
		ok = xml && event_from_xml(&ev->ev, m, xml, strlen(xml)) == 0 && ev->ev.field[ST_FIELD_IMAGE];
		free(xml);
		if (!ok) {
			event_clear(&ev->ev);
			ev->malformed++;
			continue;
		}
		if (ev->ev.field[EV_FIELD_ACTIVITY] && strcmp(m->source, "codeintegrity") == 0)
			find_signer(ev);
		*out = &ev->ev;
		return 1;
	}
	return 0;
}

size_t st_events_records(const st_events *ev) { return ev->records; }
size_t st_events_other(const st_events *ev) { return ev->other; }
size_t st_events_malformed(const st_events *ev) { return ev->malformed; }

void st_events_free(st_events *ev)
{
	if (!ev)
		return;
	event_clear(&ev->ev);
	if (ev->file) {
		libevtx_file_t *file = ev->file;
		(void)libevtx_file_close(file, NULL);
		(void)libevtx_file_free(&file, NULL);
	}
	if (ev->fp)
		fclose(ev->fp);
	free(ev->line);
	free(ev);
}

st_event_kind st_event_kind_of(const st_event *e) { return e->kind; }

const char *st_event_kind_name(st_event_kind k)
{
	switch (k) {
	case ST_EVENT_PROCESS: return "process";
	case ST_EVENT_IMAGE_LOAD: return "image_load";
	case ST_EVENT_DRIVER_LOAD: return "driver_load";
	case ST_EVENT_BLOCKED_LOAD: return "blocked_load";
	case ST_EVENT_TRUST_CHECK: return "trust_check";
	}
	return "?";
}

const char *st_event_source(const st_event *e) { return e->source; }
uint32_t st_event_id(const st_event *e) { return e->id; }
uint64_t st_event_record(const st_event *e) { return e->record; }
int64_t st_event_time(const st_event *e) { return e->time; }
const char *st_event_host(const st_event *e) { return e->host; }

const char *st_event_get(const st_event *e, st_event_field f)
{
	return (int)f >= 0 && f < ST_FIELD_COUNT ? e->field[f] : NULL;
}

/* Execution events from the XML rendering of records (event_map.c,
 * evtx_events.c) on the seeds of fuzz/corpus/fuzz_evtx, and the join key
 * of logged paths (src/telemetry/pathkey.c). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "telemetry/pathkey.h"
#include "telemetry/telemetry.h"

static char *slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;

	snprintf(path, sizeof(path), "%s/fuzz/corpus/fuzz_evtx/%s", SOURCE_ROOT, name);
	if (!(f = fopen(path, "rb")))
		return NULL;
	buf = calloc(1, 1 << 16);
	*len = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
	fclose(f);
	return buf;
}

static int load(struct st_event *e, const char *name, const char *provider, uint32_t id)
{
	size_t len = 0;
	char *xml = slurp(name, &len);
	const struct event_map *m = event_map_find(provider, id);
	int rc;

	/* As the reader starts an event of its map. */
	if (m) {
		e->kind = m->kind;
		e->source = m->source;
		e->id = m->id;
	}
	rc = xml ? event_from_xml(e, m, xml, len) : -1;

	free(xml);
	return rc;
}

static int eq(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}
#define EQ eq

int main(void)
{
	struct st_event e = { 0 };
	char key[256];

	CHECK(load(&e, "sysmon-1-process.xml", "Microsoft-Windows-Sysmon", 1) == 0, "Sysmon 1 read");
	CHECK(EQ(e.field[ST_FIELD_IMAGE], "C:\\Users\\alice\\AppData\\Local\\Temp\\update.exe"), "Sysmon 1 Image");
	CHECK(EQ(e.field[ST_FIELD_COMMAND_LINE],
		 "\"C:\\Users\\alice\\AppData\\Local\\Temp\\update.exe\" /silent & exit"),
	      "Sysmon 1 CommandLine, XML entities decoded");
	CHECK(EQ(e.field[ST_FIELD_SHA256], "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff") &&
		      EQ(e.field[ST_FIELD_SHA1], "0123456789abcdef0123456789abcdef01234567") &&
		      EQ(e.field[ST_FIELD_MD5], "0123456789abcdef0123456789abcdef"),
	      "Sysmon Hashes split and lower-cased (IMPHASH ignored)");
	CHECK(EQ(e.field[ST_FIELD_USER], "EXAMPLE\\alice") && EQ(e.field[ST_FIELD_PARENT_IMAGE], "C:\\Windows\\explorer.exe"),
	      "Sysmon 1 User and ParentImage");
	CHECK(EQ(e.host, "WS01.example.test") && e.record == 1001 && e.time == 1748772000,
	      "Computer, EventRecordID and TimeCreated from System");
	event_clear(&e);

	CHECK(load(&e, "sysmon-7-image-load.xml", "Microsoft-Windows-Sysmon", 7) == 0 &&
		      EQ(e.field[ST_FIELD_IMAGE], "C:\\ProgramData\\Vendor\\version.dll") &&
		      EQ(e.field[ST_FIELD_PROCESS_IMAGE], "C:\\Program Files\\Vendor\\signed-host.exe") &&
		      EQ(e.field[ST_FIELD_SIGNED], "false") && EQ(e.field[ST_FIELD_SIGNATURE_STATUS], "Unavailable") &&
		      e.field[ST_FIELD_SIGNATURE] == NULL,
	      "Sysmon 7: ImageLoaded, the loading process, Windows' judgement; an empty Signature is absent");
	event_clear(&e);
	CHECK(load(&e, "sysmon-6-driver.xml", "Microsoft-Windows-Sysmon", 6) == 0 &&
		      EQ(e.field[ST_FIELD_SIGNATURE], "Example Hardware Ltd") &&
		      EQ(e.field[ST_FIELD_SIGNATURE_STATUS], "Expired") && e.field[ST_FIELD_SHA256] == NULL,
	      "Sysmon 6: a driver's signer and status; no SHA256 in Hashes, none taken");
	event_clear(&e);
	CHECK(load(&e, "security-4688.xml", "Microsoft-Windows-Security-Auditing", 4688) == 0 &&
		      EQ(e.field[ST_FIELD_IMAGE], "\\Device\\HarddiskVolume3\\Windows\\System32\\cmd.exe") &&
		      EQ(e.field[ST_FIELD_USER], "EXAMPLE\\alice") && EQ(e.field[ST_FIELD_COMMAND_LINE], "cmd.exe /c whoami"),
	      "Security 4688: NewProcessName, DOMAIN\\user, CommandLine");
	event_clear(&e);
	{
		struct st_event sig = { 0 };
		CHECK(load(&e, "codeintegrity-3033.xml", CODE_INTEGRITY, 3033) == 0 &&
			      e.kind == ST_EVENT_BLOCKED_LOAD &&
			      EQ(e.field[ST_FIELD_IMAGE],
				 "\\Device\\HarddiskVolume3\\Users\\alice\\AppData\\Local\\App\\hook.dll") &&
			      EQ(e.field[ST_FIELD_PROCESS_IMAGE], "\\Device\\HarddiskVolume3\\Windows\\System32\\lsass.exe") &&
			      EQ(e.field[ST_FIELD_SIGNATURE_STATUS],
				 "Code Integrity 3033: blocked: signing level 8 required, 1 validated") &&
			      EQ(e.field[EV_FIELD_ACTIVITY], "{E4DB489E-1037-0002-799D-F2E43710DA01}") &&
			      e.field[ST_FIELD_SIGNED] == NULL,
		      "Code Integrity 3033: a blocked load, its process, levels and correlation ActivityID; no Signed");
		CHECK(load(&sig, "codeintegrity-3089.xml", CODE_INTEGRITY, 3089) == 0 && event_take_signer(&e, &sig) &&
			      EQ(e.field[ST_FIELD_SIGNATURE], "Example Publisher") && !event_take_signer(&e, &sig),
		      "Code Integrity 3089: the signer joins the load of the same ActivityID (case aside), once");
		event_clear(&sig);
		event_clear(&e);
		CHECK(load(&e, "codeintegrity-3076.xml", CODE_INTEGRITY, 3076) == 0 && e.kind == ST_EVENT_DRIVER_LOAD &&
			      EQ(e.field[ST_FIELD_SHA256],
				 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff") &&
			      e.field[ST_FIELD_SHA1] == NULL &&
			      EQ(e.field[ST_FIELD_SIGNATURE_STATUS], "Code Integrity 3076: audit only, loaded: signing "
								     "level 12 required, 1 validated; policy Example Driver Policy"),
		      "Code Integrity 3076: loaded by System is a driver load; the flat hash, not the Authenticode one; "
		      "a hash that is not hex left out");
		event_clear(&e);
		CHECK(load(&e, "codeintegrity-3089.xml", CODE_INTEGRITY, 3076) == 0 &&
			      !event_take_signer(&e, &e) && e.field[ST_FIELD_IMAGE] == NULL,
		      "Code Integrity: a record without a file name is no load");
		event_clear(&e);
	}
	{
		char path[1024];
		st_events *ev = NULL;
		const st_event *x = NULL;
		snprintf(path, sizeof(path), "%s/fuzz/corpus/fuzz_evtx/eslogger-exec.json", SOURCE_ROOT);
		CHECK(st_events_open(&ev, path) == ST_OK && st_events_next(ev, &x) == 1 &&
			      st_event_kind_of(x) == ST_EVENT_PROCESS && EQ(st_event_source(x), "eslogger") &&
			      EQ(st_event_get(x, ST_FIELD_IMAGE), "/Applications/Demo.app/Contents/MacOS/Demo") &&
			      EQ(st_event_get(x, ST_FIELD_CDHASH), "681fb7b8a0fc209810598c6fc06f82a2cdb61223") &&
			      EQ(st_event_get(x, ST_FIELD_SIGNATURE), "org.sigtrace.e2e.demo (team SIGTRACE42)") &&
			      EQ(st_event_get(x, ST_FIELD_SIGNATURE_STATUS), "Valid") &&
			      EQ(st_event_get(x, ST_FIELD_PARENT_IMAGE), "/sbin/launchd") &&
			      st_event_record(x) == 4242 && st_events_next(ev, &x) == 0 && st_events_other(ev) == 1,
		      "eslogger: an exec event (target, CDHash, signing identity, the kernel's judgement); other events counted");
		st_events_free(ev);
	}
	CHECK(load(&e, "capi2-81.xml", "Microsoft-Windows-CAPI2", 81) == 0 && e.kind == ST_EVENT_TRUST_CHECK &&
		      EQ(e.field[ST_FIELD_IMAGE], "C:\\Users\\alice\\Downloads\\setup.exe") &&
		      EQ(e.field[ST_FIELD_PROCESS_IMAGE], "explorer.exe") && EQ(e.field[ST_FIELD_SIGNED], "false") &&
		      EQ(e.field[ST_FIELD_SIGNATURE_STATUS], "WinVerifyTrust 0x800B0100"),
	      "CAPI2 81: UserData attributes; a failed WinVerifyTrust is not signed, its HRESULT the status");
	event_clear(&e);
	CHECK(load(&e, "empty.evtx", "Microsoft-Windows-Sysmon", 1) == -1, "not XML: refused, nothing taken");
	event_clear(&e);
	CHECK(event_map_find("Microsoft-Windows-Sysmon", 11) == NULL &&
		      event_map_find("Microsoft-Windows-Security-Auditing", 4624) == NULL,
	      "events that are not executions have no map");

	CHECK(image_key("C:\\Windows\\System32\\cmd.exe", key, sizeof(key)) == 0 && EQ(key, "windows/system32/cmd.exe"),
	      "key: drive letter, separators, case");
	CHECK(image_key("\\Device\\HarddiskVolume3\\Windows\\System32\\cmd.exe", key, sizeof(key)) == 0 &&
		      EQ(key, "windows/system32/cmd.exe"),
	      "key: \\Device\\HarddiskVolumeN");
	CHECK(image_key("\\SystemRoot\\System32\\drivers\\x.sys", key, sizeof(key)) == 0 &&
		      EQ(key, "windows/system32/drivers/x.sys"),
	      "key: \\SystemRoot");
	CHECK(image_key("\\\\?\\C:\\Program Files\\A\\\\b.dll", key, sizeof(key)) == 0 && EQ(key, "program files/a/b.dll"),
	      "key: \\\\?\\ prefix, doubled separators");
	CHECK(image_key("C:\\", key, sizeof(key)) == -1 && image_key("x", key, 1) == -1, "key: nothing left, no room");
	return harness_done();
}

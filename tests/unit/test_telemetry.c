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
	int rc = xml ? event_from_xml(e, event_map_find(provider, id), xml, len) : -1;

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

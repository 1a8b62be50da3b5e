#include <string.h>
#include <time.h>

#include "cli/cli.h"

void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == ST_TIME_NONE || !gmtime_r(&tt, &tm))
		buf[0] = '\0';
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


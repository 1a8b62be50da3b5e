/*
 * Standalone driver for the fuzz targets: replays corpus files (or every
 * file in corpus directories) through LLVMFuzzerTestOneInput, so the corpora
 * run as ordinary tests under gcc and the sanitizers. Prints one PASS line
 * per input (a crash aborts the process, which fails the test) and a
 * closing "N passed, N failed".
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int passed, failed;

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		printf("FAIL %s: cannot read\n", path);
		failed++;
		if (f)
			fclose(f);
		return;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		printf("FAIL %s: cannot read\n", path);
		failed++;
	} else {
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		printf("PASS %s\n", path);
		passed++;
	}
	free(buf);
	fclose(f);
}

static void run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		printf("FAIL %s: missing\n", path);
		failed++;
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		struct dirent **names;
		int n = scandir(path, &names, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			if (names[i]->d_name[0] != '.') {
				char full[4096];
				snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
				run_path(full);
			}
			free(names[i]);
		}
		free(names);
	} else {
		run_file(path);
	}
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

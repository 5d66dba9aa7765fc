/*
 * run_corpus.c - a main() for the fuzz harnesses without libFuzzer: it
 * runs LLVMFuzzerTestOneInput() once on each file named on the command
 * line (a directory: on each file in it), so the seed corpora and the
 * saved crash inputs can be replayed by any compiler, under valgrind or
 * in a plain sanitizer build.  Exit 0 when every input ran through.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, k;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (n == cap && (buf = realloc(buf, cap = cap * 2 + 4096)) ==
		    NULL)
			abort();
		k = fread(buf + n, 1, cap - n, fp);
		n += k;
	} while (k > 0);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int
run_path(const char *path, unsigned *count)
{
	struct dirent *de;
	struct stat st;
	char *sub;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((sub = malloc(strlen(path) + strlen(de->d_name) + 2)) ==
		    NULL)
			abort();
		snprintf(sub, strlen(path) + strlen(de->d_name) + 2, "%s/%s",
		    path, de->d_name);
		rc |= run_path(sub, count);
		free(sub);
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned count = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++)
		rc |= run_path(argv[i], &count);
	printf("%u inputs ran\n", count);
	return rc == 0 ? 0 : 1;
}

/* fuzz/replay.c — runs a fuzz target without libFuzzer: every regular file under the directories
 * (or the files) named on the command line is given to LLVMFuzzerTestOneInput once. Built with
 * the project's normal compiler, so the corpus and every input that once crashed a target are
 * replayed by the normal, ASan and valgrind test runs (ctest label fuzz-replay). */
#define _XOPEN_SOURCE 700
#include "fuzz_util.h"

#include "util/fs.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

/* Targets that need one-time setup define it (libFuzzer calls it the same way). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static size_t replayed;

static int one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type != FTW_F)
		return 0;
	char *data = NULL;
	size_t len = 0;
	if (drill_fs_read_file(&data, &len, path, (size_t)64 << 20) != 0) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	replayed++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (nftw(argv[i], one, 16, FTW_PHYS) != 0) {
			fprintf(stderr, "replay: %s: cannot walk\n", argv[i]);
			return 1;
		}
	printf("replayed %zu inputs\n", replayed);
	return replayed ? 0 : 1;
}

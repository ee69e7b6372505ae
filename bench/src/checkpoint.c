/* bench-checkpoint ROCKSDBDATA OUTDIR REPEATS
 *
 * The subject of the `checkpoint` figure: the project's own checkpoint call, drill_store_checkpoint
 * (chain/store.c; what a replica's take_checkpoint runs between its metadata writes), on a replica
 * database opened as the replica opens it. Makes REPEATS checkpoints OUTDIR/1..REPEATS (OUTDIR
 * must not exist; the caller removes it) and times each call alone.
 *
 * Prints "BYTES MEDIAN_SECONDS MIN_SECONDS": BYTES is the size of the database's own files (the
 * top level of ROCKSDBDATA, not its checkpoints/), the data a checkpoint has to cover. */
#include "chain/store.h"
#include "util/bytes.h"
#include "util/err.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_REPEATS 100

static uint64_t top_level_bytes(const char *dir)
{
	uint64_t bytes = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char *p = drill_xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
			bytes += (uint64_t)st.st_size;
		free(p);
	}
	if (d)
		closedir(d);
	return bytes;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int repeats = argc == 4 ? atoi(argv[3]) : 0;
	if (repeats < 1 || repeats > MAX_REPEATS) {
		fputs("usage: bench-checkpoint ROCKSDBDATA OUTDIR REPEATS (1..100)\n", stderr);
		return 2;
	}
	if (mkdir(argv[2], 0755) != 0) {
		fprintf(stderr, "bench-checkpoint: mkdir %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	struct drill_store *s;
	if (drill_store_open(&s, argv[1], DRILL_STORE_WRITE) != 0) {
		fprintf(stderr, "bench-checkpoint: %s\n", drill_err_last());
		return 1;
	}
	double t[MAX_REPEATS];
	for (int i = 0; i < repeats; i++) {
		char *out = drill_xasprintf("%s/%d", argv[2], i + 1);
		double t0 = drill_now_s();
		int rc = drill_store_checkpoint(s, out);
		t[i] = drill_now_s() - t0;
		free(out);
		if (rc) {
			fprintf(stderr, "bench-checkpoint: %s\n", drill_err_last());
			drill_store_close(s);
			return 1;
		}
	}
	drill_store_close(s);
	qsort(t, (size_t)repeats, sizeof(double), cmp_double);
	printf("%" PRIu64 " %.6f %.6f\n", top_level_bytes(argv[1]), t[repeats / 2], t[0]);
	return 0;
}

/* fuzz/fuzz_util.c — see fuzz_util.h. */
#include "fuzz_util.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char *dir;

static void remove_dir(void)
{
	if (drill_fs_remove_contents(dir) != 0 || rmdir(dir) != 0)
		fprintf(stderr, "fuzz: could not remove %s: %s\n", dir, drill_err_last());
	free(dir);
	dir = NULL;
}

const char *fuzz_dir(void)
{
	if (dir)
		return dir;
	const char *base = getenv("CHAINDRILL_SCRATCH");
	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	/* 0755: the scratch root is shared with tests whose replicas run as another user and must
	 * get through it; this process's own directory below is mkdtemp's 0700. */
	if (drill_fs_mkdir_p(base, 0755) != 0) {
		fprintf(stderr, "fuzz: %s\n", drill_err_last());
		abort();
	}
	char *tmpl = drill_xasprintf("%s/chaindrill-fuzz-XXXXXX", base);
	if (!mkdtemp(tmpl)) {
		perror(tmpl);
		abort();
	}
	if (drill_fs_guard_add(tmpl) != 0) {
		fprintf(stderr, "fuzz: %s\n", drill_err_last());
		abort();
	}
	dir = tmpl;
	atexit(remove_dir);
	return dir;
}

char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	char *path = drill_xasprintf("%s/%s", fuzz_dir(), name);
	FILE *f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

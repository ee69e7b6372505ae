/* bench-hostpath backup|restore WORKSPACE NAMESPACE BLOCKCHAIN_ID REPLICAS BACKUP
 *
 * The `copy` figure's subject (bench/figures/50-copy.sh): chaindrill's own hostpath-copy backup,
 * the vendor's backup operation as a drill's backup step calls it, of the volumes a kept drill
 * workspace holds (replicas stopped); `restore` is the vendor's restore of every volume from that
 * backup (for profiling the restore flow's first copy). Prints the wall seconds of that call
 * alone and the bytes it copied: no process start-up, no replica status queries, no driver
 * record in the interval. */
#include "platform/platform.h"
#include "storage/storage.h"
#include "util/err.h"
#include "util/fs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 7 || (strcmp(argv[1], "backup") && strcmp(argv[1], "restore"))) {
		fprintf(stderr, "usage: %s backup|restore WORKSPACE NAMESPACE BLOCKCHAIN_ID REPLICAS "
			"BACKUP\n", argv[0]);
		return 2;
	}
	int restore = !strcmp(argv[1], "restore");
	argv++;
	struct drill_cluster_spec spec = {.namespace_ = argv[2], .blockchain_id = argv[3],
					  .replicas = atoi(argv[4])};
	struct drill_platform *p = NULL;
	struct drill_vendor *v = NULL;
	struct drill_vendor_config cfg = {.name = "hostpath-copy"};
	int rc = drill_fs_guard_add(argv[1]);
	if (!rc)
		rc = drill_platform_open(&p, "local", argv[1], &spec);
	if (!rc)
		rc = drill_vendor_open(&v, &cfg, argv[1], p);
	double t0 = now_s(), t = 0;
	if (!rc) {
		rc = restore ? v->ops->restore(v, argv[5]) : v->ops->backup(v, argv[5]);
		t = now_s() - t0;
	}
	if (!rc)
		printf("%.3f %" PRIu64 "\n", t, v->bytes_copied);
	else
		fprintf(stderr, "bench-hostpath: %s\n", drill_err_last());
	drill_vendor_destroy(v);
	drill_platform_destroy(p);
	return rc ? 1 : 0;
}

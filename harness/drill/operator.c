/* drill/operator.c — what concop does on a running cluster: db-checkpoint create, and finding the
 * cluster's replicas from its workspace. */
#include "drill/drill.h"

#include "replica/ckpt.h"
#include "replica/client.h"
#include "util/beneath.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static long read_long_file(const char *path)
{
	char *s = NULL;
	size_t len = 0;
	if (drill_fs_read_file(&s, &len, path, 64) != 0)
		return -1;
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || v <= 0)
		v = -1;
	free(s);
	return v;
}

int drill_cluster_open(struct drill_cluster_info *ci, const char *workspace)
{
	memset(ci, 0, sizeof(*ci));
	char *path = drill_xasprintf("%s/cluster.json", workspace);
	char *text = NULL;
	size_t len = 0;
	int rc = drill_fs_read_file(&text, &len, path, 1 << 20);
	if (rc) {
		rc = drill_err(DRILL_EENV, "%s: no cluster here (is `chaindrill up` or a drill "
				"running on this workspace?)", workspace);
		free(path);
		return rc;
	}
	json_error_t jerr;
	json_t *js = json_loadb(text, len, 0, &jerr);
	free(text);
	json_int_t count = js ? json_integer_value(json_object_get(js, "replicas")) : 0;
	json_int_t interval = js ? json_integer_value(json_object_get(js, "blockIntervalMs")) : 0;
	json_decref(js);
	if (count <= 0 || count > 1000 || interval <= 0) {
		rc = drill_err(DRILL_EFAIL, "%s: not a cluster description", path);
		free(path);
		return rc;
	}
	free(path);
	ci->n = (size_t)count;
	ci->block_interval_ms = (uint64_t)interval;
	ci->urls = drill_xcalloc(ci->n, sizeof(*ci->urls));
	size_t up = 0;
	for (size_t i = 0; i < ci->n; i++) {
		char *pidf = drill_xasprintf("%s/run/replica-%zu.pid", workspace, i);
		char *portf = drill_xasprintf("%s/run/replica-%zu.port", workspace, i);
		long pid = read_long_file(pidf), port = read_long_file(portf);
		if (pid > 0 && port > 0 && port < 65536 && kill((pid_t)pid, 0) == 0) {
			ci->urls[i] = drill_xasprintf("http://127.0.0.1:%ld", port);
			up++;
		}
		free(pidf);
		free(portf);
	}
	if (up == 0) {
		drill_cluster_info_free(ci);
		return drill_err(DRILL_EENV, "%s: no replica is running", workspace);
	}
	return 0;
}

void drill_cluster_info_free(struct drill_cluster_info *ci)
{
	if (!ci || !ci->urls)
		return;
	for (size_t i = 0; i < ci->n; i++)
		free(ci->urls[i]);
	free(ci->urls);
	ci->urls = NULL;
}

int drill_order_lock(const char *workspace)
{
	char *path = drill_xasprintf("%s/run/order.lock", workspace);
	int fd = drill_beneath_open(workspace, "run/order.lock", O_RDWR | O_CREAT, 0644);
	int rc = fd;
	if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
		rc = drill_err(DRILL_EFAIL, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	free(path);
	return rc;
}

void drill_order_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int drill_order_checkpoint(uint64_t *ordered_sn, uint64_t *taken_sn,
			   struct drill_replica_status *sts, const struct drill_cluster_info *ci,
			   const char *workspace)
{
	int rc = 0, lockfd = -1;
	size_t n = ci->n;
	char *const *urls = ci->urls;
	const char **live = drill_xcalloc(n, sizeof(*live));
	struct drill_replica_status *got = drill_xcalloc(n, sizeof(*got));
	size_t m = 0;
	struct drill_buf batch;
	drill_buf_init(&batch, DRILL_ORDER_MAX_BODY);

	lockfd = drill_order_lock(workspace);
	if (lockfd < 0) {
		rc = lockfd;
		goto cleanup;
	}

	/* The cluster's sequence number: every running replica must agree on it. */
	uint64_t seq = 0;
	for (size_t i = 0; i < n; i++) {
		if (!urls[i])
			continue;
		struct drill_replica_status st;
		rc = drill_client_status(&st, urls[i]);
		if (rc) {
			rc = drill_err_wrap(rc, "replica %zu", i);
			goto cleanup;
		}
		if (m && st.seq_num != seq) {
			rc = drill_err(DRILL_EFAIL, "replicas disagree on the sequence number (%" PRIu64
				       " and %" PRIu64 "); wait until they catch up", seq, st.seq_num);
			drill_replica_status_free(&st);
			goto cleanup;
		}
		seq = st.seq_num;
		drill_replica_status_free(&st);
		live[m++] = urls[i];
	}
	if (m == 0) {
		rc = drill_err(DRILL_EENV, "no replica is running");
		goto cleanup;
	}

	uint64_t at = seq + 1, due = drill_ckpt_schedule(at);
	drill_req_batch_begin(&batch);
	struct drill_req r = {.sn = at, .kind = DRILL_REQ_CKPT_CREATE};
	for (uint64_t sn = at; sn <= due && !rc; sn++) {
		r.sn = sn;
		r.kind = sn == at ? DRILL_REQ_CKPT_CREATE : DRILL_REQ_NOOP;
		r.ts_ms = sn * ci->block_interval_ms; /* consensus time of sn (docs/design.md §3) */
		rc = drill_req_batch_add(&batch, &r);
	}
	drill_req_batch_end(&batch);
	if (rc)
		goto cleanup;
	rc = drill_client_order(got, live, m, batch.data, batch.len);
	if (rc)
		goto cleanup;
	for (size_t i = 0, k = 0; i < n; i++) {
		if (!urls[i])
			continue;
		if (sts)
			sts[i] = got[k];
		else
			drill_replica_status_free(&got[k]);
		memset(&got[k], 0, sizeof(got[k]));
		k++;
	}
	*ordered_sn = at;
	*taken_sn = due;
cleanup:
	for (size_t k = 0; k < n; k++)
		drill_replica_status_free(&got[k]);
	free(got);
	free(live);
	drill_buf_free(&batch);
	drill_order_unlock(lockfd);
	return rc;
}

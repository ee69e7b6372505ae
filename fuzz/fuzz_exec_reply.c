/* fuzz/fuzz_exec_reply.c — the exec vendor's reading of a plugin's reply (storage/exec_reply.h).
 * Byte 0 picks how the plugin ended (exit 0, exit 1, killed by a signal) and byte 1 the number of
 * volumes; the rest is what the plugin printed. An accepted reply's per-volume answers are read
 * too, as snapshot and restore read them. */
#include "fuzz_util.h"

#include "storage/exec_reply.h"
#include "util/err.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	static const int statuses[] = {0, 1 << 8, 9}; /* wait statuses: exit 0, exit 1, SIGKILL */
	int status = statuses[data[0] % 3];
	int n = 1 + data[1] % 7;
	json_t *resp = NULL;
	/* A copy without slack after it, so reading past the end is seen by ASan. */
	size_t len = size - 2;
	char *out = malloc(len ? len : 1);
	for (size_t i = 0; i < len; i++)
		out[i] = (char)data[2 + i];
	if (drill_exec_judge_reply(&resp, "exec plugin fuzz snapshot b", out, len, status,
				   "; stderr: x") == 0) {
		char *why = NULL;
		json_t *vols = drill_exec_answer_volumes(resp, n, &why);
		json_decref(vols);
		free(why);
		json_decref(resp);
	}
	free(out);
	return 0;
}

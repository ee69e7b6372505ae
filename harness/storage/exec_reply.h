/* storage/exec_reply.h — the parts of the exec vendor (storage/exec.c) that read a plugin's reply,
 * apart from running the plugin, so the fuzzer (fuzz/fuzz_exec_reply.c) can feed them any bytes.
 * Internal to the storage module. */
#ifndef DRILL_STORAGE_EXEC_REPLY_H
#define DRILL_STORAGE_EXEC_REPLY_H

#include <jansson.h>
#include <stddef.h>

/* Judge what a plugin printed (`data`, `len` bytes, not NUL-terminated) and how it exited (a wait
 * status): 0 and *resp (new reference) when it exited 0 with a JSON object of protocol
 * chaindrill-vendor-exec/1 saying ok:true; else DRILL_EFAIL, *resp NULL, and a message starting
 * with `label` and ending with `tail` (the plugin's stderr, "" for none). */
int drill_exec_judge_reply(json_t **resp, const char *label, const char *data, size_t len,
			   int status, const char *tail);

/* The per-volume answers of snapshot and restore: one object per volume, each index once, with
 * a non-negative integer `bytes`. Returns them ordered by index (new reference) or NULL with
 * *why (malloc'd). */
json_t *drill_exec_answer_volumes(json_t *resp, int n, char **why);

#endif

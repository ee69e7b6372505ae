/* util/trash.h — rm -rf without waiting for it: a directory's contents are moved aside with
 * rename(2), which takes no time, and removed by a thread of the trash's own while the caller goes
 * on (a restore copies the backup into the emptied volume meanwhile).
 *
 * Why: on ext4 an unlink of a large file waits on the journal far more than it computes (rm -rf of
 * a 400 MiB volume: 0.1 s wall, 0.025 s of CPU; bench/RESULTS.md), so a removal run beside the
 * copies costs the copies almost nothing. The removal itself is drill_fs_remove_tree: the
 * deletion guard applies to the trash directory, which must lie inside the workspace.
 *
 * The trash directory must be on the same filesystem as what is thrown away; where it is not
 * (rename fails with EXDEV), the contents are removed in place before drill_trash_contents
 * returns, as plain rm -rf would. */
#ifndef DRILL_UTIL_TRASH_H
#define DRILL_UTIL_TRASH_H

struct drill_trash;

/* Create directory `dir` (mkdir -p; it must not exist yet, so nothing else is in it) and start the
 * removal thread. */
int drill_trash_open(struct drill_trash **out, const char *dir);
/* Empty directory `victim` (it stays, with its mode and owner): every entry is moved into a new
 * directory of the trash, queued for removal. Thread-safe: several callers may empty several
 * directories at once. Returns once `victim` is empty. */
int drill_trash_contents(struct drill_trash *t, const char *victim);
/* Wait until everything queued is removed, remove the trash directory, stop the thread and free
 * t (NULL is fine). Returns 0 or the first removal's error, its message set in the caller. */
int drill_trash_close(struct drill_trash *t);

#endif

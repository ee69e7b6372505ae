/* util/fs.h — files and trees: atomic writes, copies that keep what the runbook keeps, and the one
 * function that deletes, guarded so that nothing outside the run's workspace is ever removed. */
#ifndef DRILL_UTIL_FS_H
#define DRILL_UTIL_FS_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct drill_progress;

/* mkdir -p. Existing directories are fine. */
int drill_fs_mkdir_p(const char *path, mode_t mode);
int drill_fs_exists(const char *path);  /* 1 if lstat succeeds */
int drill_fs_is_dir(const char *path);  /* 1 if a directory (following links) */

/* A data directory of the source tree (such as "scenarios/vendor-check" or
 * "deploy/helm/chaindrill"), relative to the current directory when it is there (a source
 * checkout), else the installed copy beside the binary (<prefix>/share/chaindrill/REL,
 * cmake/install.cmake), so an installed chaindrill works from any directory. If neither exists, REL
 * itself, for the error to name. Free the result. */
char *drill_fs_data_path(const char *rel);
/* `rel` as seen from the directory holding `file` (malloc'd): an absolute `rel` as is, else
 * dirname(file)/rel made absolute against the working directory. */
char *drill_fs_resolve_beside(const char *file, const char *rel);

/* Read a whole file (at most `limit` bytes, else DRILL_EFAIL). *out is NUL-terminated, caller frees. */
int drill_fs_read_file(char **out, size_t *len, const char *path, size_t limit);
/* Write all len bytes to fd, through short writes and EINTR: 0, or -1 with errno. */
int drill_fs_write_all(int fd, const void *data, size_t len);
/* Write via "<path>.tmp.<pid>", fsync, rename: readers see the old or the new file, never half. */
int drill_fs_write_atomic(const char *path, const void *data, size_t len);

/* Call fn(name, arg) for every entry of the open directory d but "." and "..", in readdir order,
 * until fn returns nonzero, which is returned. A failing readdir is DRILL_EFAIL, reported as
 * "<what> <shown>: <reason>". d stays open. */
int drill_fs_each_entry(DIR *d, const char *what, const char *shown,
			int (*fn)(const char *name, void *arg), void *arg);

/* --- Deletion guard -------------------------------------------------------------------------
 * The process registers the roots it may delete under (the run's workspace, a test's scratch
 * directory). drill_fs_remove_tree and drill_fs_remove_contents resolve the target's real path and
 * refuse (DRILL_EINPUT, nothing removed) unless it lies strictly inside a registered root. */
int drill_fs_guard_add(const char *root);   /* root must exist; stored as its realpath */
void drill_fs_guard_reset(void);
int drill_fs_guard_allows(const char *path); /* 1 if `path` lies strictly inside a root */

int drill_fs_remove_tree(const char *path);     /* rm -rf path (absent is fine) */
int drill_fs_remove_contents(const char *dir);  /* rm -rf of every entry of dir; dir stays */

/* --- Copies ----------------------------------------------------------------------------------- */
struct drill_copy_opts {
	int follow_links;   /* cp -L: copy what symlinks point to; else recreate the symlinks */
	int keep_hardlinks; /* files hard-linked together in src are hard-linked in dst (cp -a) */
	int keep_owner;     /* lchown to the source's uid/gid (cp -p) */
	int keep_mode;      /* permission bits (cp -p) */
	int keep_times;     /* atime/mtime with nanoseconds (cp -p) */
	/* when non-NULL, the copy adds its bytes (regular files' data) and entries (everything
	 * but directories) to these, so one pair can total several copies */
	uint64_t *bytes_copied;
	uint64_t *files_copied;
	/* An entry that a directory listing named but that is gone (ENOENT) by the time it is
	 * examined, opened or listed is skipped instead of failing the copy: a live RocksDB
	 * directory loses SST files to compaction mid-copy. Only ENOENT, and never the top-level
	 * source; a dangling symlink under follow_links is still an error. */
	int skip_vanished;
	/* Under follow_links: the directory (the restored volume) every followed symbolic link must
	 * resolve inside. A link whose real target lies outside it (a checkpoint planted with a link
	 * to /etc/shadow, which cp -L would copy into the replica) fails the copy with DRILL_EINPUT
	 * naming the link and its target, before anything it points to is read; so does a source
	 * outside it. NULL: links are followed wherever they lead. */
	const char *confine;
	/* when non-NULL, each regular file's bytes are added to it as the file is copied
	 * (util/progress.h: a backup's or restore's copy on the terminal) */
	struct drill_progress *progress;
	/* when non-NULL, every regular file with more than one hard link that the copy meets is
	 * counted in it, so one set can total several copies (drill_fs_links_shared) */
	struct drill_fs_links *links;
};
/* What `cp -a` keeps, and what `cp -r -L -p` keeps (the runbook's checkpoint copy). */
#define DRILL_COPY_ARCHIVE  ((struct drill_copy_opts){0, 1, 1, 1, 1, NULL, NULL, 0, NULL, NULL, NULL})
#define DRILL_COPY_RUNBOOK  ((struct drill_copy_opts){1, 0, 1, 1, 1, NULL, NULL, 0, NULL, NULL, NULL})
/* `cp -a` of a directory that is being written to (a running database). */
#define DRILL_COPY_LIVE     ((struct drill_copy_opts){0, 1, 1, 1, 1, NULL, NULL, 1, NULL, NULL, NULL})

/* Copy the tree `src` to `dst` (dst must not exist; it is created with src's attributes). Regular
 * files are cloned (FICLONE) where the filesystem can, else copied with copy_file_range, else
 * read/write. */
int drill_fs_copy_tree(const char *src, const char *dst, const struct drill_copy_opts *o);
/* Copy every entry of directory `src` into existing directory `dst` (cp -r of its entries). */
int drill_fs_copy_contents(const char *src, const char *dst, const struct drill_copy_opts *o);

/* --- Hard links shared with something outside a set of copies -----------------------------------
 * A hard link is the file itself: a backup copy of a volume holding a hard link to a file outside
 * it (made on the same filesystem by anyone who could write the volume) copies that file. The
 * copies can only see it by its link count: after every copy of a set, a file whose link count is
 * larger than the number of its names the copies met has names outside the set. Links within the
 * set are normal (a RocksDB checkpoint's SST files are hard links to the live ones). Thread-safe,
 * for copies side by side. */
struct drill_fs_links;
struct drill_fs_links *drill_fs_links_new(void);
void drill_fs_links_free(struct drill_fs_links *l);
/* Call fn for each file shared with something outside what was copied, with the first of its
 * names the copies met, its link count (read again now) and the number of names met; returns how
 * many there were. */
size_t drill_fs_links_shared(struct drill_fs_links *l,
			     void (*fn)(const char *path, unsigned long nlink, unsigned long met,
					void *arg),
			     void *arg);

/* Sum of file sizes under a tree (not following links; a file with several links counts once). */
int drill_fs_tree_size(uint64_t *bytes, const char *path);

/* --- Acting in the middle of a copy ------------------------------------------------------------
 * For tests, and for the drill engine's process faults (drill/process.c: a replica killed, the
 * driver killed, writes ordered between two volumes, at a chosen entry of a backup's copy).
 * Called by the copy walk with each entry's source path at two points: after the directory
 * listing named it and before it is examined (DRILL_FS_HOOK_LISTED), and after it was examined and
 * before it is opened, read or listed (DRILL_FS_HOOK_EXAMINED). A test removes the entry there to
 * make "vanished mid-copy" deterministic. NULL (the default) turns it off. Not thread-safe. */
enum drill_fs_hook_point { DRILL_FS_HOOK_LISTED, DRILL_FS_HOOK_EXAMINED };
void drill_fs_set_copy_hook(void (*fn)(enum drill_fs_hook_point at, const char *src, void *arg),
			    void *arg);
/* 1 while a hook is set. Callers that copy several trees side by side (util/par.h) copy them one
 * after another then, so the hook sees every entry in the order a single walk gives. */
int drill_fs_copy_hook_set(void);

#endif

/* --- Reading what the user names ----------------------------------------------------------------
 * A FIFO, a terminal or /dev/stdin given where a file is read (a scenario, a vendor definition, a
 * kubeconfig, a report) would block chaindrill forever. Every reader opens with O_NONBLOCK (which
 * opening a FIFO does not wait on) and then calls this: 0 when fd is a regular file, now in
 * blocking mode; else DRILL_EINPUT "PATH: a FIFO, not a regular file; refusing to read it". */
int drill_fs_input_fd(int fd, const char *path);

/* util/beneath.h — opening chaindrill's own files in a workspace or a report directory without
 * following a symbolic link planted there.
 *
 * A directory the operator names (the workspace, the report directory) is trusted as given: it may
 * itself be reached through links. Below it everything is chaindrill's own, so every component
 * under it is opened without following links — openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
 * where the kernel has it, else one openat(O_DIRECTORY | O_NOFOLLOW) per component — and a link
 * (or `..`) where chaindrill expects its own file or directory is refused with DRILL_EINPUT:
 *   "<path>: <component> is a symbolic link where chaindrill expects its own file; refusing to
 *    follow it".
 * A full disk (ENOSPC, EDQUOT) is DRILL_EENV, naming the path. */
#ifndef DRILL_UTIL_BENEATH_H
#define DRILL_UTIL_BENEATH_H

#include <stdio.h>
#include <sys/types.h>

/* open(base/rel, flags | O_NOFOLLOW | O_CLOEXEC, mode): `base` is followed, `rel` (relative, no
 * `..`) is resolved without following any link. The result must be a regular file (or a directory
 * with O_DIRECTORY); a FIFO or device is refused without blocking. Returns the fd, or a negative
 * DRILL_E* code with the message set. */
int drill_beneath_open(const char *base, const char *rel, int flags, mode_t mode);
/* mkdir -p of base/rel, each component created or entered without following links. */
int drill_beneath_mkdir(const char *base, const char *rel, mode_t mode);

/* The directories whose insides are chaindrill's own (the run's workspace, a replica's data
 * directory, a report directory; drill_fs_guard_add registers its roots here too). Paths given to
 * the functions below are split at the first registered directory they lie under (by device and
 * inode of each leading prefix): the prefix is trusted, the rest is opened as above. A path under
 * no registered directory has only its last component opened without following a link. */
int drill_beneath_root_add(const char *dir);
void drill_beneath_root_reset(void);

int drill_beneath_open_path(const char *path, int flags, mode_t mode);
/* fopen(path, mode) for "r", "w", "a", "w+", "a+" (and "b", "e", "x" suffixes) through
 * drill_beneath_open_path; NULL with the message set on failure. */
FILE *drill_beneath_fopen(const char *path, const char *mode);
/* The directory holding `path`, opened (O_PATH) as above, and the offset of the last component in
 * `path`: for writes that create a temporary name and rename it (fs.h's drill_fs_write_atomic). */
int drill_beneath_parent(int *dirfd, size_t *name_off, const char *path);
/* mkdir -p of path: under a registered directory without following links, else as mkdir -p. */
int drill_beneath_mkdir_path(const char *path, mode_t mode);

/* For tests: 1 makes every open take the per-component walk, as on a kernel without openat2. */
void drill_beneath_set_walk_only(int on);

#endif

/* faults/kinds.h — the fault kinds the registry lists, and helpers the injectors share. */
#ifndef DRILL_FAULTS_KINDS_H
#define DRILL_FAULTS_KINDS_H

#include "faults/faults.h"

extern const struct drill_fault_kind drill_fault_bitflip_sst;
extern const struct drill_fault_kind drill_fault_truncate_sst;
extern const struct drill_fault_kind drill_fault_delete_file;
extern const struct drill_fault_kind drill_fault_zero_range;
extern const struct drill_fault_kind drill_fault_wal_garbage;
extern const struct drill_fault_kind drill_fault_wrong_az;
extern const struct drill_fault_kind drill_fault_restore_while_running;
extern const struct drill_fault_kind drill_fault_copy_no_follow;
extern const struct drill_fault_kind drill_fault_copy_no_preserve;
extern const struct drill_fault_kind drill_fault_lock_left;
extern const struct drill_fault_kind drill_fault_restore_without_rm;
extern const struct drill_fault_kind drill_fault_copy_interrupted;
extern const struct drill_fault_kind drill_fault_mismatched_checkpoint;
extern const struct drill_fault_kind drill_fault_cross_replica_restore;
extern const struct drill_fault_kind drill_fault_foreign_checkpoint;
extern const struct drill_fault_kind drill_fault_kill_replica;
extern const struct drill_fault_kind drill_fault_torn_live_snapshot;
extern const struct drill_fault_kind drill_fault_disk_pressure;
extern const struct drill_fault_kind drill_fault_driver_crash;
extern const struct drill_fault_kind drill_fault_symlink_escape;
extern const struct drill_fault_kind drill_fault_hardlink_escape;

/* Every parameter of the step is `seed` or one of `allowed` (NULL-terminated); DRILL_EINPUT with
 * FILE:LINE:COL naming the unknown one otherwise. */
int drill_fault_check_keys(const struct drill_step *st, const struct drill_scenario *sc,
			   const char *const *allowed);
/* A fault parameter as an unsigned integer, written as one (plain decimal digits: `"2"` is a
 * string, as it is to the schema); DRILL_EINPUT with FILE:LINE:COL otherwise. */
int drill_fault_param_u64(uint64_t *out, const struct drill_param *p,
			  const struct drill_scenario *sc);
/* A fault parameter that is a string: a plain scalar YAML reads as a number or a boolean
 * (`zone: 2`) must be quoted; DRILL_EINPUT with FILE:LINE:COL saying so, `what` the expected. */
int drill_fault_param_str(const struct drill_param *p, const struct drill_scenario *sc,
			  const char *what);
/* The step's `replica` parameter `p` (NULL: absent) is a replica index below cluster.replicas. */
int drill_fault_param_replica(const struct drill_param *p, const struct drill_step *st,
			      const struct drill_scenario *sc);
/* How the value was written, for "got ...": '4' when plain, string "4" when quoted. */
const char *drill_fault_param_got(const struct drill_param *p, char *buf, size_t size);
/* The rocksdbdata (or checkpoint) directory a storage fault acts on (malloc'd). */
int drill_fault_target_dir(char **out, struct drill_fault_ctx *ctx, const struct drill_step *st);
/* One regular file of dir matching glob, chosen by the step's `pick` and the fault's seed. */
int drill_fault_pick_file(char **out, struct drill_fault_ctx *ctx, const struct drill_step *st,
			  const char *dir, const char *glob);

#endif

/* storage/storage_internal.h — what storage.c needs from the vendor drivers. */
#ifndef DRILL_STORAGE_INTERNAL_H
#define DRILL_STORAGE_INTERNAL_H

#include "storage/storage.h"

int drill_vendor_hostpath_open(struct drill_vendor *v);
int drill_vendor_ebs_sim_open(struct drill_vendor *v);
int drill_vendor_exec_open(struct drill_vendor *v);
int drill_vendor_csi_snapshot_open(struct drill_vendor *v);

#endif

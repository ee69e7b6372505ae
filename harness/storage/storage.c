/* storage/storage.c — opening a storage vendor by name. */
#include "storage/storage.h"

#include "storage/storage_internal.h"
#include "util/bytes.h"
#include "util/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int drill_vendor_open(struct drill_vendor **out, const struct drill_vendor_config *cfg,
		      const char *workspace, struct drill_platform *platform)
{
	*out = NULL;
	const char *name = cfg->name ? cfg->name : "hostpath-copy";
	int (*open_fn)(struct drill_vendor *) = NULL;
	if (!strcmp(name, "hostpath-copy"))
		open_fn = drill_vendor_hostpath_open;
	else if (!strcmp(name, "ebs-sim"))
		open_fn = drill_vendor_ebs_sim_open;
	else if (!strcmp(name, "exec"))
		open_fn = drill_vendor_exec_open;
	else if (!strcmp(name, "csi-snapshot"))
		open_fn = drill_vendor_csi_snapshot_open;
	else
		return drill_err(DRILL_EINPUT, "unknown storage vendor \"%s\" (expected hostpath-copy, "
				 "ebs-sim, csi-snapshot or exec)", name);
	char *ws = realpath(workspace, NULL);
	if (!ws)
		return drill_err(DRILL_EINPUT, "workspace %s: %s", workspace, strerror(errno));
	struct drill_vendor *v = drill_xcalloc(1, sizeof(*v));
	v->workspace = ws;
	v->platform = platform;
	v->cfg = *cfg;
	v->cfg.name = name;
	int rc = open_fn(v);
	if (rc) {
		free(v->workspace);
		free(v);
		return rc;
	}
	*out = v;
	return 0;
}

void drill_vendor_destroy(struct drill_vendor *v)
{
	if (!v)
		return;
	if (v->ops && v->ops->destroy)
		v->ops->destroy(v);
	free(v->workspace);
	free(v);
}

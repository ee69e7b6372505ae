/* storage/storage.c — opening a storage vendor by name. */
#include "storage/storage.h"

#include "storage/storage_internal.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The vendors by name: what drill_vendor_check_name accepts is what drill_vendor_open opens. */
static const struct {
	const char *name;
	int (*open)(struct drill_vendor *);
} vendors[] = {
	{"hostpath-copy", drill_vendor_hostpath_open},
	{"ebs-sim", drill_vendor_ebs_sim_open},
	{"csi-snapshot", drill_vendor_csi_snapshot_open},
	{"exec", drill_vendor_exec_open},
};

static int (*vendor_open_fn(const char *name))(struct drill_vendor *)
{
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (!strcmp(name, vendors[i].name))
			return vendors[i].open;
	return NULL;
}

int drill_vendor_check_name(const char *name)
{
	if (vendor_open_fn(name))
		return 0;
	return drill_err(DRILL_EINPUT, "unknown storage vendor \"%s\" (expected hostpath-copy, "
			 "ebs-sim, csi-snapshot or exec)", name);
}

int drill_vendor_open(struct drill_vendor **out, const struct drill_vendor_config *cfg,
		      const char *workspace, struct drill_platform *platform)
{
	*out = NULL;
	const char *name = cfg->name ? cfg->name : "hostpath-copy";
	int (*open_fn)(struct drill_vendor *) = vendor_open_fn(name);
	if (!open_fn)
		return drill_vendor_check_name(name);
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
	json_decref(drill_vendor_take_shared(v, NULL));
	free(v->workspace);
	free(v);
}

static void add_shared(const char *path, unsigned long nlink, unsigned long met, void *arg)
{
	struct drill_vendor *v = arg;
	v->shared = drill_xrealloc(v->shared, (v->n_shared + 1) * sizeof(*v->shared));
	v->shared[v->n_shared++] = (struct drill_shared_link){drill_xstrdup(path), nlink, met};
}

json_t *drill_vendor_take_shared(struct drill_vendor *v, struct drill_fs_links *links)
{
	for (size_t i = 0; i < v->n_shared; i++)
		free(v->shared[i].path);
	free(v->shared);
	v->shared = NULL;
	v->n_shared = 0;
	if (links)
		drill_fs_links_shared(links, add_shared, v);
	return drill_vendor_shared_json(v);
}

json_t *drill_vendor_shared_json(const struct drill_vendor *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n_shared; i++) {
		const struct drill_shared_link *s = &v->shared[i];
		json_array_append_new(a, json_pack("{s:s,s:I,s:I}", "path", s->path, "links",
						   (json_int_t)s->nlink, "linksInBackup",
						   (json_int_t)s->met));
	}
	return a;
}

/* scenario/vendor_def.h — the inputs of `chaindrill vendor-check` (docs/vendor-check.md): a storage
 * vendor's definition file (what it is, which driver runs it, which capabilities it declares) and
 * the manifest of the standard scenario set (which scenario exercises which capability).
 *
 * Both are loaded as strictly as a scenario (docs/scenario.md): one YAML document, no anchors,
 * aliases or tags, unknown and duplicate keys rejected, plain integers and booleans; any problem
 * is DRILL_EINPUT with "FILE:LINE:COL: key.path: what was expected, got what". */
#ifndef DRILL_SCENARIO_VENDOR_DEF_H
#define DRILL_SCENARIO_VENDOR_DEF_H

#include <stddef.h>
#include <stdint.h>

/* The capabilities a vendor can declare, in the order reports list them. */
enum drill_capability {
	DRILL_CAP_SNAPSHOT,     /* backup and restore of every volume (required) */
	DRILL_CAP_TOPOLOGY,     /* volumes live in availability zones; zone checks */
	DRILL_CAP_CONSISTENCY,  /* consistencyAcrossVolumes: one crash-consistent group snapshot */
	DRILL_CAP_COUNT
};

/* "snapshot", "topology", "consistencyAcrossVolumes"; NULL for an unknown value. */
const char *drill_capability_name(enum drill_capability c);

struct drill_vendor_def {
	char *path;        /* the file it was loaded from */
	char *name;        /* [a-z0-9][a-z0-9-]*, at most 63 */
	char *description; /* optional */
	char *driver;      /* hostpath-copy | ebs-sim | exec | csi-snapshot */
	char *program;     /* exec.program as written (driver exec only), else NULL */
	char *program_path;/* exec.program resolved beside the definition file (absolute) */
	int program_line, program_col;
	uint32_t timeout_s;/* exec.timeoutSeconds: 60, 1..3600 */
	int declared[DRILL_CAP_COUNT]; /* the capability is declared true (topology: given) */
	char **zones;      /* capabilities.topology.zones: at least two, distinct */
	size_t n_zones;
};

int drill_vendor_def_load(struct drill_vendor_def **out, const char *path);
void drill_vendor_def_free(struct drill_vendor_def *d);

/* One scenario of the standard set and the capability it exercises. */
struct drill_vc_entry {
	enum drill_capability capability;
	char *file; /* as written in the manifest */
	char *path; /* resolved beside the manifest */
};

struct drill_vc_manifest {
	char *path;
	struct drill_vc_entry *entries; /* in manifest order, grouped by capability */
	size_t n;
};

/* Load the manifest: `capabilities:` maps capability names to sequences of scenario files
 * (relative to the manifest's directory); every listed file must exist and appear once. */
int drill_vc_manifest_load(struct drill_vc_manifest **out, const char *path);
void drill_vc_manifest_free(struct drill_vc_manifest *m);

#endif

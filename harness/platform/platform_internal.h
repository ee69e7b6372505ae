/* platform/platform_internal.h — what platform.c needs from the drivers. */
#ifndef DRILL_PLATFORM_INTERNAL_H
#define DRILL_PLATFORM_INTERNAL_H

#include "platform/platform.h"

int drill_platform_local_open(struct drill_platform **out, const char *workspace,
			      const struct drill_cluster_spec *spec);

#endif

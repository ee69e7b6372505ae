/* platform/platform_internal.h — what platform.c needs from the drivers. */
#ifndef DRILL_PLATFORM_INTERNAL_H
#define DRILL_PLATFORM_INTERNAL_H

#include "platform/platform.h"

int drill_platform_local_open(struct drill_platform **out, const char *workspace,
			      const struct drill_cluster_spec *spec);

/* The path of `prog` on PATH (malloc'd), or NULL. */
char *drill_platform_find_program(const char *prog);
/* kind and minikube: 0 when their program, helm, kubectl and a Docker engine answering
 * `docker info` are all there, else DRILL_EENV naming each missing piece. */
int drill_platform_check_container_tools(const char *name);

#endif

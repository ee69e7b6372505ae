/* cli/cmd_db_checkpoint.c — `chaindrill db-checkpoint create|status --cluster WORKSPACE`: the
 * operator's concop commands on a running local cluster (a drill's or `chaindrill up`'s).
 * create orders the command like any request; the checkpoint is taken at the next BFT checkpoint
 * (the next multiple of 150), so no-ops are ordered up to it. */
#include "cli/cmd.h"
#include "cli/common.h"

#include "drill/drill.h"
#include "replica/client.h"
#include "util/bytes.h"
#include "util/err.h"
#include "util/log.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: chaindrill db-checkpoint create|status --cluster WORKSPACE [--json] [-v] [-q]\n\n"
	"Talks to the replicas of a cluster that `chaindrill up` keeps running.\n"
	"  create  order `db-checkpoint create` on every running replica and wait until the\n"
	"          checkpoint is taken (at the next sequence number divisible by 150)\n"
	"  status  list each replica's retained checkpoints\n\n"
	"Options:\n"
	"  --cluster WORKSPACE  the workspace `chaindrill up` runs the cluster in (required)\n"
	"  --json             print the replicas' answers as JSON\n"
	"  -v, --verbose      also each replica's address and the sequence numbers the checkpoint\n"
	"                     was ordered and taken at (twice: debug)\n"
	"  -q, --quiet        only errors and the result; no warnings\n"
	"  -h, --help         this help\n\n"
	"Exit codes: 0 done, 1 a replica did not take or list its checkpoint, 2 usage or input\n"
	"error, 3 environment error (no cluster running there).\n\n"
	"Example:\n"
	"  chaindrill db-checkpoint status --cluster .chaindrill/up --json\n";

static void print_status_json(const struct drill_cluster_info *ci, struct drill_replica_status *sts)
{
	printf("{\"replicas\": [");
	for (size_t i = 0, k = 0; i < ci->n; i++) {
		if (!ci->urls[i])
			continue;
		char *js = drill_replica_status_to_json(&sts[i]);
		printf("%s%s", k++ ? ", " : "", js);
		free(js);
	}
	printf("]}\n");
}

static void print_status_text(const struct drill_cluster_info *ci, struct drill_replica_status *sts)
{
	for (size_t i = 0; i < ci->n; i++) {
		if (!ci->urls[i]) {
			printf("replica %zu: not running\n", i);
			continue;
		}
		const struct drill_replica_status *st = &sts[i];
		printf("replica %zu: last block %" PRIu64 ", sequence number %" PRIu64, i,
		       st->last_block, st->seq_num);
		if (st->ckpt_scheduled_seq)
			printf(", checkpoint scheduled at %" PRIu64, st->ckpt_scheduled_seq);
		printf("\n");
		for (size_t k = 0; k < st->n_checkpoints; k++) {
			char dg[65];
			drill_hex(dg, st->checkpoints[k].digest, DRILL_HASH_LEN);
			printf("  checkpoint %-10" PRIu64 " seq %-10" PRIu64 " digest %.16s…\n",
			       st->checkpoints[k].id, st->checkpoints[k].seq_num, dg);
		}
		if (st->n_checkpoints == 0)
			printf("  no checkpoints\n");
	}
}

int drill_cmd_db_checkpoint(int argc, char **argv)
{
	static const struct option longopts[] = {{"cluster", required_argument, NULL, 'c'},
						  {"json", no_argument, NULL, 'j'},
						  {"help", no_argument, NULL, 'h'},
						  {"verbose", no_argument, NULL, 'v'},
						  {"quiet", no_argument, NULL, 'q'},
						  {NULL, 0, NULL, 0}};
	const char *cluster = NULL;
	int json = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hvq", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': cluster = optarg; break;
		case 'j': json = 1; break;
		case 'v': drill_cli_verbose(); break;
		case 'q': drill_cli_quiet(); break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: return drill_cli_usage_error(usage_text, "db-checkpoint", "%s",
						      drill_cli_bad_option(c, argc, argv));
		}
	}
	if (optind >= argc)
		return drill_cli_usage_error(usage_text, "db-checkpoint", "no action given "
					     "(create or status)");
	if (optind != argc - 1 || (strcmp(argv[optind], "create") && strcmp(argv[optind], "status")))
		return drill_cli_usage_error(usage_text, "db-checkpoint", "unknown action '%s' "
					     "(create or status)", argv[optind]);
	if (!cluster)
		return drill_cli_usage_error(usage_text, "db-checkpoint", "--cluster WORKSPACE is "
					     "required");
	/* create changes the cluster: not one that a drill (or anything but a serving `up`) drives */
	int create = !strcmp(argv[optind], "create"), wslock = -1;
	int rc = create ? drill_workspace_operate(&wslock, cluster, "db-checkpoint create") : 0;
	if (rc) {
		fprintf(stderr, "chaindrill: db-checkpoint: %s\n", drill_err_last());
		return drill_err_exit_code(rc);
	}
	struct drill_cluster_info ci;
	rc = drill_cluster_open(&ci, cluster);
	if (rc) {
		fprintf(stderr, "chaindrill: db-checkpoint: %s\n", drill_err_last());
		drill_workspace_release(wslock);
		return drill_err_exit_code(rc);
	}
	for (size_t i = 0; i < ci.n; i++)
		drill_log_info("db-checkpoint: replica %zu: %s", i,
				ci.urls[i] ? ci.urls[i] : "not running");
	struct drill_replica_status *sts = drill_xcalloc(ci.n, sizeof(*sts));
	int code = 0;
	if (create) {
		uint64_t ordered = 0, taken = 0;
		rc = drill_order_checkpoint(&ordered, &taken, sts, &ci, cluster);
		if (rc) {
			fprintf(stderr, "chaindrill: db-checkpoint create: %s\n", drill_err_last());
			code = 1;
			goto cleanup;
		}
		drill_log_info("db-checkpoint: create ordered at sequence number %" PRIu64
			       ", taken at %" PRIu64, ordered, taken);
		/* Did every running replica take a checkpoint of its last block? */
		size_t up = 0, with = 0;
		uint64_t id = 0;
		for (size_t i = 0; i < ci.n; i++) {
			if (!ci.urls[i])
				continue;
			up++;
			id = sts[i].last_block;
			for (size_t k = 0; k < sts[i].n_checkpoints; k++)
				if (sts[i].checkpoints[k].id == id && sts[i].ckpt_last_seq == taken) {
					with++;
					break;
				}
		}
		if (json) {
			print_status_json(&ci, sts);
		} else if (with == up) {
			printf("checkpoint %" PRIu64 " created on %zu replica(s) at sequence number %"
			       PRIu64 " (ordered at %" PRIu64 ")\n", id, up, taken, ordered);
		} else {
			printf("ordered at sequence number %" PRIu64 "; no new checkpoint at %" PRIu64
			       " on %zu of %zu replica(s) (feature disabled, empty chain, or "
			       "checkpoint %" PRIu64 " exists already)\n", ordered, taken, up - with, up,
			       id);
			code = 1;
		}
	} else {
		for (size_t i = 0; i < ci.n && !rc; i++)
			if (ci.urls[i])
				rc = drill_client_status(&sts[i], ci.urls[i]);
		if (rc) {
			fprintf(stderr, "chaindrill: db-checkpoint status: %s\n", drill_err_last());
			code = 1;
			goto cleanup;
		}
		if (json)
			print_status_json(&ci, sts);
		else
			print_status_text(&ci, sts);
	}
cleanup:
	for (size_t i = 0; i < ci.n; i++)
		drill_replica_status_free(&sts[i]);
	free(sts);
	drill_cluster_info_free(&ci);
	drill_workspace_release(wslock);
	return code;
}

/* replica/replica.h — the replica daemon: `chaindrill replica ...`.
 *
 * One long-running process per replica. It owns its rocksdbdata, applies ordered requests
 * (write → one block, no-op → none), takes DB checkpoints by the rules of ckpt.h, and serves the
 * operator HTTP API (libmicrohttpd; on 127.0.0.1 unless --listen says otherwise):
 *
 *   GET  /v1/ready                 200 "ready" once caught up, else 503
 *   GET  /v1/status                JSON (proto.h drill_replica_status)
 *   POST /v1/order                 a request batch (proto.h); 200 + status JSON, 409 + status
 *                                  JSON if the first sn is not last+1, 400 if malformed
 *   GET  /v1/db-checkpoint         JSON {"checkpoints": [...], "scheduledSeqNum", "enabled"}
 *   GET  /v1/blocks?from=A&count=N encoded blocks A..A+N-1 for state transfer, each prefixed by
 *                                  its length (u32 BE); fewer if the chain ends earlier
 *   POST /v1/disk                  {"volumeSize", "thresholdPercent", "monitorIntervalSeconds"}:
 *                                  the volume's size (a simulated disk). A disk monitor, as
 *                                  Concord's DbCheckpointManager, removes the oldest checkpoint
 *                                  when free space < threshold % of the live database; it checks
 *                                  at once (the answer says what it measured and pruned), then at
 *                                  BFT checkpoints once per interval of consensus time. Kept in
 *                                  memory: a restarted replica has no size until told again.
 *
 * Every request is answered by one dispatch (replica/api.h calls it in-process for the fuzz
 * target). The server is bounded: --max-connections open at once (default 256), at most
 * --max-connections-per-client from one IP address (default 32; over either, a new connection is
 * closed at once), --connection-timeout idle seconds (default 15), a cap on each endpoint's body
 * (413) and on all bodies buffered at once (503). docs/security.md says what that promises.
 *
 * On start it opens (or creates) rocksdbdata, refuses a database whose replica.id differs from
 * --id, binds --listen (default 127.0.0.1 on an ephemeral port; in a pod 0.0.0.0:8080, see
 * docs/chart.md) and writes the port atomically to --port-file when given, then catches up by
 * state transfer from the most advanced peer among --peer ID=URL and --peers-dir (files
 * replica-<j>.port):
 * fetch the missing blocks, check each digest, parent link and root, apply, adopt the peer's
 * sequence number and checkpoint bookkeeping; only then /v1/ready answers 200. SIGTERM closes
 * the database cleanly and exits 0. */
#ifndef DRILL_REPLICA_REPLICA_H
#define DRILL_REPLICA_REPLICA_H

/* argv as after "chaindrill replica":
 *   --data DIR --id I [--port-file FILE] [--peers-dir DIR] [--listen ADDR:PORT] [--peer ID=URL]...
 *   (--port-file is required unless --listen names a port)
 *   [--checkpoints-enabled 0|1] [--number-of-checkpoints N] [--checkpoint-interval S]
 *   [--checkpoint-window W] [--max-connections N] [--max-connections-per-client N]
 *   [--connection-timeout S] [-v]
 * Returns the process exit code. */
int drill_replica_main(int argc, char **argv);

#endif

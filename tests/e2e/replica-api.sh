#!/usr/bin/env bash
# The replica's operator API under attack (issue 15), on loopback: malformed bodies, huge lengths,
# bad query strings, half-sent and abandoned requests (tests/e2e/lib/hostile.py), then 1100
# half-sent requests held open. The replica must answer each bad request with a 4xx, change
# nothing, never crash or report a sanitizer error (in the ASan build this runs the ASan binary),
# and keep /v1/status answerable: at once for another client, within its connection timeout for
# the attacker's own address. docs/security.md states the limits.
. "$SOURCE/tests/e2e/lib/testlib.sh"
hostile() { python3 "$SOURCE/tests/e2e/lib/hostile.py" "$@"; }
timeout_s=3

"$CHAINDRILL" replica --data "$SCRATCH/r0/rocksdbdata" --id 0 --port-file "$SCRATCH/port" \
	--cold-start --connection-timeout $timeout_s 2>"$SCRATCH/replica.log" &
replica=$!
holder=""
trap 'kill $holder $replica 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 1 300); do
	[ -s "$SCRATCH/port" ] && hostile status "$(cat "$SCRATCH/port")" 127.0.0.1 1 >/dev/null 2>&1 && break
	kill -0 $replica 2>/dev/null || break
	sleep 0.1
done
port=$(cat "$SCRATCH/port" 2>/dev/null)
[ -n "$port" ] || { echo "the replica did not start:"; cat "$SCRATCH/replica.log"; exit 1; }

test_expect_success 'a valid order is applied (sn 1)' 'hostile order $port 1'
test_expect_success 'every hostile request gets a 4xx (or is dropped), none a 5xx' '
	hostile attack $port >"$SCRATCH/attack.out"; rc=$?; cat "$SCRATCH/attack.out"; [ $rc -eq 0 ]
'
test_expect_success 'the replica lives and its state is unchanged (seqNum 1)' '
	kill -0 $replica && hostile status $port 127.0.0.1 5 >"$SCRATCH/st.json" &&
	jq -e ".seqNum == 1 and .lastBlock == 1" "$SCRATCH/st.json"
'

# 1100 half-sent requests from 127.0.0.1, held open: over the per-client limit the replica
# closes new connections at once; the ones it took close after --connection-timeout.
coproc HOLD { hostile hold $port 1100; }
holder=$HOLD_PID
read -r -t 60 held <&"${HOLD[0]}"
echo "# $held"
test_expect_success 'status from another client (127.0.0.2) answers at once (< 5 s) under the load' '
	t0=$(date +%s%N); hostile status $port 127.0.0.2 5 >/dev/null &&
	echo "answered in $((($(date +%s%N) - t0) / 1000000)) ms"
'
test_expect_success "status from the attacker's address answers within the ${timeout_s} s timeout (+5 s)" '
	t0=$(date +%s); ok=""
	while [ $(($(date +%s) - t0)) -le $((timeout_s + 5)) ]; do
		hostile status $port 127.0.0.1 1 >/dev/null 2>&1 && { ok=1; break; }
		sleep 0.2
	done
	echo "answered after $(($(date +%s) - t0)) s"; [ -n "$ok" ]
'
kill $holder 2>/dev/null; wait $holder 2>/dev/null; holder=""
test_expect_success 'after the load the replica still orders (sn 2)' 'hostile order $port 2'
test_expect_success 'SIGTERM stops it cleanly (exit 0)' 'kill -TERM $replica; wait $replica'
test_expect_success 'no sanitizer report and no crash in its log' '
	! grep -E "AddressSanitizer|LeakSanitizer|runtime error|Assertion|SIGSEGV" "$SCRATCH/replica.log"
'
finish

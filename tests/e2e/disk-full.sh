#!/usr/bin/env bash
# A full disk (docs/containment.md §7). The workspace goes on a small tmpfs mounted in a mount
# namespace of its own (`unshare -m`, root only): the replicas watch their free space and refuse an
# order before the disk is full (HTTP 507), so none dies by SIGABRT inside RocksDB; the drill
# exits 3 naming "no space left on device" and the volume's path; what was written before stays
# (verify: consistent, the first write's blocks agreed); `clean` works afterwards. A report
# directory on a full or read-only disk stops the run before any drill starts.
. "$SOURCE/tests/e2e/lib/testlib.sh"
cd "$SCRATCH" || exit 1
drill="$SOURCE/tests/e2e/data/disk-full.yaml"
test_lazy_prereq MOUNTNS 'mkdir m && unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs m"' \
	"can mount a tmpfs in a mount namespace of its own (unshare -m, as root)"
if ! test_have_prereq MOUNTNS; then
	skip_all "needs MOUNTNS: can mount a tmpfs in a mount namespace of its own (unshare -m, as root)"
fi

# on_tmpfs SIZE SCRIPT: SCRIPT in sh, in $SCRATCH, with a fresh tmpfs of SIZE on $SCRATCH/mnt
on_tmpfs() {
	mkdir -p "$SCRATCH/mnt" &&
	unshare -m sh -c "mount -t tmpfs -o size=$1 tmpfs '$SCRATCH/mnt' && cd '$SCRATCH' && $2"
}
vols='mnt/ws/disk-full/hostpath-provisioner/default/*/default/bc-disk-full/replica-*/rocksdbdata'

test_expect_success 'a workspace on a full disk: exit 3, naming the lack of space and the path' '
	on_tmpfs 48m "
		\"\$CHAINDRILL\" run \"$drill\" --workspace mnt/ws --report-dir r48 >out 2>err
		echo \$? >rc
		\"\$CHAINDRILL\" verify -q $vols >verify.out 2>&1; echo \$? >verify.rc
		\"\$CHAINDRILL\" clean mnt/ws/disk-full >clean.out 2>&1; echo \$? >clean.rc
		test -e mnt/ws/disk-full; echo \$? >gone" &&
	test "$(cat rc)" = 3 &&
	grep -F "no space left on device: $SCRATCH/mnt/ws/disk-full/hostpath-provisioner/" out &&
	grep -F "refused before the disk is full" out &&
	! grep -i "signal 6\|killed by signal\|empty reply" out err &&
	jq -e ".scenarios[0].errorKind == \"environment\"" r48/report.json &&
	test "$(cat verify.rc)" = 0 && grep "verdict: consistent" verify.out &&
	test "$(cat clean.rc)" = 0 && test "$(cat gone)" = 1
'

test_expect_success 'what was written before the disk filled is kept' '
	on_tmpfs 200m "
		\"\$CHAINDRILL\" run \"$drill\" --workspace mnt/ws --report-dir r200 >out 2>err
		echo \$? >rc
		\"\$CHAINDRILL\" verify -q $vols >verify.out 2>&1; echo \$? >verify.rc
		\"\$CHAINDRILL\" clean mnt/ws/disk-full >/dev/null 2>&1; echo \$? >clean.rc" &&
	test "$(cat rc)" = 3 &&
	jq -e ".scenarios[0].steps[1].status == \"ok\" and .scenarios[0].steps[2].status == \"failed\"" r200/report.json &&
	grep -F "no space left on device" out && ! grep -i "killed by signal" out err &&
	test "$(cat verify.rc)" = 0 &&
	agreed=$(sed -n "s/.*agreed block \([0-9]*\).*/\1/p" verify.out) &&
	test "${agreed:-0}" -ge 100 &&
	test "$(cat clean.rc)" = 0
'

test_expect_success 'a report directory on a full disk stops the run before it starts' '
	rm -rf ws &&
	on_tmpfs 2m "
		dd if=/dev/zero of=mnt/fill bs=64k 2>/dev/null
		\"\$CHAINDRILL\" run \"$SOURCE/tests/e2e/data/plan-run.yaml\" --workspace ws \
			--report-dir mnt/r >out 2>err; echo \$? >rc" &&
	test "$(cat rc)" = 3 &&
	grep -F "chaindrill: report directory mnt/r: no space left on device: mnt has" err &&
	! test -e ws/plan-run
'

test_expect_success 'vendor-check: a report directory on a full disk stops it before it starts' '
	rm -rf wsv &&
	on_tmpfs 2m "
		dd if=/dev/zero of=mnt/fill bs=64k 2>/dev/null
		\"\$CHAINDRILL\" vendor-check \"$SOURCE/fixtures/vendors/hostpath-copy.yaml\" \
			--set \"$SOURCE/scenarios/vendor-check\" --workspace wsv --report-dir mnt/r \
			>out 2>err; echo \$? >rc" &&
	test "$(cat rc)" = 3 &&
	grep -F "chaindrill: report directory mnt/r: no space left on device: mnt has" err &&
	test -z "$(ls -A wsv)"
'

test_expect_success 'a report directory on a read-only disk stops the run before it starts' '
	rm -rf ws &&
	on_tmpfs 2m "
		mkdir mnt/r && mount -o remount,ro '"'"'$SCRATCH/mnt'"'"' &&
		\"\$CHAINDRILL\" run \"$SOURCE/tests/e2e/data/plan-run.yaml\" --workspace ws \
			--report-dir mnt/r >out 2>err; echo \$? >rc" &&
	test "$(cat rc)" = 3 &&
	grep -F "chaindrill: report directory mnt/r: mnt/r is not writable: Read-only file system" err &&
	! test -e ws/plan-run
'
finish

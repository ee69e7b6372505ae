#!/usr/bin/env bash
# `cmake --install` into a scratch prefix, then the installed chaindrill run from a directory with
# no source tree in it: it prints its version, its man page is where man looks, and it finds what
# it installed beside itself — the scenarios, the exec vendor's reference plugin they name
# relative to themselves, and vendor-check's standard set (cmake/install.cmake).
. "$SOURCE/tests/e2e/lib/testlib.sh"
build=$(dirname "$CHAINDRILL")
prefix="$SCRATCH/prefix"
data="$prefix/share/chaindrill"
expect_exit 0 "cmake --install into a prefix" -- cmake --install "$build" --prefix "$prefix"
cd "$SCRATCH" && mkdir elsewhere && cd elsewhere

for f in bin/chaindrill share/man/man1/chaindrill.1.gz share/doc/chaindrill/README.md \
	share/doc/chaindrill/scenario.md share/chaindrill/scenarios/0001-quickstart.yaml \
	share/chaindrill/scenarios/vendor-check/manifest.yaml share/chaindrill/fixtures/vendors/ebs-sim.yaml \
	share/chaindrill/deploy/helm/chaindrill/Chart.yaml; do
	if [ -f "$prefix/$f" ]; then pass "installed $f"; else fail "installed $f"; fi
done
if [ -x "$data/plugins/hostpath-exec.sh" ]; then pass "the reference plugin is executable"; else
	fail "the reference plugin is executable" "$(ls -l "$data/plugins" 2>&1)"; fi
n_src=$(find "$SOURCE/scenarios" -name '*.yaml' | wc -l)
n_inst=$(find "$data/scenarios" -name '*.yaml' | wc -l)
if [ "$n_src" -eq "$n_inst" ]; then pass "every scenario installed ($n_inst)"; else
	fail "every scenario installed" "$n_inst of $n_src"; fi

cd_bin="$prefix/bin/chaindrill"
expect_exit 0 "installed --version" -- "$cd_bin" --version
expect_grep "^chaindrill [0-9]" "$SCRATCH/out" "it prints the version"
if command -v man >/dev/null; then
	expect_exit 0 "man -w finds chaindrill(1) under the prefix" -- env MANPATH="$prefix/share/man" man -w chaindrill
	expect_grep "^$prefix/share/man/man1/chaindrill.1.gz$" "$SCRATCH/out" "man -w names the installed page"
else
	fail "man is installed (man-db, scripts/packages.txt [test])"
fi
if zcat "$prefix/share/man/man1/chaindrill.1.gz" | cmp -s - "$SOURCE/docs/chaindrill.1"; then
	pass "the installed man page is docs/chaindrill.1"; else fail "the installed man page is docs/chaindrill.1"; fi

expect_exit 0 "installed: validate every installed scenario" -- "$cd_bin" validate -q "$data"/scenarios/*.yaml
expect_exit 0 "installed: the quickstart drill" -- "$cd_bin" run "$data/scenarios/0001-quickstart.yaml" --workspace ws --report-dir r
expect_grep "quickstart: restore ok \(block 6000\); verdict consistent on the restored volumes — as expected" "$SCRATCH/out" "its headline: the restore, then the verdict"
expect_exit 0 "installed: the exec drill finds the installed reference plugin" -- "$cd_bin" run "$data/scenarios/6201-exec-reference-plugin.yaml" --workspace ws --report-dir r2
# --plan names the installed chart, not ./deploy/helm/chaindrill (there is none here).
expect_exit 0 "installed: run --plan --platform kind" -- "$cd_bin" run "$data/scenarios/0001-quickstart.yaml" --plan --platform kind
expect_grep '^CHART="\$\{CHART:-.*/share/chaindrill/deploy/helm/chaindrill\}"$' "$SCRATCH/out" "the plan's chart is the installed one"
# vendor-check's default set: ./scenarios/vendor-check is not here, the installed one is used.
expect_exit 0 "installed: vendor-check finds its installed standard set" -- "$cd_bin" vendor-check "$data/fixtures/vendors/hostpath-copy.yaml" --only vc-restore-latest-common --workspace ws --report-dir r3
expect_grep "vc-restore-latest-common" "$SCRATCH/out" "the scenario of the installed set ran"
if [ ! -e "$SCRATCH/elsewhere/scenarios" ]; then pass "nothing created a scenarios/ here"; else
	fail "nothing created a scenarios/ here"; fi
finish

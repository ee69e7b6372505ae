#!/usr/bin/env bash
# The replica image's Dockerfile, checked statically (no Docker engine here): the build stage
# installs exactly scripts/packages.txt's [build] packages and runs the project's cmake line; the
# runtime stage installs packages that exist in Debian bookworm and provide every shared library
# the built chaindrill needs; it runs as a non-root user with ENTRYPOINT `chaindrill replica` and no
# HEALTHCHECK (Kubernetes probes /v1/ready); .dockerignore keeps the sources in the context.
. "$SOURCE/tests/e2e/lib/testlib.sh"
df="$SOURCE/Dockerfile"
[ -f "$df" ] || { fail "Dockerfile exists"; finish; }

# A Dockerfile's instructions, continuation lines joined.
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$df" | grep -v '^[[:space:]]*#' >"$SCRATCH/joined"

# --- build stage: packages.txt [build], the project's cmake line -----------------------------------
build_sed=$(grep -o "sed -n '[^']*'" "$SCRATCH/joined" | head -n 1)
if [ -n "$build_sed" ]; then
	eval "$build_sed \"\$SOURCE/scripts/packages.txt\"" | sort >"$SCRATCH/image-build-pkgs"
	# What scripts/setup.sh installs for `build` (its own parsing, run on the same file).
	awk '/^#/ || /^$/ {next} /^\[.*\]$/ {s = $0; next} s == "[build]" {print}' \
		"$SOURCE/scripts/packages.txt" | sort >"$SCRATCH/setup-build-pkgs"
	if [ -s "$SCRATCH/setup-build-pkgs" ] && cmp -s "$SCRATCH/image-build-pkgs" "$SCRATCH/setup-build-pkgs"; then
		pass "the build stage installs packages.txt's [build] packages"
	else
		fail "the build stage installs packages.txt's [build] packages" \
			"$(diff "$SCRATCH/setup-build-pkgs" "$SCRATCH/image-build-pkgs")"
	fi
else
	fail "the build stage reads its packages from scripts/packages.txt"
fi
expect_grep 'cmake -S \. -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHAINDRILL_TESTS=OFF' "$SCRATCH/joined" \
	"the build stage configures as the project does (RelWithDebInfo), tests off"
expect_grep 'cmake --build build ' "$SCRATCH/joined" "the build stage builds"
expect_grep '^FROM debian:bookworm(-slim)? AS build$' "$SCRATCH/joined" "the build stage is Debian bookworm"

# --- runtime stage: real bookworm packages covering the binary's libraries --------------------------
runtime=$(awk '/^FROM/ {stage++} stage == 2 && /apt-get install/' "$SCRATCH/joined" |
	sed 's/.*--no-install-recommends//; s/;.*//' | tr -s ' ' '\n' | grep -v '^$' | sort)
[ -n "$runtime" ] && pass "the runtime stage installs packages: $(echo $runtime)" ||
	fail "the runtime stage installs packages"
expect_grep '^FROM debian:bookworm(-slim)?$' "$SCRATCH/joined" "the runtime stage is Debian bookworm"
# Checked against this machine's apt and dpkg: where it is not bookworm (prerequisite BOOKWORM)
# these cases are reported skipped.
for p in $runtime; do
	test_expect_success BOOKWORM "bookworm has $p" 'apt-cache show --no-all-versions "$p" >/dev/null'
done
# Every NEEDED library of the built binary comes from a runtime package (or libc6, in every image).
for soname in $(readelf -d "$CHAINDRILL" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
	case "$soname" in
	libasan* | libubsan*)
		test_skip "$soname comes from a package the runtime stage installs" \
			"a sanitizer build's library, not in the image"
		continue ;;
	esac
	test_expect_success BOOKWORM "$soname comes from a package the runtime stage installs" '
		path=$(ldconfig -p | awk -v s="$soname" "\$1 == s {print \$NF; exit}") &&
		# dpkg knows a file by the path its package installed (libc: /lib; others: the real file).
		pkg=$({ dpkg -S "$path" || dpkg -S "$(readlink -f "$path")"; } 2>/dev/null | head -n 1 | cut -d: -f1) &&
		echo "$soname: $path, from ${pkg:-no package}" &&
		case " libc6 libgcc-s1 $(echo $runtime) " in *" $pkg "*) ;; *) false ;; esac
	'
done

# --- what runs, and as whom ----------------------------------------------------------------------------
expect_grep '^ENTRYPOINT \["/usr/local/bin/chaindrill", "replica"\]$' "$SCRATCH/joined" \
	"ENTRYPOINT is chaindrill replica"
expect_grep '^COPY --from=build /src/build/chaindrill /usr/local/bin/chaindrill$' "$SCRATCH/joined" \
	"the runtime stage takes the built binary"
last_user=$(awk '/^USER / {u = $2} END {print u}' "$SCRATCH/joined")
case "$last_user" in
"" | 0 | 0:* | root | root:*) fail "the image runs as a non-root user" "USER is '${last_user:-unset}'" ;;
*) pass "the image runs as a non-root user ($last_user)" ;;
esac
expect_grep "runAsUser: ${last_user%%:*}\$" "$SOURCE/deploy/helm/chaindrill/values.yaml" \
	"the chart's default runAsUser is the image's user"
if grep -q '^HEALTHCHECK' "$SCRATCH/joined"; then fail "no HEALTHCHECK (Kubernetes probes /v1/ready)"; else
	pass "no HEALTHCHECK (Kubernetes probes /v1/ready)"
fi

# --- .dockerignore keeps what the build stage needs ------------------------------------------------
for keep in harness CMakeLists.txt scripts; do
	if grep -qxE "/?$keep(/.*)?" "$SOURCE/.dockerignore"; then fail ".dockerignore keeps $keep"; else
		pass ".dockerignore keeps $keep"
	fi
done
expect_grep '^build$' "$SOURCE/.dockerignore" ".dockerignore leaves build trees out"
finish

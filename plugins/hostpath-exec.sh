#!/usr/bin/env bash
# plugins/hostpath-exec.sh — the reference plugin of chaindrill's `exec` storage vendor
# (protocol chaindrill-vendor-exec/1, docs/vendor-exec.md). Copy it to start your own.
#
#   hostpath-exec.sh snapshot|restore|delete|list   < request.json   > response.json
#
# snapshot: copy each volume's host path to <stateDir>/<backup>/<claim> (cp -a), written under
#           <stateDir>/.partial-<backup> and renamed when whole.
# restore:  put each copy back over its volume (in place, as the runbook's minikube flow) and
#           answer the copy itself as the volume's `mount`, which chaindrill copies the
#           checkpoint from.
# delete:   remove <stateDir>/<backup>.    list: the backups in <stateDir>.
# Needs bash, coreutils, findutils and jq.
# shellcheck disable=SC2016  # the jq programs name their $arguments in single quotes
set -euo pipefail
PROTOCOL=chaindrill-vendor-exec/1
op=${1:-}

# Answer and exit: `ok [JQ-OBJECT [JQ-ARGS...]]` on success, `fail MESSAGE` on failure (exit 1).
ok() {
	local fields=${1:-'{}'}
	shift $(($# ? 1 : 0))
	jq -cn --arg p "$PROTOCOL" "$@" "{protocolVersion: \$p, ok: true} + $fields"
	exit 0
}
fail() {
	if command -v jq >/dev/null; then
		jq -cn --arg p "$PROTOCOL" --arg e "$*" '{protocolVersion: $p, ok: false, error: $e}'
	fi
	echo "hostpath-exec: $*" >&2
	exit 1
}
trap 'fail "$op: command failed at line $LINENO (see stderr)"' ERR
command -v jq >/dev/null || fail "jq is not installed (apt-get install jq)"

req=$(cat)
field() { jq -r "$1" <<<"$req"; }
version=$(field .protocolVersion)
[ "$version" = "$PROTOCOL" ] || fail "unsupported protocolVersion $version (this plugin speaks $PROTOCOL)"
state=$(field .stateDir)
name=$(field '.backup // ""')
case "$op" in snapshot | restore | delete)
	[[ -n "$name" && "$name" != .* && "$name" != */* ]] || fail "invalid backup name \"$name\"" ;;
esac
# One "index<TAB>claim<TAB>hostPath" line per volume.
volumes() { field '.volumes[] | [.index, .claim, .hostPath] | @tsv'; }

# cp -a of a running database: files that compaction deletes mid-copy are skipped, as
# chaindrill's hostpath-copy does; only the checkpoints in the copy (hard links that never
# change) are meant to be restored. Any other error fails the copy.
copy_live() {
	local err
	err=$(cp -a "$1" "$2" 2>&1) && return 0
	if grep -v 'No such file or directory' <<<"$err" | grep -q .; then
		echo "$err" >&2
		return 1
	fi
}

case "$op" in
snapshot)
	[ ! -e "$state/$name" ] || fail "backup $name already exists"
	tmp=$state/.partial-$name
	rm -rf "$tmp"
	mkdir -p "$tmp"
	answers='[]'
	while IFS=$'\t' read -r index claim path; do
		copy_live "$path" "$tmp/$claim"
		bytes=$(du -sb "$tmp/$claim" | cut -f1)
		answers=$(jq -c --argjson i "$index" --arg id "$name/$claim" --argjson b "$bytes" \
			'. + [{index: $i, snapshotId: $id, bytes: $b}]' <<<"$answers")
	done < <(volumes)
	mv -T "$tmp" "$state/$name"
	ok '{volumes: $v}' --argjson v "$answers"
	;;
restore)
	[ -d "$state/$name" ] || fail "no backup named $name"
	answers='[]'
	while IFS=$'\t' read -r index claim path; do
		copy=$state/$name/$claim
		[ -d "$copy" ] || fail "backup $name holds no copy of $claim"
		mkdir -p "$path"
		find "$path" -mindepth 1 -delete
		cp -a "$copy/." "$path/"
		bytes=$(du -sb "$copy" | cut -f1)
		answers=$(jq -c --argjson i "$index" --arg m "$copy" --argjson b "$bytes" \
			'. + [{index: $i, mount: $m, bytes: $b}]' <<<"$answers")
	done < <(volumes)
	ok '{volumes: $v}' --argjson v "$answers"
	;;
delete)
	rm -rf "${state:?}/$name"
	ok
	;;
list)
	names=$(find "$state" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' | sort)
	ok '{backups: $b}' --argjson b "$(jq -R '{name: .}' <<<"$names" | jq -cs 'map(select(.name != ""))')"
	;;
*)
	fail "unknown operation \"$op\" (expected snapshot, restore, delete or list)"
	;;
esac

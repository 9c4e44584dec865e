#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Generate the test config in an output dir: tinyconfig + the fragments
# given (ci/x86_64/*.config; ci/arm64/... for a cross build, whose ARCH
# comes from HMMCI_CROSS_ARCH, see lib.sh) (merge_config.sh) + olddefconfig, then fail if any requested
# option did not survive. Options whose symbol does not exist yet in this
# tree (added by a later patch) are listed, not failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 SRCDIR OUTDIR [clang] FRAGMENT..." >&2
	exit 2
}
[ $# -ge 3 ] || usage
src=$1 out=$2
shift 2
mk=(make -C "$src" O="$out")
# A cross build (HMMCI_CROSS_ARCH, see lib.sh) configures for its ARCH.
mapfile -t cross < <(kmake_cross_args)
mk+=("${cross[@]}")
if [ "$1" = clang ]; then
	mk+=(LLVM="$HMMCI_CLANG_SUFFIX")
	shift
fi
mkdir -p "$out"
build_dir_source "$out" "$src"
frags=("$@")
for f in "${frags[@]}"; do
	[ -f "$f" ] || die config "$f" "ls $f" "config fragment missing"
done

# Everything the result depends on: the fragments, the Kconfig files and
# scripts/kconfig of the tree (committed and not), the compiler (Kconfig
# probes it) and the make command line, and the .config made from them
# (edited by hand since, it is made again). When $out/.config was made
# from the same, it is left as it is: three Kconfig runs and the option
# check cost 5-20 s, and a step that touches no Kconfig file changes
# nothing. Only for a git tree of its own (the stamp reads its index).
stamp=
if [ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)" = "$(realpath "$src")" ]; then
	cc=gcc
	[ -z "$HMMCI_CROSS_COMPILE" ] || cc=${HMMCI_CROSS_COMPILE}gcc
	[[ " ${mk[*]} " != *" LLVM="* ]] || cc=clang$HMMCI_CLANG_SUFFIX
	stamp=$({
		echo "${mk[*]}"
		"$cc" --version 2>&1 | head -n1
		cat "${frags[@]}"
		git -C "$src" ls-files -s -- ':(glob)**/Kconfig*' scripts/kconfig \
			kernel/configs ':(glob)arch/*/configs/tiny.config'
		git -C "$src" diff HEAD -- ':(glob)**/Kconfig*' scripts/kconfig \
			kernel/configs ':(glob)arch/*/configs/tiny.config'
	} | sha256sum | cut -c1-32)
	if [ -f "$out/.config" ] &&
		[ "$(cat "$out/.hmmci-config-stamp" 2>/dev/null)" = "$stamp $(sha256sum <"$out/.config" | cut -c1-32)" ]; then
		exit 0
	fi
fi
rm -f "$out/.hmmci-config-stamp"

new=$out/.config.hmmci
"${mk[@]}" -s KCONFIG_CONFIG=.config.hmmci tinyconfig >/dev/null
# merge_config.sh writes OUTDIR/.config: not $out, whose .config must stay
# untouched (and older than the build) unless the result differs.
mrg=$out/.hmmci-merge
rm -rf "$mrg"
mkdir -p "$mrg"
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$mrg" \
	"$new" "${frags[@]}" >"$out/merge_config.log" 2>&1) ||
	die config "$out/merge_config.log" \
		"scripts/kconfig/merge_config.sh -m -O $mrg $new ${frags[*]}" \
		"merge_config.sh failed"
mv "$mrg/.config" "$new"
rm -rf "$mrg"
"${mk[@]}" -s KCONFIG_CONFIG=.config.hmmci olddefconfig >/dev/null

# The value each option must have: the last fragment that sets it wins,
# as in merge_config.sh (ci/arm64/modules.config turns y into m).
declare -A want_of
order=()
while IFS= read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	sym=${line%%=*}
	[ -n "${want_of[$sym]+set}" ] || order+=("$sym")
	want_of[$sym]=$line
done < <(cat "${frags[@]}")

# defined_in_tree SYM: the tree has a Kconfig entry for SYM (git grep when
# it is a git tree: a recursive grep of the whole tree costs seconds).
defined_in_tree() {
	local re="^[[:space:]]*(menu)?config $1\$"
	if [ -n "$stamp" ]; then
		git -C "$src" grep -qE "$re" -- ':(glob)**/Kconfig*'
	else
		grep -rqsE "$re" --include='Kconfig*' "$src"
	fi
}

missing=() absent=()
for sym in "${order[@]}"; do
	line=${want_of[$sym]}
	sym=${sym#CONFIG_}
	val=${line#*=}
	got=$(grep -E "^(# )?CONFIG_$sym[= ]" "$new" || true)
	want=$line
	[ "$val" = n ] && want="# CONFIG_$sym is not set"
	[ "$got" = "$want" ] && continue
	if [ "$val" = n ] && [ -z "$got" ]; then continue; fi
	if ! defined_in_tree "$sym"; then
		absent+=("$sym")
		continue
	fi
	missing+=("$line (got: ${got:-unset})")
done

if [ ${#absent[@]} -gt 0 ]; then
	log "config: not in this tree (yet): ${absent[*]}"
fi
if [ ${#missing[@]} -gt 0 ]; then
	printf '  missing: %s\n' "${missing[@]}" >&2
	die config "${frags[*]}" "$0 $src $out ${frags[*]}" \
		"Not all Kconfig options selected: ${#missing[@]} did not survive olddefconfig"
fi
# Only replace .config when it changed, so an unchanged step rebuilds nothing.
if cmp -s "$new" "$out/.config"; then
	rm -f "$new"
else
	mv "$new" "$out/.config"
	"${mk[@]}" -s olddefconfig >/dev/null
fi
[ -z "$stamp" ] || echo "$stamp $(sha256sum <"$out/.config" | cut -c1-32)" >"$out/.hmmci-config-stamp"

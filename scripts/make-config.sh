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
frags=("$@")
for f in "${frags[@]}"; do
	[ -f "$f" ] || die config "$f" "ls $f" "config fragment missing"
done

new=$out/.config.hmmci
"${mk[@]}" -s KCONFIG_CONFIG=.config.hmmci tinyconfig >/dev/null
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$new" "${frags[@]}" >"$out/merge_config.log" 2>&1) ||
	die config "$out/merge_config.log" \
		"scripts/kconfig/merge_config.sh -m -O $out $new ${frags[*]}" \
		"merge_config.sh failed"
mv "$out/.config" "$new"
"${mk[@]}" -s KCONFIG_CONFIG=.config.hmmci olddefconfig >/dev/null

missing=() absent=()
while IFS= read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	sym=${line%%=*}
	sym=${sym#CONFIG_}
	val=${line#*=}
	got=$(grep -E "^(# )?CONFIG_$sym[= ]" "$new" || true)
	want=$line
	[ "$val" = n ] && want="# CONFIG_$sym is not set"
	[ "$got" = "$want" ] && continue
	if [ "$val" = n ] && [ -z "$got" ]; then continue; fi
	if ! grep -rqsE "^[[:space:]]*(menu)?config $sym\$" --include='Kconfig*' \
		"$src"; then
		absent+=("$sym")
		continue
	fi
	missing+=("$line (got: ${got:-unset})")
done < <(cat "${frags[@]}")

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

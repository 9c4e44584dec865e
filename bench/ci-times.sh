#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Measure the series CI side by side in one run: a cold run (empty cache:
# download, import, empty ccache, cold build dirs) and a warm rerun of the
# same test command right after it, then each run's per-phase profile
# (test.sh's results/phases.txt: setup, series, checks, proof, selftest,
# arm64) and the per-step build and boot seconds. Prints the ratio
# cold/warm. Needs ~55 min on 2 cores. The host's packages are not
# removed: on a fresh machine, setup-host.sh's apt install comes on top
# (measured: ~40 s).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

usage() { echo "usage: $0 [--keep]   (--keep: leave the cold cache in place)" >&2; exit 2; }
keep=0
case ${1:-} in --keep) keep=1 ;; '') ;; *) usage ;; esac

cold=$(mktemp -d /var/tmp/hmmci-cold.XXXXXX)
export HMMCI_CACHE=$cold CCACHE_DIR=$cold/ccache
unset HMMCI_BASE_TREE HMMCI_WORKTREE HMMCI_BUILD
out=$top/results/bench
rm -rf "$out"
mkdir -p "$out"

run() { # NAME: time one test command, keep its table
	local t0 rc=0
	t0=$(date +%s)
	"$top/scripts/test.sh" >"$out/$1.log" 2>&1 || rc=$?
	echo $(($(date +%s) - t0)) >"$out/$1.s"
	cp "$top/results/series/table.md" "$out/$1.table.md"
	cp "$top/results/phases.txt" "$out/$1.phases"
	cp "$top/results/arm64/table.md" "$out/$1.arm64.md" 2>/dev/null || true
	echo "$1: $(cat "$out/$1.s") s, exit $rc, $(tail -n1 "$out/$1.log")"
}

echo "cache: $cold (cold)"
run cold
run warm
echo
echo "| run | wall s |"
echo "|---|---|"
echo "| cold (empty cache) | $(cat "$out/cold.s") |"
echo "| warm rerun | $(cat "$out/warm.s") |"
echo "cold/warm: $(awk -v c="$(cat "$out/cold.s")" -v w="$(cat "$out/warm.s")" 'BEGIN { printf "%.1fx\n", c / w }')"
echo
echo "| phase | cold s | warm s |"
echo "|---|---|---|"
# phases.txt: "NAME START" per phase; a phase lasts until the next starts.
awk 'FNR == 1 { f++ } { name[f, FNR] = $1; t[f, FNR] = $2; n[f] = FNR }
	END {
		for (i = 1; i < n[1]; i++)
			printf "| %s | %d | %d |\n", name[1, i], t[1, i + 1] - t[1, i], t[2, i + 1] - t[2, i]
	}' "$out/cold.phases" "$out/warm.phases"
echo
for r in cold warm; do
	echo "$r, per step (build s | boot s and accelerator):"
	# The columns by their titles (ci/step-checks.txt).
	awk -F'|' 'NR == 1 { for (i = 1; i <= NF; i++) { t = $i; gsub(/^ +| +$/, "", t); col[t] = i } }
		NR > 2 { printf "  step %s: build %s, boot %s\n", $col["step"], $col["build s"], $col["boot"] }' \
		"$out/$r.table.md"
done
[ $keep -eq 1 ] || rm -rf "$cold"

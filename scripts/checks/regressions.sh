#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What breaks for someone who used the base: every test of the guest's
# suites (TAP in each step's guest/SUITE.log) that passes at the base must
# pass at the last step, and the tests MUSTPASS lists must pass there.
# Writes TABLE (markdown): per suite the counts at both ends, every test
# whose result differs, and every test of the rdma-core suites.
# hmmci-check: 110 BASE-GUEST LAST-GUEST MUSTPASS OUT/regressions.md
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 BASE-GUEST-DIR LAST-GUEST-DIR MUSTPASS TABLE" >&2; exit 2; }
base=$1 last=$2 must=$3 table=$4
# join and sort must agree on the order
export LC_ALL=C
# Exit 4 (SKIPPED): a step that was not booted (--quick, --no-boot, the
# time budget) has no guest results to compare; its boot cell says why.
for d in "$base" "$last"; do
	if [ ! -f "$d/status" ]; then
		why=$(head -n1 "$(dirname "$d")/boot" 2>/dev/null || echo "no boot record")
		echo "no guest results in $d: $why"
		case $why in SKIP*) exit 4 ;; *) exit 1 ;; esac
	fi
done
# tap DIR: "suite test status" for every test line of every suite log;
# status pass, fail or skip (ok # SKIP).
tap() {
	local f
	for f in "$1"/*.log; do
		[ -f "$f" ] || continue
		awk -v s="$(basename "$f" .log)" '
			/^(not )?ok [0-9]+ / {
				st = ($1 == "not") ? "fail" : "pass"
				n = ($1 == "not") ? $4 : $3
				if (st == "pass" && $0 ~ / # SKIP/) st = "skip"
				print s, n, st
			}' "$f"
	done | sort -u
}
join -a1 -a2 -e none -o 0,1.2,2.2 \
	<(tap "$base" | awk '{ print $1 "|" $2, $3 }' | sort -k1,1) \
	<(tap "$last" | awk '{ print $1 "|" $2, $3 }' | sort -k1,1) >"$table.tsv"
bad=()
# A suite the guest ran (its status line) must have left its log: lost
# results are not "nothing regressed".
for d in "$base" "$last"; do
	while IFS=: read -r s _; do
		case $s in boot | done | '') continue ;; esac
		[ -f "$d/$s.log" ] || bad+=("$s: ran, but $d/$s.log is missing")
	done <"$d/status"
done
while read -r key b l; do
	[ "$b" = pass ] && [ "$l" != pass ] && bad+=("${key/|/ } ($b at the base, $l at the last step)")
done <"$table.tsv"
# A suite skipped as a whole ("1..0 # SKIP", e.g. HMMCI_HOSTROOT=0) at
# the last step is named, not counted against its required passes.
notes=()
while read -r s t; do
	if grep -qs '^1\.\.0 # SKIP' "$last/$s.log"; then
		notes+=("$s skipped at the last step: $(sed -n 's/^1\.\.0 # SKIP //p' "$last/$s.log")")
		continue
	fi
	l=$(awk -v k="$s|$t" '$1 == k { print $3 }' "$table.tsv")
	[ "$l" = pass ] || bad+=("$s $t must pass at the last step (${l:-not run})")
done < <(grep -v '^#' "$must" | awk 'NF')
[ ${#notes[@]} -eq 0 ] || printf '%s\n' "${notes[@]}" | sort -u
{
	echo "| suite | base: pass / fail / skip | last step: pass / fail / skip |"
	echo "|---|---|---|"
	awk '{ split($1, k, "|"); s[k[1]]; n[k[1], "b", $2]++; n[k[1], "l", $3]++ }
		END { for (x in s) printf "| %s | %d / %d / %d | %d / %d / %d |\n", x,
			n[x, "b", "pass"], n[x, "b", "fail"], n[x, "b", "skip"],
			n[x, "l", "pass"], n[x, "l", "fail"], n[x, "l", "skip"] }' "$table.tsv" | sort
	echo
	echo "Tests whose result differs (none: not run there):"
	echo
	echo "| suite | test | base | last step |"
	echo "|---|---|---|---|"
	awk '$2 != $3 { split($1, k, "|"); printf "| %s | %s | %s | %s |\n", k[1], k[2], $2, $3 }' "$table.tsv"
	echo
	echo "Every test of the rdma-core suites:"
	echo
	echo "| suite | test | base | last step |"
	echo "|---|---|---|---|"
	awk '$1 ~ /^rdma-core-/ { split($1, k, "|"); printf "| %s | %s | %s | %s |\n", k[1], k[2], $2, $3 }' "$table.tsv"
} >"$table"
rm -f "$table.tsv"
if [ ${#bad[@]} -gt 0 ]; then
	printf '%s\n' "${bad[@]}"
	echo "${#bad[@]} regressions or missing passes (table: $table)"
	exit 1
fi
echo "no test that passes at the base fails at the last step; $(grep -cv '^#' "$must" || true) required passes hold (table: $table)"

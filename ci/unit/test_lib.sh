#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of helpers of scripts/lib.sh that decide what a run trusts: the
# cleaning of a worktree an interrupted run left, and the reading of a
# profile (ci/profiles). Each case works in a git repository or profile
# made here; nothing of the cache is touched.
#
# usage: test_lib.sh --list | CASE
# --list prints the cases, one a line; CASE runs one in the current
# directory (scripts/unit-tests.sh gives each its own mktemp -d) and exits
# 0 (pass) or 1 (fail, the reason on stdout).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$PWD
export HMMCI_CACHE=$work/cache GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
# shellcheck source=../../scripts/lib.sh
. "$top/scripts/lib.sh"

fail() {
	echo "$*"
	exit 1
}
g() { git -c user.name=unit -c user.email=unit@localhost "$@"; }

# repo DIR: a repository with one commit, and a patch (DIR.patch) that
# does not apply to it, so that git am stops midway as a killed one does
repo() {
	g init -q "$1"
	echo a >"$1/f"
	g -C "$1" add f
	g -C "$1" commit -qm base
	cat >"$1.patch" <<-'PATCH'
	From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
	From: unit <unit@localhost>
	Date: Tue, 1 Dec 2026 00:00:00 +0000
	Subject: [PATCH] change a line that is not there

	---
	 f | 2 +-
	 1 file changed, 1 insertion(+), 1 deletion(-)

	diff --git a/f b/f
	--- a/f
	+++ b/f
	@@ -1 +1 @@
	-no such line
	+b
	PATCH
}
# stopped_am DIR: DIR's git am stopped midway; fails when it did not
stopped_am() {
	! g -C "$1" am -q "$work/$1.patch" >/dev/null 2>&1 || fail "the patch applied"
	[ -d "$(git -C "$1" rev-parse --path-format=absolute --git-path rebase-apply)" ] ||
		fail "git am left no rebase-apply in $1"
}

# identity: a committer for git am --abort, as on a configured machine
identity() { export GIT_COMMITTER_NAME=unit GIT_COMMITTER_EMAIL=unit@localhost; }

# A run killed inside git am in the base tree (a main worktree, where
# --git-path prints a relative path) leaves its rebase-apply: the next
# run's worktree_clean, called from another directory, aborts it.
case_clean_main_worktree() {
	identity
	repo base
	stopped_am base
	mkdir elsewhere
	(cd elsewhere && worktree_clean "$work/base")
	[ ! -d base/.git/rebase-apply ] || fail "worktree_clean left base/.git/rebase-apply"
	git -C base am -q "$work/base.patch" >/dev/null 2>&1 &&
		fail "the patch applies after worktree_clean"
	git -C base am --abort >/dev/null 2>&1 || true
	[ "$(git -C base log --format=%s)" = base ] || fail "worktree_clean moved HEAD"
}

# The same on a machine with no git identity, where git am --abort fails.
# git finds one in EMAIL or a host name with a domain too: those are taken
# away (user.useConfigOnly), and the case is skipped (4) where git still
# has one, as it would not test the fallback.
case_clean_without_identity() {
	local n=${GIT_CONFIG_COUNT:-0}
	unset GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL EMAIL
	export GIT_CONFIG_COUNT=$((n + 1)) "GIT_CONFIG_KEY_$n=user.useConfigOnly" \
		"GIT_CONFIG_VALUE_$n=true"
	if git var GIT_COMMITTER_IDENT >/dev/null 2>&1; then
		echo "git has a committer identity here: $(git var GIT_COMMITTER_IDENT)"
		exit 4
	fi
	repo base
	stopped_am base
	(cd / && worktree_clean "$work/base")
	[ ! -d base/.git/rebase-apply ] || fail "worktree_clean left base/.git/rebase-apply"
	[ -z "$(git -C base status --porcelain)" ] || fail "base is not clean"
}

# The same in a linked worktree (the one --tree runs use).
case_clean_linked_worktree() {
	identity
	repo base
	g -C base worktree add -q --detach "$work/wt" HEAD
	cp base.patch wt.patch
	stopped_am wt
	(cd / && worktree_clean "$work/wt")
	[ ! -d "$(git -C wt rev-parse --path-format=absolute --git-path rebase-apply)" ] ||
		fail "worktree_clean left the worktree's rebase-apply"
}

# A half checkout: a file changed and one added are gone after it; the
# untracked build output of an out-of-tree build is never in the tree.
case_clean_changed_files() {
	repo base
	echo changed >base/f
	(cd / && worktree_clean "$work/base")
	[ "$(cat base/f)" = a ] || fail "base/f is '$(cat base/f)', not a"
}

# profile NAME LINES...: a profile in a top directory of this case's own
# (HMMCI_TOP, as profile_load reads it), so the repository is not touched
profile() {
	local f=$work/top/ci/profiles/$1
	shift
	mkdir -p "$(dirname "$f")"
	printf '%s\n' "$@" >"$f"
}
minimal=(fragments=ci/x86_64/base.config targets=bzImage image=arch/x86/boot/bzImage
	qemu=qemu-system-x86_64 cpu=max kvm=yes memory=6G console=ttyS0
	'hugetlb="hugepages=1"' timeout=10)

# A profile with only the keys profile_load requires loads: the optional
# ones (arch, cross_compile, machine, shares, suites, excluded) are empty.
case_profile_optional_keys() {
	local out
	profile minimal "${minimal[@]}"
	out=$( (HMMCI_TOP=$work/top && profile_load minimal &&
		echo "arch=[$prof_arch] machine=[$prof_machine] shares=[$prof_shares] suites=[$prof_suites] excluded=[$prof_excluded] cpu=$prof_cpu") 2>&1) ||
		fail "profile_load failed: $out"
	[ "$out" = "arch=[] machine=[] shares=[] suites=[] excluded=[] cpu=max" ] ||
		fail "loaded: $out"
}

# A profile missing a required key is refused, naming the key.
case_profile_missing_key() {
	local out rc=0
	profile nocpu "${minimal[@]/cpu=max/}"
	out=$( (HMMCI_TOP=$work/top && profile_load nocpu) 2>&1) || rc=$?
	[ $rc -ne 0 ] || fail "profile_load accepted a profile without cpu"
	grep -q "has no cpu" <<<"$out" || fail "no reason naming cpu: $out"
}

# Every profile of the repository loads.
case_profiles_load() {
	local f
	for f in "$top"/ci/profiles/*; do
		(profile_load "$(basename "$f")" >/dev/null 2>&1) ||
			fail "profile $(basename "$f") does not load"
	done
}

# git's gc runs in the foreground (gc.autoDetach=false) for every run,
# added once after a caller's own GIT_CONFIG_* entries, which are kept;
# after a caller's own gc.autoDetach too (the last value wins), and with
# a count written with a leading zero.
case_gc_foreground() {
	local out
	out=$(env -u GIT_CONFIG_COUNT -u HMMCI_GC_INDEX bash -c '. "$1/scripts/lib.sh"; . "$1/scripts/lib.sh"
		git config gc.autoDetach; echo "$GIT_CONFIG_COUNT"' - "$top" 2>&1)
	[ "$out" = "$(printf 'false\n1')" ] || fail "no user entries: $out"
	out=$(env -u HMMCI_GC_INDEX GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.abbrev GIT_CONFIG_VALUE_0=20 \
		bash -c '. "$1/scripts/lib.sh"; . "$1/scripts/lib.sh"
		git config gc.autoDetach; git config core.abbrev; echo "$GIT_CONFIG_COUNT"' - "$top" 2>&1)
	[ "$out" = "$(printf 'false\n20\n2')" ] || fail "with a user entry: $out"
	out=$(env -u HMMCI_GC_INDEX GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=gc.autoDetach GIT_CONFIG_VALUE_0=true \
		bash -c '. "$1/scripts/lib.sh"; . "$1/scripts/lib.sh"
		git config gc.autoDetach; echo "$GIT_CONFIG_COUNT"' - "$top" 2>&1)
	[ "$out" = "$(printf 'false\n2')" ] || fail "with the user's gc.autoDetach=true: $out"
	out=$(env -u HMMCI_GC_INDEX bash -c 'for i in 0 1 2 3 4 5 6 7 8; do
			export "GIT_CONFIG_KEY_$i=core.abbrev" "GIT_CONFIG_VALUE_$i=20"
		done
		export GIT_CONFIG_COUNT=09
		. "$1/scripts/lib.sh"; git config gc.autoDetach; echo "$GIT_CONFIG_COUNT"' - "$top" 2>&1)
	[ "$out" = "$(printf 'false\n10')" ] || fail "with GIT_CONFIG_COUNT=09: $out"
}

. "$top/ci/unit/cases.sh"

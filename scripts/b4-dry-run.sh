#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare the series with b4 exactly as it would be sent, without sending:
# a b4-managed branch (b4 prep) with the patches of `series`, the cover
# letter from ci/cover-letter.txt, To/Cc from get_maintainer.pl
# (b4 prep --auto-to-cc), then `b4 send -o DIR` (dry run, no network).
# Then checks the messages: count, numbering, subjects, and that every
# address get_maintainer.pl gives for a patch is on its To/Cc.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -le 1 ] || { echo "usage: $0 [OUTDIR]   (default: results/b4)" >&2; exit 2; }
cache_lock
out=${1:-$HMMCI_TOP/results/b4}
need_cmd b4 git-filter-repo
tree=${HMMCI_TREE:-$HMMCI_BASE_TREE}
base=$(cut -d' ' -f2 "$HMMCI_TOP/results/series/base" 2>/dev/null || echo "$HMMCI_BASE_TAG")
wt=$HMMCI_CACHE/b4
mapfile -t patches < <(series_patches)
n=${#patches[@]}
[ "$n" -gt 0 ] || { echo "b4: SKIPPED (the series is empty)"; exit 0; }

worktree_ensure "$tree" "$wt" "$base"
g=(git -C "$wt")
"${g[@]}" config user.name >/dev/null || g+=(-c user.name=hmmci)
"${g[@]}" config user.email >/dev/null || g+=(-c user.email=hmmci@invalid)
"${g[@]}" checkout -q -B b4base "$base"
"${g[@]}" branch -D b4/hmm-huge >/dev/null 2>&1 || true
# b4 reads git's configuration: an SMTP server that is never reached
# (-o only writes files) keeps it off its web endpoint.
cfg_i=${GIT_CONFIG_COUNT:-0}
export GIT_CONFIG_COUNT=$((cfg_i + 1)) "GIT_CONFIG_KEY_$cfg_i=sendemail.smtpserver" \
	"GIT_CONFIG_VALUE_$cfg_i=/bin/false"
cd "$wt"
b4 prep -n hmm-huge -f "$base" >"$out.prep.log" 2>&1 ||
	die b4 "$out.prep.log" "cd $wt && b4 prep -n hmm-huge -f $base" "b4 prep failed"
# The revision b4 numbers the series with: the cover letter's newest
# "Changes in vN:".
prefix=$(series_prefix)
if [ "$(series_version)" -gt 1 ]; then
	b4 prep --force-revision "$(series_version)" >>"$out.prep.log" 2>&1 ||
		die b4 "$out.prep.log" "cd $wt && b4 prep --force-revision $(series_version)" \
			"b4 prep --force-revision failed"
fi
for p in "${patches[@]}"; do
	"${g[@]}" am -q "$p" || { "${g[@]}" am --abort; die b4 "$p" "git am $p" "patch does not apply"; }
done
# b4 keeps its own change-id; the cover text goes in without ours.
grep -v '^change-id: ' "$HMMCI_TOP/ci/cover-letter.txt" >"$out.cover.txt"
EDITOR="cp $out.cover.txt" b4 prep --edit-cover >>"$out.prep.log" 2>&1
b4 prep --auto-to-cc >>"$out.prep.log" 2>&1 ||
	die b4 "$out.prep.log" "cd $wt && b4 prep --auto-to-cc" "b4 prep --auto-to-cc failed"
rm -rf "$out"
b4 send -o "$out" --no-sign >"$out.send.log" 2>&1 ||
	die b4 "$out.send.log" "cd $wt && b4 send -o $out --no-sign" "b4 send -o failed"

# Check what b4 would send.
msgs=("$out"/*.eml)
[ ${#msgs[@]} -eq $((n + 1)) ] ||
	die b4 "$out" "ls $out" "expected $((n + 1)) messages, got ${#msgs[@]}"
i=0
for m in "${msgs[@]}"; do
	subj=$(mail_header "$m" Subject)
	# Numbered as format-patch does: zero-padded to the width of n.
	tag="[$prefix $(printf '%0*d' ${#n} $i)/$n]"
	[[ $subj == "$tag "* ]] || die b4 "$m" "less $m" "message $i is '$subj', not '$tag ...'"
	if [ $i -gt 0 ]; then
		want=$(patch_subject "${patches[$((i - 1))]}")
		[ "${subj#"$tag "}" = "$want" ] ||
			die b4 "$m" "less $m" "message $i is not '$want'"
		rcpt="$(mail_header "$m" To), $(mail_header "$m" Cc)"
		for a in $(cd "$wt" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
			--no-rolestats --no-n "${patches[$((i - 1))]}" 2>/dev/null); do
			[[ $rcpt == *"$a"* ]] || die b4 "$m" "less $m" "$a (get_maintainer.pl) is not on To/Cc"
		done
		if grep -q '^Fixes:' "${patches[$((i - 1))]}"; then
			[[ $rcpt == *stable@vger.kernel.org* ]] || die b4 "$m" "less $m" "a fix without stable on Cc"
		fi
	fi
	i=$((i + 1))
done
echo "b4: $((n + 1)) messages in $out, [$prefix 0/$n]..[$prefix $n/$n], To: $(mail_header "${msgs[0]}" To | cut -c1-120)"

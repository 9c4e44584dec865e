#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch the pinned base (Debian's linux-source-7.3 .deb), verify it, and
# import its source into a git tree with tag v7.3.4, outside the repository.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 [--force]   (tree: $HMMCI_BASE_TREE)" >&2
	exit 2
}
force=0
case ${1:-} in
--force) force=1 ;;
'') ;;
*) usage ;;
esac
cache_lock

# The tag is written last: a tree without it (an interrupted import) is
# imported again. The import records which package it came from and the
# commit it made (.git/hmmci-import); a tree whose tag names another
# commit (changed by hand, or not made by this script) is refused, never
# used. A tree imported before the record existed is recognised by the
# import's fixed author, and recorded.
rec=$HMMCI_BASE_TREE/.git/hmmci-import
if [ $force -eq 0 ] &&
	have=$(git -C "$HMMCI_BASE_TREE" rev-parse -q --verify "refs/tags/$HMMCI_BASE_TAG^{commit}" 2>/dev/null); then
	if [ -f "$rec" ]; then
		want=$(cut -d' ' -f2 "$rec")
		[ "$have" = "$want" ] ||
			die fetch-base "$HMMCI_BASE_TREE" "scripts/fetch-base.sh --force" \
				"the base tree's $HMMCI_BASE_TAG is $have, not the import $want: import it again"
	elif [ "$(git -C "$HMMCI_BASE_TREE" log -1 --format='%an <%ae>' "$have")" = "import <import@invalid>" ]; then
		echo "unrecorded $have" >"$rec"
	else
		die fetch-base "$HMMCI_BASE_TREE" "scripts/fetch-base.sh --force" \
			"the base tree's $HMMCI_BASE_TAG is $have, not an import of $HMMCI_BASE_PKG made by this script: import it again"
	fi
	log "base: $HMMCI_BASE_TREE already has $HMMCI_BASE_TAG ($(git -C "$HMMCI_BASE_TREE" rev-parse --short "$HMMCI_BASE_TAG"))"
	exit 0
fi
if [ $force -eq 0 ] && [ -e "$HMMCI_BASE_TREE" ]; then
	log "base: $HMMCI_BASE_TREE has no readable $HMMCI_BASE_TAG (an import that did not finish): importing again"
fi
need_cmd apt-get dpkg-deb xz tar git sha256sum

# A private apt configuration for the backports suite, on the mirror this
# machine already uses: no host name is written anywhere.
aptdir=$HMMCI_CACHE/apt
debdir=$HMMCI_CACHE/debs
mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial" "$debdir"
mirror=$(debian_mirror)
echo "deb $mirror $HMMCI_BASE_SUITE main" >"$aptdir/sources.list"
apto=(-o "Dir::Etc::sourcelist=$aptdir/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache::archives=$aptdir/archives"
	-o APT::Get::List-Cleanup=0)

deb=$debdir/${HMMCI_BASE_PKG}_${HMMCI_BASE_VERSION}_all.deb
if [ -f "$deb" ] && echo "$HMMCI_BASE_SHA256  $deb" | sha256sum -c --status; then
	log "base: cached $deb"
else
	# A cached .deb that is not the pinned one (a download cut short) is
	# never used, nor left for apt to resume.
	if [ -e "$deb" ]; then
		log "base: $deb is $(stat -c %s "$deb") bytes, sha256 $(sha256sum "$deb" | cut -c1-16)..., not the pinned $(echo "$HMMCI_BASE_SHA256" | cut -c1-16)...: removed, downloading again"
		rm -f "$deb"
	fi
	run_logged "$aptdir/update.log" apt-get "${apto[@]}" update ||
		die fetch-base "$aptdir/update.log" "apt-get ${apto[*]} update" \
			"cannot read $HMMCI_BASE_SUITE index"
	version=$HMMCI_BASE_VERSION
	if ! apt-cache "${apto[@]}" show "$HMMCI_BASE_PKG=$version" >/dev/null 2>&1; then
		version=$(apt-cache "${apto[@]}" madison "$HMMCI_BASE_PKG" |
			awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
			grep '^7\.3\.' | sort -V | tail -n 1)
		[ -n "$version" ] || die fetch-base "$HMMCI_BASE_PKG" \
			"apt-cache ${apto[*]} madison $HMMCI_BASE_PKG" \
			"no 7.3.y version of $HMMCI_BASE_PKG on the mirror"
		cat >&2 <<-NOTICE
		##################################################################
		NOTICE: pinned $HMMCI_BASE_PKG $HMMCI_BASE_VERSION has left the mirror.
		        Using the newest 7.3.y there instead: $version
		##################################################################
		NOTICE
		deb=$debdir/${HMMCI_BASE_PKG}_${version}_all.deb
	fi
	(cd "$debdir" && run_logged "$aptdir/download.log" \
		apt-get "${apto[@]}" download "$HMMCI_BASE_PKG=$version") ||
		die fetch-base "$HMMCI_BASE_PKG=$version" \
			"apt-get download $HMMCI_BASE_PKG=$version" "download failed"
	deb=$(ls "$debdir/${HMMCI_BASE_PKG}_$(echo "$version" | sed 's/:/%3a/')_all.deb")
	sum=$(sha256sum "$deb" | cut -d' ' -f1)
	if [ "$version" = "$HMMCI_BASE_VERSION" ]; then
		[ "$sum" = "$HMMCI_BASE_SHA256" ] || die fetch-base "$deb" "sha256sum $deb" \
			"sha256 mismatch: got $sum, pinned $HMMCI_BASE_SHA256"
	else
		echo "NOTICE: sha256 of $deb is $sum (not the pinned one)" >&2
	fi
fi

log "base: extracting $(basename "$deb")"
tmp=$HMMCI_CACHE/extract.tmp
rm -rf "$tmp" "$HMMCI_BASE_TREE"
mkdir -p "$tmp" "$HMMCI_BASE_TREE"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
xz -T0 -dc "$tmp"/usr/src/linux-source-*.tar.xz |
	tar -x -C "$HMMCI_BASE_TREE" --strip-components=1
rm -rf "$tmp"
grep -q '^SUBLEVEL = ' "$HMMCI_BASE_TREE/Makefile" ||
	die fetch-base "$HMMCI_BASE_TREE/Makefile" "ls $HMMCI_BASE_TREE" "not a kernel tree"

log "base: importing into git (fixed author and date: the commit id is reproducible)"
# Debian's top-level .gitignore ignores everything: add with -f.
export GIT_AUTHOR_NAME=import GIT_AUTHOR_EMAIL=import@invalid
export GIT_COMMITTER_NAME=import GIT_COMMITTER_EMAIL=import@invalid
export GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z
# No hook, signing or other setting of this machine's git in the import.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git -C "$HMMCI_BASE_TREE" init -q -b base
git -C "$HMMCI_BASE_TREE" add -A -f .
git -C "$HMMCI_BASE_TREE" commit -q -m "Linux $(make -s -C "$HMMCI_BASE_TREE" kernelversion)"
have=$(git -C "$HMMCI_BASE_TREE" rev-parse HEAD)
# The pinned package holds the pinned tree (HMMCI_BASE_SHA256 and
# HMMCI_BASE_CONTENT in scripts/lib.sh go together; the commit is
# HMMCI_BASE_COMMIT where git makes it as here); a newer 7.3.y, taken when
# the pinned one has left the mirror, another.
if [ "$(basename "$deb")" = "${HMMCI_BASE_PKG}_${HMMCI_BASE_VERSION}_all.deb" ]; then
	tree=$(git -C "$HMMCI_BASE_TREE" rev-parse "HEAD^{tree}")
	[ "$tree" = "$HMMCI_BASE_CONTENT" ] ||
		die fetch-base "$HMMCI_BASE_TREE" "git -C $HMMCI_BASE_TREE show --stat HEAD" \
			"the import of the pinned package has the tree $tree, not the pinned $HMMCI_BASE_CONTENT"
fi
echo "$(basename "$deb") $have" >"$rec"
git -C "$HMMCI_BASE_TREE" tag "$HMMCI_BASE_TAG"
log "base: $HMMCI_BASE_TREE at $HMMCI_BASE_TAG = $(git -C "$HMMCI_BASE_TREE" rev-parse HEAD)"

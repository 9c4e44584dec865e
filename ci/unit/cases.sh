# SPDX-License-Identifier: GPL-2.0
# Sourced last by the shell unit tests (ci/unit/test_*.sh): their case
# functions case_NAME, listed by "--list", one run by "NAME"
# (scripts/unit-tests.sh's contract).
cases=$(declare -F | sed -n 's/^declare -f case_//p')
case ${1:-} in
--list) echo "$cases" ;;
'') echo "usage: $0 --list | CASE" >&2; exit 2 ;;
*)
	grep -qxF -- "$1" <<<"$cases" || { echo "no case $1" >&2; exit 2; }
	"case_$1"
	;;
esac

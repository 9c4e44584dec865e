# SPDX-License-Identifier: GPL-2.0
# Sourced by the shell unit tests that make step directories
# (test_record_report.sh, test_report_arm64.sh).
# stepdir DIR SUBJECT FILE=VERDICT...: a step directory DIR with a subject
# and those verdict (or timing) files, one line each
stepdir() {
	local d=$1 kv
	mkdir -p "$d"
	echo "$2" >"$d/subject"
	shift 2
	for kv in "$@"; do
		echo "${kv#*=}" >"$d/${kv%%=*}"
	done
}

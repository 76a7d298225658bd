# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# TAP for the CLI's shell tests (cli.sh, doc.sh): source it, call result
# for each check, and end with tap_end.

n=0
failed=0

# result STATUS DESC [DETAIL]: "ok" or "not ok" for STATUS 0 or not, with
# DETAIL as diagnostics of a failure; returns STATUS, for the checks that
# decide what comes next
result()
{
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
	return "$1"
}

# tap_end: the totals; the status is that of the whole file
tap_end()
{
	echo "1..$n"
	echo "# $n tests, $failed failed"
	[ "$failed" -eq 0 ]
}

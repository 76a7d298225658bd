# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# TAP for the CLI's shell tests (cli.sh, doc.sh, quick.sh): source it,
# call result (or the checks below) for each check, and end with tap_end.
# run and fails need $T, the test's scratch directory.

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

# skip DESC REASON: a check that cannot run here
skip()
{
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}

# is DESC EXPECTED GOT
is()
{
	[ "$2" = "$3" ]
	result $? "$1" "expected '$2'"$'\n'"got      '$3'"
}

# run CMD...: sets rc, out, err
run()
{
	out=$("$@" 2> "$T/err")
	rc=$?
	err=$(cat "$T/err")
}

# fails DESC REGEX CMD...: exit status 1, one line on stderr matching
# REGEX, nothing on stdout
fails()
{
	local desc=$1 re=$2

	shift 2
	run "$@"
	[ "$rc" -eq 1 ] && [ -z "$out" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
		printf '%s\n' "$err" | grep -Eq -- "$re"
	result $? "$desc" "rc=$rc stdout='$out' stderr='$err'"
}

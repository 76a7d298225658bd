# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the ptun selftests. A test sources this file, creates
# its hosts as network namespaces, and reports one KTAP result per check:
#
#	ok N description
#	not ok N description
#	ok N description # SKIP reason
#
# The VM runner (selftests/vm/guest-run) wraps each test's results into a
# KTAP subtest, so a test prints neither a version line nor a plan.
# Every namespace created with ns_add is deleted when the test exits.

set -u

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$TESTS_DIR/.." && pwd)
PTUN=${PTUN:-$TOP_DIR/tool/ptun}
PYTHON=${PYTHON:-/usr/bin/python3}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

ktap_n=0
ktap_failed=0
test_namespaces=()
TMP=$(mktemp -d /tmp/ptun-test.XXXXXX)

cleanup()
{
	local ns

	for ns in "${test_namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

diag()
{
	printf '# %s\n' "$*"
}

ok()
{
	ktap_n=$((ktap_n + 1))
	printf 'ok %d %s\n' "$ktap_n" "$1"
}

fail()
{
	ktap_n=$((ktap_n + 1))
	ktap_failed=$((ktap_failed + 1))
	printf 'not ok %d %s\n' "$ktap_n" "$1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}

skip()
{
	ktap_n=$((ktap_n + 1))
	printf 'ok %d %s # SKIP %s\n' "$ktap_n" "$1" "$2"
}

# check DESC CMD...: passes if CMD exits 0. The command's output is shown
# as diagnostics when it fails.
check()
{
	local desc=$1 out

	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		fail "$desc" "command failed: $*"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

# check_fails DESC CMD...: passes if CMD exits non-zero. Its standard error
# is kept in $LAST_ERR so that the message can be checked as well.
check_fails()
{
	local desc=$1

	shift
	if LAST_ERR=$("$@" 2>&1 >/dev/null); then
		fail "$desc" "command succeeded but should have failed: $*"
	else
		ok "$desc"
	fi
}

# check_eq DESC EXPECTED ACTUAL
check_eq()
{
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# check_match DESC PATTERN STRING: extended regular expression match
check_match()
{
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		fail "$1" "'$3' does not match /$2/"
	fi
}

# check_nomatch DESC PATTERN STRING
check_nomatch()
{
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		fail "$1" "'$3' matches /$2/"
	else
		ok "$1"
	fi
}

# ns_add NAME: a fresh network namespace with its loopback up
ns_add()
{
	ip netns del "$1" 2>/dev/null
	ip netns add "$1" || return 1
	test_namespaces+=("$1")
	ip -n "$1" link set lo up
}

# in_ns NAME CMD...
in_ns()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# ptun_in NAME ARGS...: the ptun CLI inside namespace NAME
ptun_in()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$PTUN" "$@"
}

# A fresh key pair under $TMP/NAME.key and $TMP/NAME.pub
keypair()
{
	(umask 077 && "$PTUN" genkey > "$TMP/$1.key") &&
		"$PTUN" pubkey < "$TMP/$1.key" > "$TMP/$1.pub"
}

# Ends the test: exit status 1 if any check failed or none ran.
ktap_done()
{
	if [ "$ktap_n" -eq 0 ]; then
		fail "test reported no result"
	fi
	[ "$ktap_failed" -eq 0 ]
	exit
}

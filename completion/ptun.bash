# SPDX-License-Identifier: GPL-2.0
#
# bash completion for ptun(8). Plain bash: it needs nothing from the
# bash-completion package. Installed as
# $(PREFIX)/share/bash-completion/completions/ptun; to try it, source it.
#
# The lists below follow "ptun help" (tool/ptun.c); tool/tests/doc.sh checks
# that they name every command, set keyword and show field it lists.

_ptun_commands='show set setconf addconf syncconf showconf monitor genkey genpsk pubkey help'
_ptun_set_keywords='private-key listen-port cipher mss-clamp link-state remove-peer peer preshared-key endpoint allowed-ips persistent-keepalive failover-timeout failback-interval'
_ptun_ciphers='aes-256-gcm chacha20-poly1305'
_ptun_fields='ifname ifindex public-key listen-port cipher mss-clamp link-state peer preshared-key
	endpoint endpoint-name endpoints failover-timeout failback-interval allowed-ips
	persistent-keepalive latest-handshake rx-bytes
	tx-bytes rx-packets tx-packets handshakes drop-auth drop-replay
	drop-src-not-allowed drop-dst-not-allowed drop-no-session
	drop-malformed drop-cipher-mismatch drop-handshake drop-tx-error
	drop-rx-error drop-rx-queue-full drop-tx-queue-full events-suppressed'

# The ptun devices, else every link: "ip -o link" prints "N: NAME: ..." or
# "N: NAME@PEER: ...".
_ptun_link_names()
{
	local line

	while IFS= read -r line; do
		line=${line#*: }
		line=${line%%: *}
		printf '%s\n' "${line%%@*}"
	done
}

_ptun_interfaces()
{
	local names

	names=$(ip -o link show type ptun 2> /dev/null | _ptun_link_names)
	if [ -z "$names" ]; then
		names=$(ip -o link show 2> /dev/null | _ptun_link_names)
	fi
	printf '%s\n' "$names"
}

# _ptun_reply 'WORD...': COMPREPLY from the words that start with $cur
_ptun_reply()
{
	local IFS=$' \t\n'
	local - w

	# split the list into words, but never expand one as a pattern
	set -f
	COMPREPLY=()
	# shellcheck disable=SC2086
	for w in $1; do
		case $w in
		"$cur"*) COMPREPLY+=("$w") ;;
		esac
	done
}

_ptun_files()
{
	# compopt fails outside of completion (the tests call this directly)
	compopt -o filenames 2> /dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

# The words after "set IFACE" up to the one completed: which keywords
# are used, and whether the word completed is a keyword's value. A word
# is a keyword when the word before it does not take a value: the pieces
# of a value that bash split at ':' or '=' (an endpoint, a base64 key)
# are then never taken for one.
_ptun_set()
{
	local i w prev_takes=0 used=' ' value_of='' left='' k

	# "set IFACE reresolve" stands alone
	if [ "$COMP_CWORD" = 3 ]; then
		left='reresolve '
	elif [ "${COMP_WORDS[3]}" = reresolve ]; then
		COMPREPLY=()
		return
	fi
	for ((i = 3; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$prev_takes" = 1 ]; then
			prev_takes=0
			continue
		fi
		case " $_ptun_set_keywords " in
		*" $w "*)
			used+="$w "
			[ "$w" != remove-peer ] && prev_takes=1 && value_of=$w
			;;
		esac
	done
	if [ "$prev_takes" = 1 ]; then
		case $value_of in
		private-key | preshared-key) _ptun_files ;;
		cipher) _ptun_reply "$_ptun_ciphers" ;;
		mss-clamp) _ptun_reply 'auto off' ;;
		link-state) _ptun_reply 'up session' ;;
		persistent-keepalive) _ptun_reply off ;;
		failover-timeout | failback-interval) _ptun_reply default ;;
		*) COMPREPLY=() ;;
		esac
		return
	fi
	for k in $_ptun_set_keywords; do
		case $used in
		*" $k "*) ;;
		*) left+="$k " ;;
		esac
	done
	_ptun_reply "$left"
}

# show [IFACE|all] [--json] | show IFACE FIELD: --json may come anywhere.
_ptun_show()
{
	local i w json=0 n=0 first=''

	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$w" = --json ]; then
			json=1
			continue
		fi
		[ "$n" = 0 ] && first=$w
		n=$((n + 1))
	done
	# after --json, or after a field: nothing but what is left
	if [ "$n" = 0 ] && [ "$json" = 1 ]; then
		_ptun_reply "all $(_ptun_interfaces)"
	elif [ "$n" = 0 ]; then
		_ptun_reply "all $(_ptun_interfaces) --json"
	elif [ "$n" = 1 ] && [ "$json" = 0 ] && [ "$first" = all ]; then
		_ptun_reply --json
	elif [ "$n" = 1 ] && [ "$json" = 0 ]; then
		_ptun_reply "$_ptun_fields --json"
	fi
}

_ptun()
{
	local cur=${COMP_WORDS[COMP_CWORD]}

	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		case $cur in
		-*) _ptun_reply '--help --version' ;;
		*) _ptun_reply "$_ptun_commands" ;;
		esac
		return 0
	fi
	case ${COMP_WORDS[1]} in
	show)
		_ptun_show
		;;
	set)
		if [ "$COMP_CWORD" -eq 2 ]; then
			_ptun_reply "$(_ptun_interfaces)"
		else
			_ptun_set
		fi
		;;
	setconf | addconf | syncconf)
		case $COMP_CWORD in
		2) _ptun_reply "$(_ptun_interfaces)" ;;
		3) _ptun_files ;;
		esac
		;;
	showconf)
		[ "$COMP_CWORD" -eq 2 ] && _ptun_reply "$(_ptun_interfaces)"
		;;
	monitor)
		# [IFACE] [--json] [--reresolve], in any order
		local w opts="--json --reresolve" iface=$(_ptun_interfaces)
		for w in "${COMP_WORDS[@]:2:COMP_CWORD-2}"; do
			case "$w" in
			--json|--reresolve) opts=${opts/$w/} ;;
			*) iface= ;;
			esac
		done
		_ptun_reply "$iface $opts"
		;;
	esac
	return 0
}

complete -F _ptun ptun

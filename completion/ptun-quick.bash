# SPDX-License-Identifier: GPL-2.0
#
# bash completion for ptun-quick(8). Plain bash: it needs nothing from the
# bash-completion package. Installed as
# $(PREFIX)/share/bash-completion/completions/ptun-quick; to try it,
# source it.
#
# up and strip take the name of a config file of the config directory
# (PTUN_QUICK_CONFIG_DIR, /etc/ptun), down and save a running ptun
# device; each also takes the path of a config file. tool/tests/doc.sh
# checks the commands against "ptun-quick help".

_ptun_quick_commands='up down save strip help'

# _ptun_quick_reply 'WORD...': COMPREPLY from the words that start with $cur
_ptun_quick_reply()
{
	local IFS=$' \t\n'
	local - w

	set -f
	COMPREPLY=()
	# shellcheck disable=SC2086
	for w in $1; do
		case $w in
		"$cur"*) COMPREPLY+=("$w") ;;
		esac
	done
}

# The names of the config files: NAME of DIR/NAME.conf
_ptun_quick_configs()
{
	local f

	for f in "${PTUN_QUICK_CONFIG_DIR:-/etc/ptun}"/*.conf; do
		[ -f "$f" ] || continue
		f=${f##*/}
		printf '%s\n' "${f%.conf}"
	done
}

# The running ptun devices: "ip -o link" prints "N: NAME: ..." or
# "N: NAME@PEER: ..."
_ptun_quick_devices()
{
	local line

	ip -o link show type ptun 2> /dev/null | while IFS= read -r line; do
		line=${line#*: }
		line=${line%%: *}
		printf '%s\n' "${line%%@*}"
	done
}

# Paths: directories and .conf files, once the word looks like a path
_ptun_quick_paths()
{
	local p

	compopt -o filenames 2> /dev/null
	while IFS= read -r p; do
		if [ -d "$p" ] || [[ $p == *.conf ]]; then
			COMPREPLY+=("$p")
		fi
	done < <(compgen -f -- "$cur")
}

_ptun_quick()
{
	local cur=${COMP_WORDS[COMP_CWORD]}

	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		_ptun_quick_reply "$_ptun_quick_commands"
		return 0
	fi
	[ "$COMP_CWORD" -eq 2 ] || return 0
	if [[ $cur == */* || $cur == .* ]]; then
		case ${COMP_WORDS[1]} in
		up | down | save | strip) _ptun_quick_paths ;;
		esac
		return 0
	fi
	case ${COMP_WORDS[1]} in
	up | strip) _ptun_quick_reply "$(_ptun_quick_configs)" ;;
	down | save) _ptun_quick_reply "$(_ptun_quick_devices)" ;;
	esac
	return 0
}

complete -F _ptun_quick ptun-quick

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks the manual pages (doc/ptun.8, doc/ptun.conf.5, doc/ptun-quick.8)
# and the bash completions (completion/ptun.bash, ptun-quick.bash) against
# the tools themselves, so that a command, keyword, field or config key
# added to a tool without its documentation fails here:
#   - both pages format without a single groff warning (and with man -l);
#   - every command, option, set keyword (and its literal values) and show
#     FIELD that "ptun help" lists is in the rendered ptun(8), in its
#     section; the lists are parsed from the help text, not written here;
#   - every key of the config key table in conf.c is in ptun.conf(5), in
#     the section of its own section;
#   - every command and [Interface] key that "ptun-quick help" lists is in
#     ptun-quick(8), with an entry of its own;
#   - the completion, sourced by a non-interactive bash, completes the
#     commands, the set keywords, the cipher names and the fields that
#     "ptun help" lists, and interface and file names where they go; that
#     of ptun-quick its commands, config names and ptun devices.
# Usage: tests/doc.sh [PATH-TO-PTUN [PATH-TO-PTUN-QUICK]]. Prints TAP; exits
# 1 if a check failed.

set -u
PTUN=${1:+$(realpath "$1")}
QUICK=${2:+$(realpath "$2")}
cd "$(dirname "$0")/.." || exit 1
PTUN=${PTUN:-$(realpath ./ptun)}
QUICK=${QUICK:-$(realpath ./ptun-quick)}
TOP=$(realpath ..)
PAGE8=$TOP/doc/ptun.8
PAGE5=$TOP/doc/ptun.conf.5
PAGEQ=$TOP/doc/ptun-quick.8
COMPLETION=$TOP/completion/ptun.bash
COMPLETION_QUICK=$TOP/completion/ptun-quick.bash
T=$(mktemp -d /tmp/ptun-doc.XXXXXX)
trap 'rm -rf "$T"' EXIT

# shellcheck source=tool/tests/tap.sh
. tests/tap.sh

# words: one word a line, sorted, on one line
words()
{
	tr -s ' \t' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# ---- what "ptun help" lists ----
if ! help=$("$PTUN" help); then
	echo "Bail out! '$PTUN help' failed"
	exit 1
fi
# "Commands:" then "  NAME  Text" lines up to the first blank line
commands=$(printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/p' |
	sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | words)
# every option the text names: --json, and whatever else comes
options=$(printf '%s\n' "$help" | grep -oE -- '(^|[][ |])--?[a-z][a-z-]*' |
	sed 's/^[][ |]*//' | words)
# "ptun set IFACE [keyword VALUE]..." up to the next "  ptun ..." line
set_usage=$(printf '%s\n' "$help" | sed -n '/^  ptun set IFACE/,/^  ptun [a-z]/p' | sed '$d')
set_keywords=$(printf '%s\n' "$set_usage" | grep -oE '\[[a-z][a-z-]*' | tr -d '[' | words)
# literal values in "[keyword a|b]": the lowercase alternatives
set_values=$(printf '%s\n' "$set_usage" | grep -oE '\[[a-z][a-z-]* [^]]*\|[^]]*\]' |
	sed 's/^\[[a-z-]* //; s/\]$//' | tr '|' '\n' | grep -E '^[a-z][a-z0-9-]*$' | words)
ciphers=$(printf '%s\n' "$set_usage" | grep -oE '\[cipher [^]]*\]' |
	sed 's/^\[cipher //; s/\]$//' | tr '|' ' ' | words)
# "FIELDs:" up to the end of the text or a blank line
fields=$(printf '%s\n' "$help" | sed -n '/^FIELDs:/,/^$/p' | sed 's/^FIELDs://' | words)

# count 'WORD...': how many
# shellcheck disable=SC2086
count() { set -- $1; echo $#; }
[ "$(count "$commands")" -ge 9 ] && [ "$(count "$set_keywords")" -ge 9 ] &&
	[ "$(count "$fields")" -ge 20 ] && [ "$(count "$ciphers")" -ge 2 ] &&
	[[ " $options " == *" --json "* ]] && [[ " $set_values " == *" off "* ]]
if ! result $? "ptun help parses into commands, options, set keywords and fields" \
	"commands: $commands"$'\n'"options: $options"$'\n'"set keywords: $set_keywords"$'\n'"set values: $set_values"$'\n'"ciphers: $ciphers"$'\n'"fields: $fields"; then
	echo "Bail out! nothing to check the documentation against"
	exit 1
fi

# conf.c's key table: '{ "Name", SEC_..., ...' lines up to its '};'
conf_keys=$(sed -n '/^} conf_keys\[\] = {/,/^};/p' conf.c |
	sed -n 's/^[[:space:]]*{ "\([A-Za-z]*\)", SEC_\([A-Z]*\),.*/\1:\2/p')
[ "$(count "$conf_keys")" -ge 11 ]
result $? "conf.c's key table parses" "keys: $conf_keys"

# ---- what "ptun-quick help" lists ----
quick_help=$("$QUICK" help)
quick_commands=$(printf '%s\n' "$quick_help" | sed -n '/^Commands:/,/^$/p' |
	sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | words)
quick_keys=$(printf '%s\n' "$quick_help" | sed -n 's/^Keys://p' | words)
[ "$(count "$quick_commands")" -ge 4 ] && [ "$(count "$quick_keys")" -ge 7 ]
result $? "ptun-quick help parses into commands and keys" \
	"commands: $quick_commands"$'\n'"keys: $quick_keys"

# ---- helpers for the pages ----
# The rendering the checks read: 80 columns, no hyphenation (a term split
# at the end of a line would not be found), no overstriking, and any
# Unicode hyphen or minus read as '-'.
render()
{
	groff -man -Tutf8 -rLL=80n -rHY=0 -P-cbou "$1" 2> /dev/null |
		sed 's/\xe2\x80\x90/-/g; s/\xe2\x80\x91/-/g; s/\xe2\x88\x92/-/g'
}

# section FILE TITLE: the rendered lines of one section (up to the next
# heading: a line that starts with a capital letter)
section()
{
	awk -v title="$2" '
		/^[A-Z]/ { inside = ($0 == title); next }
		inside { print }
	' "$1"
}

# tags FILE TITLE: the words of the tags (the line after each .TP or .TQ) of one
# section of a page's source, where each entry of a list is introduced:
# a term named only in passing in the text of another entry is not one.
tags()
{
	awk -v title="$2" '
		/^\.SH / { s = $0; sub(/^\.SH +/, "", s); gsub(/"/, "", s); inside = (s == title); next }
		inside && /^\.T[PQ]/ { if ((getline line) > 0) print line }
	' "$1" | sed 's/^\.[A-Z]* *//; s/\\f[BIRP]//g; s/\\-/-/g; s/\\ / /g; s/"//g; s/[,|]/ /g'
}

# has TEXT TERM: TERM appears in TEXT as a whole (not in a longer term)
has()
{
	printf '%s\n' "$1" | awk -v t="$2" '
		function word(c) { return c ~ /[A-Za-z0-9_-]/ }
		{
			for (off = 0; (i = index(substr($0, off + 1), t)) > 0; off += i)
				if ((off + i == 1 || !word(substr($0, off + i - 1, 1))) &&
				    !word(substr($0, off + i + length(t), 1)))
					found = 1
		}
		END { exit !found }
	'
}

# covers DESC TEXT TERMS: every term in TEXT; names the missing ones
covers()
{
	local desc=$1 text=$2 term missing=''

	for term in $3; do
		has "$text" "$term" || missing+=" $term"
	done
	[ -z "$missing" ]
	result $? "$desc" "missing:$missing"
}

# ---- the pages format cleanly ----
check_format()
{
	local page name warnings out rc

	for page in "$PAGE8" "$PAGE5" "$PAGEQ"; do
		name=${page#"$TOP"/}
		warnings=$(groff -ww -z -man "$page" 2>&1)
		[ -z "$warnings" ]
		result $? "$name: no groff warning" "$warnings"
		if ! command -v man > /dev/null; then
			skip "$name: man -l renders it" "man is not installed"
			continue
		fi
		out=$(MANWIDTH=80 MAN_KEEP_FORMATTING='' man -l "$page" 2> "$T/man.err")
		rc=$?
		[ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q '^NAME' &&
			! grep -v 'locale' "$T/man.err" | grep -q .
		result $? "$name: man -l renders it" "rc=$rc stderr: $(cat "$T/man.err")"
	done
}

# ---- ptun(8) covers ptun help ----
check_ptun8()
{
	local txt=$T/ptun.8.txt synopsis cmds kws flds s exits

	render "$PAGE8" > "$txt"
	synopsis=$(section "$txt" SYNOPSIS)
	cmds=$(section "$txt" COMMANDS)
	kws=$(section "$txt" 'SET KEYWORDS')
	flds=$(section "$txt" FIELDS)
	[ -n "$synopsis" ] && [ -n "$cmds" ] && [ -n "$kws" ] && [ -n "$flds" ]
	result $? "ptun(8) has SYNOPSIS, COMMANDS, SET KEYWORDS and FIELDS sections"
	covers "ptun(8): every command of ptun help in SYNOPSIS" "$synopsis" "$commands"
	covers "ptun(8): every command of ptun help in COMMANDS" "$cmds" "$commands"
	covers "ptun(8): every option of ptun help, and --version, in SYNOPSIS" "$synopsis" \
		"$(echo "$options --version" | words)"
	covers "ptun(8): every option of ptun help, and --version, in COMMANDS" "$cmds" \
		"$(echo "$options --version" | words)"
	covers "ptun(8): every set keyword of ptun help in SYNOPSIS" "$synopsis" "$set_keywords"
	covers "ptun(8): every set keyword of ptun help in SET KEYWORDS" "$kws" "$set_keywords"
	covers "ptun(8): every literal set value of ptun help in SET KEYWORDS" "$kws" "$set_values"
	covers "ptun(8): every FIELD of ptun help in FIELDS" "$flds" "$fields"
	covers "ptun(8): every command of ptun help has an entry in COMMANDS" \
		"$(tags "$PAGE8" COMMANDS)" "$commands"
	covers "ptun(8): every set keyword of ptun help has an entry in SET KEYWORDS" \
		"$(tags "$PAGE8" 'SET KEYWORDS')" "$set_keywords"
	covers "ptun(8): every FIELD of ptun help has an entry in FIELDS" \
		"$(tags "$PAGE8" FIELDS)" "$fields"
	for s in 'KEY FILES' 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
		[ -n "$(section "$txt" "$s")" ]
		result $? "ptun(8) has the section $s"
	done
	exits=$(section "$txt" 'EXIT STATUS' | sed -n 's/^       \([0-9]\) .*/\1/p')
	covers "ptun(8): EXIT STATUS gives 0, 1 and 2" "$exits" "0 1 2"
	covers "ptun(8): SEE ALSO names ptun.conf(5), ip(8) and wg(8)" \
		"$(section "$txt" 'SEE ALSO')" "ptun.conf(5) ip(8) wg(8)"
	covers "ptun(8): KEY FILES has '-' and /dev/null" "$(section "$txt" 'KEY FILES')" "- /dev/null"
}

# ---- ptun.conf(5) covers conf.c's keys ----
check_ptun_conf5()
{
	local txt=$T/ptun.conf.5.txt k sec missing='' missing_tag=''

	render "$PAGE5" > "$txt"
	for sec in INTERFACE PEER; do
		[ -n "$(section "$txt" "$sec SECTION")" ]
		result $? "ptun.conf(5) has the section $sec SECTION"
	done
	for k in $conf_keys; do
		sec=${k#*:}
		has "$(section "$txt" "$sec SECTION")" "${k%:*}" || missing+=" $k"
		has "$(tags "$PAGE5" "$sec SECTION")" "${k%:*}" || missing_tag+=" $k"
	done
	[ -z "$missing" ]
	result $? "ptun.conf(5): every key of conf.c's table, in the section of its section" \
		"missing:$missing"
	[ -z "$missing_tag" ]
	result $? "ptun.conf(5): every key of conf.c's table has an entry there" \
		"missing:$missing_tag"
	covers "ptun.conf(5): names both sections" "$(cat "$txt")" "[Interface] [Peer]"
	covers "ptun.conf(5): SEE ALSO names ptun(8)" "$(section "$txt" 'SEE ALSO')" "ptun(8)"
}

# ---- ptun-quick(8) covers ptun-quick help ----
check_quick8()
{
	local txt=$T/ptun-quick.8.txt synopsis s exits

	render "$PAGEQ" > "$txt"
	synopsis=$(section "$txt" SYNOPSIS)
	covers "ptun-quick(8): every command of ptun-quick help in SYNOPSIS" "$synopsis" \
		"$quick_commands help"
	covers "ptun-quick(8): every command of ptun-quick help has an entry in COMMANDS" \
		"$(tags "$PAGEQ" COMMANDS)" "$quick_commands"
	covers "ptun-quick(8): every key of ptun-quick help has an entry in INTERFACE KEYS" \
		"$(tags "$PAGEQ" 'INTERFACE KEYS')" "$quick_keys"
	for s in ERRORS 'EXIT STATUS' ENVIRONMENT FILES SYSTEMD EXAMPLES 'SEE ALSO'; do
		[ -n "$(section "$txt" "$s")" ]
		result $? "ptun-quick(8) has the section $s"
	done
	exits=$(section "$txt" 'EXIT STATUS' | sed -n 's/^       \([0-9]\) .*/\1/p')
	covers "ptun-quick(8): EXIT STATUS gives 0, 1 and 2" "$exits" "0 1 2"
	covers "ptun-quick(8): ENVIRONMENT names PTUN_QUICK_CONFIG_DIR" \
		"$(section "$txt" ENVIRONMENT)" PTUN_QUICK_CONFIG_DIR
	covers "ptun-quick(8): SYSTEMD names the units" "$(section "$txt" SYSTEMD)" \
		"ptun-quick@.service ptun-quick.target"
	covers "ptun-quick(8): the table values of ptun-quick help" \
		"$(section "$txt" 'INTERFACE KEYS')" "auto off %i"
	covers "ptun-quick(8): SEE ALSO names ptun(8) and ptun.conf(5)" \
		"$(section "$txt" 'SEE ALSO')" "ptun(8) ptun.conf(5)"
}

pages_found=1
for page in "$PAGE8" "$PAGE5" "$PAGEQ"; do
	[ -f "$page" ]
	result $? "${page#"$TOP"/} exists" || pages_found=0
done
if ! command -v groff > /dev/null; then
	skip "the manual pages" "groff is not installed (scripts/deps installs groff-base)"
elif [ "$pages_found" = 1 ]; then
	check_format
	check_ptun8
	check_ptun_conf5
	check_quick8
fi

# ---- bash completion ----
# registers CMD FILE: sourcing FILE makes "complete -p CMD" name a function
# that FILE defines
registers()
{
	local spec fn

	spec=$(bash --norc --noprofile -c '. "$1" && complete -p "$2"' bash "$2" "$1" 2>&1)
	fn=$(printf '%s\n' "$spec" | sed -n "s/^complete .*-F \\([^ ]*\\) .*$1\$/\\1/p")
	[ -n "$fn" ] && bash --norc --noprofile -c '. "$1" && declare -F "$2"' bash "$2" "$fn" > /dev/null
	result $? "complete -p $1 names a function the file defines" "complete -p $1: $spec"
}

# complete_for CMD FILE [--no-ptun-links] WORD...: what FILE's completion
# for CMD offers for the last WORD, sorted, on one line; "ip" is a stub
# with two ptun devices (or, --no-ptun-links, none) beside lo and eth0, and
# ptun-quick's config files are those in $T/quick-etc.
complete_for()
{
	local cmd=$1 file=$2 links=1

	shift 2
	if [ "$1" = --no-ptun-links ]; then
		links=0
		shift
	fi
	PTUN_QUICK_CONFIG_DIR=$T/quick-etc bash --norc --noprofile -c '
		links=$1 completion=$2 cmd=$3
		shift 3
		ip()
		{
			case "$*" in
			*"type ptun"*)
				[ "$links" = 1 ] || return 0
				echo "7: ptun0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN"
				echo "9: ptun1@NONE: <POINTOPOINT,NOARP> mtu 1420 qdisc noop state DOWN"
				;;
			*)
				echo "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN"
				echo "2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue"
				;;
			esac
		}
		. "$completion" || exit 1
		fn=$(complete -p "$cmd" | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
		COMP_WORDS=("$cmd" "$@")
		COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		"$fn" "$cmd" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' bash "$links" "$file" "$cmd" "$@" 2> "$T/comp.err" | words
}

# comp [--no-ptun-links] WORD...: complete_for ptun
comp()
{
	complete_for ptun "$COMPLETION" "$@"
}

if [ ! -f "$COMPLETION" ]; then
	result 1 "completion/ptun.bash exists"
else
	registers ptun "$COMPLETION"

	is "first word: every command of ptun help" "$commands" "$(comp '')"
	is "first word: errors on stderr: none" "" "$(cat "$T/comp.err")"
	is "first word 'se': set setconf" "set setconf" "$(comp se)"
	is "first word '--': the options" "--help --version" "$(comp --)"
	is "set IFACE: every set keyword of ptun help, and reresolve" \
		"$(echo "$set_keywords reresolve" | words)" "$(comp set ptun0 '')"
	is "set IFACE reresolve: nothing after it" "" "$(comp set ptun0 reresolve '')"
	is "set ptun0 ci: cipher" "cipher" "$(comp set ptun0 ci)"
	is "set ptun0 cipher: the ciphers of ptun help" "$ciphers" "$(comp set ptun0 cipher '')"
	is "set ptun0 cipher chacha: chacha20-poly1305" "chacha20-poly1305" "$(comp set ptun0 cipher chacha)"
	is "set ptun0 persistent-keepalive: off" "off" "$(comp set ptun0 persistent-keepalive '')"
	is "set ptun0 listen-port: nothing to offer" "" "$(comp set ptun0 listen-port '')"
	is "set: a keyword given is not offered again" \
		"$(echo "$set_keywords" | tr ' ' '\n' | grep -vx -e listen-port -e cipher | words)" \
		"$(comp set ptun0 listen-port 1 cipher aes-256-gcm '')"
	# bash splits "192.0.2.1:51820" at ':' into three words
	is "set: an endpoint split at ':' is still a value" \
		"$(echo "$set_keywords" | tr ' ' '\n' | grep -vx endpoint | words)" \
		"$(comp set ptun0 endpoint 192.0.2.1 : 51820 '')"
	mkdir -p "$T/keys/sub dir"
	: > "$T/keys/a.key"
	: > "$T/keys/a.psk"
	is "set ptun0 private-key: file names" "$T/keys/a.key $T/keys/a.psk" \
		"$(comp set ptun0 private-key "$T/keys/a.")"
	is "set ptun0 preshared-key: file names" "$T/keys/a.psk" \
		"$(comp set ptun0 preshared-key "$T/keys/a.p")"
	for c in setconf addconf syncconf; do
		is "$c IFACE: file names" "$T/keys/sub dir" "$(comp $c ptun0 "$T/keys/s")"
		is "$c: interfaces" "ptun0 ptun1" "$(comp $c '')"
	done
	is "show ptun0: every FIELD of ptun help, and --json" \
		"$(echo "$fields --json" | words)" "$(comp show ptun0 '')"
	is "show ptun0 drop-r: drop-replay drop-rx-error drop-rx-queue-full" "drop-replay drop-rx-error drop-rx-queue-full" "$(comp show ptun0 drop-r)"
	is "show: interfaces, all and --json" "--json all ptun0 ptun1" "$(comp show '')"
	is "show all: --json" "--json" "$(comp show all '')"
	is "show ptun0 --json: nothing more" "" "$(comp show ptun0 --json '')"
	is "show --json: interfaces and all" "all ptun0 ptun1" "$(comp show --json '')"
	is "show ptun0 FIELD: nothing more" "" "$(comp show ptun0 rx-bytes '')"
	is "set: interfaces" "ptun0 ptun1" "$(comp set '')"
	is "showconf: interfaces" "ptun0 ptun1" "$(comp showconf '')"
	is "without ptun devices: every link" "eth0 lo" "$(comp --no-ptun-links set '')"
	is "genkey: nothing" "" "$(comp genkey '')"
fi

# compq [--no-ptun-links] WORD...: complete_for ptun-quick
compq()
{
	complete_for ptun-quick "$COMPLETION_QUICK" "$@"
}

if [ ! -f "$COMPLETION_QUICK" ]; then
	result 1 "completion/ptun-quick.bash exists"
else
	registers ptun-quick "$COMPLETION_QUICK"
	mkdir -p "$T/quick-etc/sub"
	: > "$T/quick-etc/ptun0.conf"
	: > "$T/quick-etc/site-b.conf"
	: > "$T/quick-etc/ptun0.key"
	is "ptun-quick, first word: every command of ptun-quick help, and help" \
		"$(echo "$quick_commands help" | words)" "$(compq '')"
	is "ptun-quick, first word: errors on stderr: none" "" "$(cat "$T/comp.err")"
	is "ptun-quick s: save strip" "save strip" "$(compq s)"
	for c in up strip; do
		is "ptun-quick $c: the config names" "ptun0 site-b" "$(compq $c '')"
		is "ptun-quick $c s: site-b" "site-b" "$(compq $c s)"
	done
	for c in down save; do
		is "ptun-quick $c: the ptun devices" "ptun0 ptun1" "$(compq $c '')"
		is "ptun-quick $c without ptun devices: nothing" "" "$(compq --no-ptun-links $c '')"
	done
	is "ptun-quick up DIR/: .conf files and directories" \
		"$T/quick-etc/ptun0.conf $T/quick-etc/site-b.conf $T/quick-etc/sub" \
		"$(compq up "$T/quick-etc/")"
	is "ptun-quick down ptun0: nothing more" "" "$(compq down ptun0 '')"
	is "ptun-quick help: nothing more" "" "$(compq help '')"
fi

tap_end

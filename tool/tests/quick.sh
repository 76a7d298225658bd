#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks ptun-quick where no kernel is needed, and its systemd units:
#   - "ptun-quick strip" prints a file without ptun-quick's keys, from a
#     path or an IFACE name under PTUN_QUICK_CONFIG_DIR;
#   - mistakes in ptun-quick's keys give "ptun-quick: FILE:LINE: ...",
#     exit status 1 and nothing on standard output; so do bad arguments;
#   - "make install-quick" installs the script and the units, the units'
#     Exec lines naming SBINDIR, and systemd-analyze verify finds nothing
#     to say about them (man pages included).
# Only "strip" and "help" run here: they read files and touch nothing.
# "up", "down" and "save" are tested in the guest (selftests/quick.sh).
# Usage: tests/quick.sh [PATH-TO-PTUN-QUICK]. Prints TAP; exits 1 if a
# check failed.

set -u
QUICK=${1:+$(realpath "$1")}
cd "$(dirname "$0")/.." || exit 1
QUICK=${QUICK:-$(realpath ./ptun-quick)}
TOP=$(realpath ..)
T=$(mktemp -d /tmp/ptun-quick-test.XXXXXX)
trap 'rm -rf "$T"' EXIT

# shellcheck source=tool/tests/tap.sh disable=SC1091
. tests/tap.sh

# ---- strip ----
mkdir -p "$T/etc"
cat > "$T/etc/ptun7.conf" <<'EOF'
# site A
[Interface]
PrivateKeyFile = /etc/ptun/ptun7.key
address = 10.10.0.1/32, fd10::1/128   # case does not matter
Address=10.10.0.3
MTU = 1380
Table = off
ListenPort = 51820
PreUp = echo pre %i
PostUp = echo "post %i"
PreDown = true
PostDown = true

[Peer]
PublicKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
AllowedIPs = 10.10.0.2/32, 0.0.0.0/0
EOF
stripped='# site A
[Interface]
PrivateKeyFile = /etc/ptun/ptun7.key
ListenPort = 51820

[Peer]
PublicKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
AllowedIPs = 10.10.0.2/32, 0.0.0.0/0'
run "$QUICK" strip "$T/etc/ptun7.conf"
is "strip FILE: the file without ptun-quick's keys" "$stripped" "$out"
is "strip FILE: exit status 0, nothing on stderr" "0:" "$rc:$err"
run env PTUN_QUICK_CONFIG_DIR="$T/etc" "$QUICK" strip ptun7
is "strip IFACE: the same, from PTUN_QUICK_CONFIG_DIR/IFACE.conf" "$stripped" "$out"
cp "$T/etc/ptun7.conf" "$T/ptun8.conf"
run "$QUICK" strip "$T/ptun8.conf"
is "strip of a path in another directory" "$stripped" "$out"
printf '[Interface]\r\nListenPort = 1\r\nMTU = 1400\r\n' > "$T/crlf.conf"
run "$QUICK" strip "$T/crlf.conf"
is "strip: CR LF lines are kept as they are, MTU's taken out" \
	"$(printf '[Interface]\r\nListenPort = 1\r')" "$out"

# ---- mistakes in ptun-quick's keys: FILE:LINE, status 1 ----
# bad LINE-TEXT REGEX DESC [LINE]: ptun7.conf with LINE-TEXT as its line 4
# is refused, the message naming LINE (4)
bad()
{
	sed "4i $1" "$T/etc/ptun7.conf" > "$T/bad.conf"
	fails "$3" "^ptun-quick: $T/bad.conf:${4:-4}: $2" "$QUICK" strip "$T/bad.conf"
}
bad 'Address = 10.0.0.256/32' "invalid address '10.0.0.256/32' for Address" "an IPv4 address out of range"
bad 'Address = 10.0.0.1/33' "invalid prefix length in '10.0.0.1/33' for Address \(0 to 32\)" "an IPv4 prefix out of range"
bad 'Address = fd00::1::2/64' "invalid address 'fd00::1::2/64'" "an IPv6 address with two ::"
bad 'Address = 1:2:3:4:5:6:7:8:9' "invalid address '1:2:3:4:5:6:7:8:9'" "nine IPv6 groups"
bad 'Address = fd00::12345' "invalid address 'fd00::12345'" "an IPv6 group of five digits"
bad 'Address = fd00::1/129' "invalid prefix length in 'fd00::1/129' for Address \(0 to 128\)" "an IPv6 prefix out of range"
bad 'Address = 10.0.0.1, , 10.0.0.2' "an empty address in the list of Address" "an empty item in the list"
bad 'Address = host.example' "invalid address 'host.example'" "a name"
bad 'MTU = 1500' "MTU given more than once \(first on line 4\)" "MTU twice" 7
bad 'Table = 5' "Table given more than once \(first on line 4\)" "Table twice" 8
bad 'mtu =' "missing value for MTU" "an empty value"
sed -i '/^MTU/d' "$T/etc/ptun7.conf"
bad 'MTU = 67' "invalid MTU '67' \(68 to 65535\)" "MTU below 68"
bad 'MTU = 65536' "invalid MTU '65536' \(68 to 65535\)" "MTU above 65535"
bad 'MTU = 1.5k' "invalid MTU '1.5k'" "MTU not a number"
sed -i '/^Table/d' "$T/etc/ptun7.conf"
bad 'Table = main' "invalid Table 'main' \(auto, off or a table number" "Table main"
bad 'Table = 4294967296' "invalid Table '4294967296'" "Table above 2^32-1"
fails "a default route with Table = auto (the default)" \
	"^ptun-quick: $T/etc/ptun7.conf:$(grep -n 0.0.0.0/0 "$T/etc/ptun7.conf" | cut -d: -f1): AllowedIPs 0.0.0.0/0 with Table = auto: .*policy routing" \
	"$QUICK" strip "$T/etc/ptun7.conf"
printf '[Interface]\nTable = 200\n[Peer]\nAllowedIPs = ::/0\n' > "$T/t.conf"
run "$QUICK" strip "$T/t.conf"
is "a default route with Table = NUMBER" "0" "$rc"
printf '[Peer]\nPublicKey = x\nAddress = 10.0.0.1\n' > "$T/p.conf"
fails "Address in [Peer]" "^ptun-quick: $T/p.conf:3: Address belongs in \[Interface\], not in \[Peer\]$" \
	"$QUICK" strip "$T/p.conf"
printf 'PostUp = true\n' > "$T/p.conf"
fails "PostUp outside a section" "^ptun-quick: $T/p.conf:1: PostUp outside a section: it belongs in \[Interface\]$" \
	"$QUICK" strip "$T/p.conf"
printf '[Interface]\nMTU = 1400\000\n' > "$T/p.conf"
fails "a NUL byte" "^ptun-quick: $T/p.conf:2: a NUL byte" "$QUICK" strip "$T/p.conf"

# ---- arguments ----
fails "no such file" "^ptun-quick: cannot read '$T/none.conf': no such file$" \
	"$QUICK" strip "$T/none.conf"
fails "IFACE without its file" "^ptun-quick: cannot read '$T/etc/none.conf': no such file$" \
	env PTUN_QUICK_CONFIG_DIR="$T/etc" "$QUICK" strip none
fails "a path not ending in .conf" "^ptun-quick: $T/x: a config file's name ends in .conf" \
	"$QUICK" strip "$T/x"
fails "an interface name too long" "^ptun-quick: 'abcdefghijklmnop' is not a valid interface name" \
	"$QUICK" strip abcdefghijklmnop
run "$QUICK" frob ptun0
is "an unknown command: status 1, usage on stderr" "1::yes" \
	"$rc:$out:$(printf '%s\n' "$err" | grep -q '^Usage: ptun-quick' && echo yes)"
run "$QUICK" up
is "up without its argument: status 1" "1:" "$rc:$out"
run "$QUICK" help
is "help: status 0, usage on stdout" "0:yes" \
	"$rc:$(printf '%s\n' "$out" | grep -q '^Usage: ptun-quick' && echo yes)"

# ---- install and the systemd units ----
dest=$T/dest
if ! make -s -C "$TOP" install-doc install-quick DESTDIR="$dest" PREFIX=/usr/local \
	> "$T/make.log" 2>&1; then
	result 1 "make install-quick" "$(cat "$T/make.log")"
else
	units=$dest/usr/local/lib/systemd/system
	[ -x "$dest/usr/local/sbin/ptun-quick" ] && [ -f "$units/ptun-quick@.service" ] &&
		[ -f "$units/ptun-quick.target" ] &&
		[ -f "$dest/usr/local/share/man/man8/ptun-quick.8" ] &&
		[ -f "$dest/usr/local/share/bash-completion/completions/ptun-quick" ]
	result $? "make install-quick installs ptun-quick, the units, the page and the completion"
	is "the installed unit runs SBINDIR's ptun-quick and ptun" \
		"ExecStart=/usr/local/sbin/ptun-quick up %i|ExecStop=/usr/local/sbin/ptun-quick down %i|/usr/local/sbin/ptun-quick strip %i|/usr/local/sbin/ptun syncconf %i -|" \
		"$(grep -E '^Exec(Start|Stop)=' "$units/ptun-quick@.service" | tr '\n' '|')$(grep '^ExecReload=' "$units/ptun-quick@.service" | grep -oE '/usr/local/sbin/ptun(-quick strip| syncconf) %i( -)?' | tr '\n' '|')"
	grep -Eq '^Type=oneshot$' "$units/ptun-quick@.service" &&
		grep -Eq '^RemainAfterExit=yes$' "$units/ptun-quick@.service" &&
		grep -Eq '^After=.*network-online\.target' "$units/ptun-quick@.service" &&
		grep -Eq '^Wants=.*network-online\.target' "$units/ptun-quick@.service"
	result $? "the unit: oneshot, RemainAfterExit, after and wanting network-online.target"
fi

# verify_units DIR: systemd-analyze verify of the units in DIR, their Exec
# paths taken to $dest (it checks that the programs exist) and their man
# pages looked up in $dest; prints what it says, status 1 if anything
verify_units()
{
	local dir=$1 v=$T/verify out rc

	rm -rf "$v"
	mkdir -p "$v"
	sed "s|/usr/local/sbin/|$dest/usr/local/sbin/|g" "$dir/ptun-quick@.service" > "$v/ptun-quick@.service"
	cp "$dir/ptun-quick.target" "$v/"
	ln -s ptun-quick@.service "$v/ptun-quick@ptun0.service"
	out=$(cd "$v" && MANPATH=$dest/usr/local/share/man \
		systemd-analyze verify ./ptun-quick@ptun0.service ./ptun-quick.target 2>&1)
	rc=$?
	printf '%s' "$out"
	[ "$rc" -eq 0 ] && [ -z "$out" ]
}

if ! command -v systemd-analyze > /dev/null; then
	skip "systemd-analyze verify of the units" "systemd-analyze is not installed"
elif [ ! -d "${units:-}" ]; then
	result 1 "systemd-analyze verify of the units" "not installed"
else
	# install-doc put ptun.8 and ptun.conf.5 there too: Documentation=
	out=$(verify_units "$units")
	result $? "systemd-analyze verify: nothing to say about the units" "$out"
	# the same check on a broken unit must fail
	mkdir -p "$T/broken"
	sed 's/^Type=oneshot/Type=oneshoot/' "$units/ptun-quick@.service" > "$T/broken/ptun-quick@.service"
	cp "$units/ptun-quick.target" "$T/broken/"
	! verify_units "$T/broken" > /dev/null
	result $? "systemd-analyze verify: a broken unit is reported"
fi

tap_end

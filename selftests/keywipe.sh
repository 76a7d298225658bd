#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Secrets in a SET request do not outlive it: the private key and the
# preshared key are wiped from the request message itself, whether the
# request was applied or refused, so that they do not linger in freed
# memory. A kprobe on netlink_ack(), which runs after the command handler
# returned and still sees the request, reads the key attributes' bytes.

source "$(dirname "$0")/lib.sh"

TR=/sys/kernel/tracing
EV=ptun_keywipe/ack

[ -e "$TR/kprobe_events" ] || mount -t tracefs nodev "$TR" 2>/dev/null
if [ ! -e "$TR/kprobe_events" ]; then
	skip "secrets wiped from SET requests" "no kprobe events"
	ktap_done
fi

# The request as nlraw.py lays it out: nlmsghdr (16), genlmsghdr (4),
# IFNAME "ptunN\0" (12), PRIVATE_KEY (4 + 32), then the PEER nest (4)
# whose first attribute is PRESHARED_KEY (4 + 32).
NAME_OFF=24
PRIV_OFF=36
PSK_OFF=76
PRIV=$(printf 'a5%.0s' $(seq 32))
PSK=$(printf '5a%.0s' $(seq 32))

remove_probe()
{
	echo 0 > "$TR/events/$EV/enable" 2>/dev/null
	echo "-:$EV" >> "$TR/kprobe_events" 2>/dev/null
}
exit_hooks+=(remove_probe)

# The second argument, the request's nlmsghdr, is in %si on x86-64.
check "kprobe on netlink_ack" sh -c "echo 'p:$EV netlink_ack \
name=+$NAME_OFF(%si):string \
priv=+$PRIV_OFF(%si):x64[4] psk=+$PSK_OFF(%si):x64[4]' >> $TR/kprobe_events &&
	echo 1 > $TR/events/$EV/enable"

ns_add w
keypair peer
peer_hex=$(base64 -d < "$TMP/peer.pub" | od -An -tx1 | tr -d ' \n')
check "device ptun9" ip -n w link add ptun9 type ptun

# seen IFNAME: the probe's record of the last request naming IFNAME
seen()
{
	grep "name=\"$1\"" "$TR/trace" | tail -n 1
}

# request DESC EXPECT IFNAME ATTRS...: sends one SET and checks that the
# kernel answered EXPECT ("errno=0" or an errno) and that neither key's
# bytes were left in the request.
request()
{
	local desc=$1 expect=$2 ifname=$3 out rec

	shift 3
	echo > "$TR/trace"
	out=$(in_ns w "$PYTHON" "$TESTS_DIR/nlraw.py" set "$ifname" \
		private_key=hex:$PRIV peer.preshared_key=hex:$PSK "$@")
	check_match "$desc: kernel answers $expect" "^$expect( |$)" "$out"
	wait_for 5 eval "seen $ifname | grep -q ."
	rec=$(seen "$ifname")
	if [ -z "$rec" ]; then
		fail "$desc: request seen by the probe" "no trace record"
		return
	fi
	check_nomatch "$desc: private key wiped" 'a5a5a5a5' \
		"$(printf '%s\n' "$rec" | grep -o 'priv=[^ ]*')"
	check_nomatch "$desc: preshared key wiped" '5a5a5a5a' \
		"$(printf '%s\n' "$rec" | grep -o 'psk=[^ ]*')"
}

request "applied" "errno=0" ptun9 peer.public_key=hex:$peer_hex
request "refused by ptun" "errno=22" ptun9 peer.public_key=hex:$peer_hex \
	peer.endpoint_port=u16:51820
request "no such device" "errno=19" ptun8 peer.public_key=hex:$peer_hex
check "the key was applied" test -n "$(ptun_in w show ptun9 public-key)"

ktap_done

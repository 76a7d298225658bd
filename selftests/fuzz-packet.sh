#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A seeded datagram fuzzer against sb's ptun port (selftests/fuzzpkt.py):
# random bytes, and valid data and handshake messages (made with
# refpeer.py, under real sessions) mutated by bit flips, truncation,
# extension, duplication and changed header fields. ev plays sa: it holds
# site1.key, so its data messages carry valid tags and its initiations a
# valid mac1.
#
#   +----- ns sa -----+      +------ ns sb ------+      +---- ns ev ----+
#   | ptun0 10.10.0.1 |======| ptun0 10.10.0.2   |      | fuzzpkt.py    |
#   | wan0  192.0.2.1 |-veth-| wan0  192.0.2.2   |      | (site1.key)   |
#   +-----------------+      | wan1  203.0.113.1 |-veth-| wan0  .66     |
#                            +-------------------+      +---------------+
#
# 1. Every datagram is accounted for: those that reached sb's UDP port
#    (sb's UDP MIB, InDatagrams) equal the sum of sb's receive drop
#    counters, rx-packets and the keepalives sent; those that did not are
#    the veth's or UDP's own drops.
# 2. Each drop counter (and rx-packets) moved by exactly what
#    docs/PROTOCOL.md predicts for the corpus, datagram by datagram, with
#    a model of the replay window.
# 3. Afterwards the tunnel between sa and sb still works both ways (and
#    the rig checks the kernel log).
#
# PTUN_FUZZ_SEED: the seed (default: random); it is printed as "# seed N".
# PTUN_FUZZ_PACKETS: how many datagrams (default: by kernel, see below).
# The data cipher follows the seed's parity.

source "$(dirname "$0")/lib.sh"

seed=${PTUN_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
# A stock guest takes in 25000-40000 datagrams a second, and makes a
# round's 6250 in 2-4 s even on a busy host: a million in under two
# minutes. The debug kernel's guest (KASAN, lockdep) took 500-1500 a
# second, and make check-debug must fit CI's hour with everything else
# (README): 200000 there, more with PTUN_FUZZ_PACKETS for a longer run.
# Each round must end well within a session's life (REJECT_AFTER_TIME).
case $(uname -r) in
*-ptun-debug) count=${PTUN_FUZZ_PACKETS:-200000} unique=4000 passes=10 ;;
*) count=${PTUN_FUZZ_PACKETS:-1000000} unique=6250 passes=16 ;;
esac
if [ $((seed % 2)) -eq 0 ]; then
	cipher=aes-256-gcm
else
	cipher=chacha20-poly1305
fi
diag "seed $seed"
diag "$count datagrams, $cipher, rounds of $unique sent $passes times"

# The datagrams leave from a C loop: Python's costs more than the
# module's work under TCG. The guest sees the host's compiler; it builds
# while the sites come up.
cc -O2 -o "$TMP/fuzzsend" "$TESTS_DIR/fuzzsend.c" > "$TMP/cc.log" 2>&1 &
cc_pid=$!

sites_setup_check "sites up ($cipher)" 4 "$cipher"
attacker_check "attacker namespace up"

if ! wait "$cc_pid"; then
	fail "fuzzsend.c builds" "$(cat "$TMP/cc.log")"
	ktap_done
fi
diag "fuzzsend built after ${SECONDS}s"
# Datagrams must reach sb in the order the model expects: one CPU sends,
# so one CPU's backlog holds them.
ip netns exec ev timeout 1500 taskset -c 0 "$PYTHON" "$TESTS_DIR/fuzzpkt.py" \
	--key "$TMP/site1.key" --peer "$TMP/site2.pub" \
	--endpoint "$SB:$PTUN_PORT" --cipher "$cipher" --count "$count" \
	--round "$unique" --repeat "$passes" --sender "$TMP/fuzzsend" \
	--seed "$seed" --stats-ns sb --ptun "$PTUN" 2>&1 |
	tee "$TMP/fuzz.log" | sed -u 's/^/# /'
rc=${PIPESTATUS[0]}

if ! grep -q '^result ' "$TMP/fuzz.log"; then
	fail "fuzzpkt.py ran to the end (status $rc)" \
		"$(tail -n 20 "$TMP/fuzz.log")"
	diag "seed $seed"
	ktap_done
fi
ok "fuzzpkt.py ran to the end"

sent=$(awk '$1 == "total" && $2 == "sent" { print $3 }' "$TMP/fuzz.log")
arrived=$(awk '$1 == "total" && $2 == "sent" { print $5 }' "$TMP/fuzz.log")
accounted=$(awk '$1 == "total" && $2 == "sent" { print $9 }' "$TMP/fuzz.log")
unexplained=$(awk '$1 == "total" && $2 == "sent" { print $13 }' "$TMP/fuzz.log")
check_ge "at least $count datagrams sent" "$count" "$sent"
check_eq "every datagram that reached sb's port is counted once" \
	"$arrived" "$accounted"
check_eq "every one that did not is a veth or UDP drop" 0 "$unexplained"
while read -r _ what _ expect _ got; do
	check_eq "sb's $what: as predicted" "$expect" "$got"
done <<< "$(awk '$1 == "total" && $3 == "expect" && $2 != "keepalive"' \
	"$TMP/fuzz.log")"

check "the tunnel works from sa" ping_ok sa 10.10.0.2
check "the tunnel works from sb" ping_ok sb 10.10.0.1

[ "$ktap_failed" -eq 0 ] || diag "seed $seed (PTUN_FUZZ_SEED=$seed to repeat)"
ktap_done

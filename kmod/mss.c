// SPDX-License-Identifier: GPL-2.0
/*
 * MSS clamping. Hosts behind a gateway sit on links with a larger MTU than
 * the tunnel's, and announce a maximum segment size that fits their own
 * link. Their full-size segments would then rely on path MTU discovery
 * through the tunnel, which ICMP filters on the way often break. Lowering
 * the MSS option of SYN and SYN-ACK segments that cross the device, in
 * both directions, makes both ends send segments the tunnel carries whole.
 * A gateway that clamps only its own side still fixes both directions: it
 * sees the SYN of one end and the SYN-ACK of the other.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include <linux/ptun.h>

#include "mss.h"

/*
 * Where the TCP header of @skb starts (from skb->data), and how much the
 * IP and TCP headers take out of the MTU; 0 if @skb carries no TCP header
 * that may be rewritten here (no TCP, or a fragment after the first).
 */
static unsigned int tcp_offset(struct sk_buff *skb, unsigned int *headers)
{
	__be16 frag_off;
	u8 nexthdr;
	int off;

	switch (skb->protocol) {
	case htons(ETH_P_IP): {
		const struct iphdr *iph;

		if (!pskb_network_may_pull(skb, sizeof(*iph)))
			return 0;
		iph = ip_hdr(skb);
		if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
			return 0;
		*headers = sizeof(struct iphdr) + sizeof(struct tcphdr);
		return skb_network_offset(skb) + iph->ihl * 4;
	}
	case htons(ETH_P_IPV6):
		if (!pskb_network_may_pull(skb, sizeof(struct ipv6hdr)))
			return 0;
		nexthdr = ipv6_hdr(skb)->nexthdr;
		off = ipv6_skip_exthdr(skb, skb_network_offset(skb) +
					    sizeof(struct ipv6hdr),
				       &nexthdr, &frag_off);
		if (off < 0 || nexthdr != IPPROTO_TCP ||
		    (frag_off & htons(IP6_OFFSET)))
			return 0;
		*headers = sizeof(struct ipv6hdr) + sizeof(struct tcphdr);
		return off;
	}
	return 0;
}

/*
 * Lowers the MSS option of a SYN in @skb (an IP packet, network header
 * set) to what @setting (PTUN_MSS_CLAMP_AUTO: what fits @mtu, else a
 * segment size in bytes) allows. Anything else passes unchanged, as does
 * a segment whose headers cannot be read or written (memory): clamping is
 * a courtesy, never a reason to drop.
 */
void ptun_mss_clamp(struct sk_buff *skb, u16 setting, unsigned int mtu)
{
	unsigned int thoff, headers, len, i;
	struct tcphdr *th;
	u16 limit, mss;
	u8 *opt;

	thoff = tcp_offset(skb, &headers);
	if (!thoff || !pskb_may_pull(skb, thoff + sizeof(*th)))
		return;
	th = (struct tcphdr *)(skb->data + thoff);
	if (!th->syn || th->doff * 4 <= sizeof(*th))
		return;
	len = th->doff * 4;
	if (skb_ensure_writable(skb, thoff + len))
		return;
	th = (struct tcphdr *)(skb->data + thoff);

	if (setting == PTUN_MSS_CLAMP_AUTO) {
		if (mtu <= headers)
			return;
		limit = min(mtu - headers, 65535U);
	} else {
		limit = setting;
	}

	opt = (u8 *)(th + 1);
	len -= sizeof(*th);
	for (i = 0; i < len && opt[i] != TCPOPT_EOL; ) {
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || opt[i + 1] > len - i)
			return;
		if (opt[i] == TCPOPT_MSS && opt[i + 1] == TCPOLEN_MSS) {
			mss = opt[i + 2] << 8 | opt[i + 3];
			if (mss <= limit)
				return;
			opt[i + 2] = limit >> 8;
			opt[i + 3] = limit & 0xff;
			/*
			 * A checksum left to offload (CHECKSUM_PARTIAL) is
			 * computed over the new value later; a complete one
			 * is updated here.
			 */
			inet_proto_csum_replace2(&th->check, skb, htons(mss),
						 htons(limit), false);
			return;
		}
		i += opt[i + 1];
	}
}

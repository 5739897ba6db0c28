import { BlockList, isIP } from "node:net";

/**
 * Addresses inside a network rather than on the internet: where a request from the server would
 * reach the server itself, its neighbours or the cloud's metadata service. Webhooks refuse them
 * when WEBHOOK_PRIVATE_ADDRESSES=deny.
 */
const inside = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network": 0.0.0.0 reaches the host itself
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, the cloud metadata service among them
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and the broadcast address
] as const) {
  inside.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128],
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local, deprecated but still routed by some networks
  ["fc00::", 7], // unique local
  ["ff00::", 8], // multicast
] as const) {
  inside.addSubnet(network, prefix, "ipv6");
}

/**
 * Whether an IP address (as dns.lookup gives it) lies inside a network. An IPv4-mapped IPv6
 * address (::ffff:127.0.0.1) is judged as the IPv4 address it carries: BlockList matches it
 * against the IPv4 rules.
 */
export function isPrivateAddress(address: string): boolean {
  const version = isIP(address);
  // Not an address at all: nothing vouches that it leads outside.
  if (version === 0) return true;
  return inside.check(address, version === 4 ? "ipv4" : "ipv6");
}

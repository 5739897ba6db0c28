import { describe, expect, it } from "vitest";
import { webhookPrivateAddresses } from "@/server/env";
import { isPrivateAddress } from "@/server/services/network-address-rules";

describe("addresses inside a network", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback, the whole /8"],
    ["::1", "IPv6 loopback"],
    ["0.0.0.0", "unspecified"],
    ["::", "IPv6 unspecified"],
    ["10.0.0.1", "private 10/8"],
    ["10.255.255.255", "private 10/8, its last address"],
    ["172.16.0.1", "private 172.16/12"],
    ["172.31.255.255", "private 172.16/12, its last address"],
    ["192.168.1.10", "private 192.168/16"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT, its last address"],
    ["169.254.169.254", "link-local: the cloud metadata service"],
    ["fe80::1", "IPv6 link-local"],
    ["febf::1", "IPv6 link-local, the end of fe80::/10"],
    ["fec0::1", "IPv6 site-local (deprecated)"],
    ["fc00::1", "unique local"],
    ["fd12:3456:789a::1", "unique local"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast (SSDP)"],
    ["ff02::1", "IPv6 multicast"],
    ["255.255.255.255", "broadcast"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:7f00:1", "IPv4-mapped loopback in hex"],
    ["::ffff:169.254.169.254", "IPv4-mapped metadata service"],
    ["::ffff:10.1.2.3", "IPv4-mapped private"],
    ["FE80::ABCD", "IPv6 link-local in capitals"],
    ["localhost", "not an address at all"],
  ])("%s is inside (%s)", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    ["1.1.1.1", "public"],
    ["8.8.8.8", "public"],
    ["93.184.215.14", "public"],
    ["9.255.255.255", "just below 10/8"],
    ["11.0.0.0", "just above 10/8"],
    ["172.15.255.255", "just below 172.16/12"],
    ["172.32.0.0", "just above 172.16/12"],
    ["192.167.255.255", "just below 192.168/16"],
    ["100.63.255.255", "just below carrier-grade NAT"],
    ["100.128.0.0", "just above carrier-grade NAT"],
    ["169.253.255.255", "just below link-local"],
    ["223.255.255.255", "just below multicast"],
    ["2606:4700:4700::1111", "public IPv6"],
    ["fe7f:ffff::1", "IPv6 just below link-local"],
    ["::ffff:8.8.8.8", "IPv4-mapped public"],
  ])("%s is on the internet (%s)", (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe("WEBHOOK_PRIVATE_ADDRESSES", () => {
  it("denies addresses inside the network in production mode and allows them in demo mode, unless set", () => {
    expect(webhookPrivateAddresses({ NODE_ENV: "production", SEED_DEMO: "0" })).toBe("deny");
    expect(webhookPrivateAddresses({ NODE_ENV: "production" })).toBe("allow");
    expect(webhookPrivateAddresses({ NODE_ENV: "test" })).toBe("allow");
    expect(webhookPrivateAddresses({ NODE_ENV: "production", SEED_DEMO: "0", WEBHOOK_PRIVATE_ADDRESSES: "allow" })).toBe("allow");
    expect(webhookPrivateAddresses({ NODE_ENV: "development", WEBHOOK_PRIVATE_ADDRESSES: "deny" })).toBe("deny");
  });

  it("refuses a value it does not know", () => {
    expect(() => webhookPrivateAddresses({ WEBHOOK_PRIVATE_ADDRESSES: "block" })).toThrow(/WEBHOOK_PRIVATE_ADDRESSES must be "allow" or "deny", not "block"/);
  });
});

import { isIPv4, isIPv6 } from "node:net";

/** The key a client address's per-address limits are counted under (docs/DECISIONS.md §19). */
export type LimitKey = (address: string) => string;

/** CERTCHAT_IPV6_PREFIX: its default and bounds (a /32 is a whole ISP; 128 is the address itself). */
export const IPV6_PREFIX_BITS = { fallback: 64, min: 32, max: 128 } as const;

/** limitKey with the prefix length fixed, as the server's limits use it. */
export function limitKeys(ipv6PrefixBits: number): LimitKey {
  return (address) => limitKey(address, ipv6PrefixBits);
}

/**
 * An IPv4 address as it is; an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, how a dual-stack listener sees
 * IPv4 clients) or a NAT64 well-known-prefix one (`64:ff9b::1.2.3.4`) as its IPv4 address; any other IPv6 address as its first `ipv6PrefixBits` bits in one
 * spelling (`2001:db8:0:1::/64`), whatever its zero compression, letter case or zone id. One holder of a
 * /64 (what an ISP or a cloud VM hands out) has 2^64 addresses: keyed on the whole address, every
 * per-address limit would be void against it. Anything that is not an IP address is kept as it is.
 */
export function limitKey(address: string, ipv6PrefixBits: number): string {
  if (isIPv4(address)) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (embedsIPv4(groups)) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  }
  const kept = Math.ceil(ipv6PrefixBits / 16);
  const prefix = groups.slice(0, kept).map((group, index) => {
    const bits = Math.min(16, ipv6PrefixBits - index * 16);
    return (group & ((0xffff << (16 - bits)) & 0xffff)).toString(16);
  });
  return `${prefix.join(":")}${kept < 8 ? "::" : ""}/${ipv6PrefixBits}`;
}

/**
 * IPv4-mapped (`::ffff:0:0/96`), or the NAT64 well-known prefix (`64:ff9b::/96`, RFC 6052): behind a stateless
 * translator (SIIT-DC) every IPv4 client reaches an IPv6-only node in that one /96, so its /64 would be one key
 * for the whole IPv4 internet.
 */
function embedsIPv4(groups: readonly number[]): boolean {
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  return (zeros(0, 5) && groups[5] === 0xffff) || (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6));
}

/** The eight 16-bit groups of an IPv6 address (a zone id dropped), or undefined for anything else. */
function ipv6Groups(address: string): number[] | undefined {
  // Checked before anything else: request.ip is undefined, whatever its type says, once the socket has closed.
  if (!isIPv6(address)) return undefined;
  const zone = address.indexOf("%");
  let text = zone === -1 ? address : address.slice(0, zone);
  // A trailing dotted IPv4 part (::ffff:1.2.3.4) becomes its two groups; node:net has checked its form.
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split(".").map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16));
  const before = parse(head);
  const after = rest === undefined ? [] : parse(rest);
  const zeros = rest === undefined ? 0 : 8 - before.length - after.length;
  const groups = [...before, ...new Array<number>(zeros).fill(0), ...after];
  return groups.length === 8 ? groups : undefined;
}

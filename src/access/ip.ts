import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Client-network checks for keys with `allowed_cidrs`. Node's BlockList does the address maths
 * (v4, v6 and v4-mapped v6), so there is no hand-rolled bit twiddling to get wrong.
 */
export function compileCidrs(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    if (!addr) throw new Error(`invalid CIDR "${c}"`);
    const type = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : null;
    if (!type) throw new Error(`invalid CIDR "${c}"`);
    const max = type === 'ipv4' ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`invalid CIDR "${c}"`);
    list.addSubnet(addr, prefix, type);
  }
  return list;
}

export function isValidCidr(c: string): boolean {
  try {
    compileCidrs([c]);
    return true;
  } catch {
    return false;
  }
}

/** Strip the IPv4-mapped IPv6 prefix Node reports for v4 clients on dual-stack sockets. */
function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

export function ipAllowed(list: BlockList, ip: string | null): boolean {
  if (!ip) return false;
  const a = normalizeIp(ip);
  if (isIPv4(a)) return list.check(a, 'ipv4');
  if (isIPv6(a)) return list.check(a, 'ipv6');
  return false;
}

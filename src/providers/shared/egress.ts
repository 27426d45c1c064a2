import {
  lookup as dnsLookup,
  type LookupAddress,
  type LookupAllOptions,
  type LookupOneOptions,
} from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { UpstreamError } from '../types.js';

/**
 * Outbound calls must not reach link-local or cloud-metadata addresses unless a provider's config
 * says so: that is where a server-side request forgery goes for credentials (169.254.169.254 and
 * friends). Checked on the resolved address at connect time, so DNS tricks (a name that resolves to
 * 169.254.169.254, or rebinding between check and use) do not get around it.
 */
const BLOCKED = new BlockList();
BLOCKED.addSubnet('169.254.0.0', 16, 'ipv4'); // IPv4 link-local, incl. AWS/GCP/Azure metadata
BLOCKED.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network": 0.0.0.0 reaches local services
BLOCKED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
BLOCKED.addAddress('192.0.0.192', 'ipv4'); // Oracle Cloud metadata
BLOCKED.addSubnet('fe80::', 10, 'ipv6'); // IPv6 link-local
BLOCKED.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
BLOCKED.addSubnet('::ffff:169.254.0.0', 112, 'ipv6'); // v4-mapped link-local

function isBlockedAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return BLOCKED.check(ip, 'ipv4');
  if (family === 6) return BLOCKED.check(ip, 'ipv6');
  return false;
}

function refused(host: string): UpstreamError {
  return new UpstreamError(
    'blocked',
    `refused to connect to ${host}: it is a link-local or cloud-metadata address (set allow_link_local on the provider to permit it)`,
  );
}

/** Origins already checked: provider URLs come from config, so this stays small. */
const checkedOrigins = new Map<string, string | null>();

/** IP literals never go through DNS lookup, so they are checked on the URL itself (once per origin). */
export function assertEgressAllowed(url: string): void {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  const origin = slash === -1 ? url : url.slice(0, slash);
  let blocked = checkedOrigins.get(origin);
  if (blocked === undefined) {
    let host: string | null = null;
    try {
      host = new URL(origin).hostname.replace(/^\[|\]$/g, '');
    } catch {
      host = null;
    }
    blocked = host !== null && isBlockedAddress(host) ? host : null;
    if (checkedOrigins.size < 1000) checkedOrigins.set(origin, blocked);
  }
  if (blocked !== null) throw refused(blocked);
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `dns.lookup` replacement for the socket connector that refuses blocked addresses. */
export function guardedLookup(
  hostname: string,
  options: LookupOneOptions | LookupAllOptions,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const list = addresses as LookupAddress[];
    if (list.some((a) => isBlockedAddress(a.address)))
      return callback(refused(hostname) as unknown as NodeJS.ErrnoException, '');
    if ((options as LookupAllOptions).all) return callback(null, list);
    const first = list[0];
    if (!first)
      return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
    callback(null, first.address, first.family);
  });
}

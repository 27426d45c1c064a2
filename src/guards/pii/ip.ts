import { isIPv6 } from 'node:net';
import type { Span } from '../types.js';

/**
 * IP addresses.
 *
 * IPv4: four dotted octets (0–255, no leading zeros). Decisions:
 * - a dotted quad that is part of a longer dotted sequence (`1.3.6.1.4.1`, `1.2.3.4.5`) is not an IP;
 * - one written as a version is not an IP: directly after `v`/`V` (`v10.0.0.1`) or after a version
 *   word (`version 1.2.3.4`, `release`, `build`, `firmware`);
 * - `0.0.0.0`, `127.0.0.1` and `255.255.255.255` identify no one and are skipped. Private ranges
 *   (10/8, 192.168/16) are reported: inside an organisation they do identify machines.
 *
 * IPv6: expanded around each `:` and validated by node:net; needs two non-empty groups and four hex
 * digits, so `std::vector`, `12:30:45` and MAC addresses are not addresses.
 */
const IPV4 =
  /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?\d)/g;
const VERSION_BEFORE = /(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\bfirmware|\bkernel|\bversion:)\s*$/i;
const SKIP_V4 = new Set(['0.0.0.0', '127.0.0.1', '255.255.255.255']);

export function findIpv4(text: string, out: Span[]): void {
  if (!text.includes('.')) return;
  IPV4.lastIndex = 0;
  for (let m = IPV4.exec(text); m !== null; m = IPV4.exec(text)) {
    if (SKIP_V4.has(m[0])) continue;
    const start = m.index;
    const prev = start > 0 ? text.charCodeAt(start - 1) : 32;
    // Letters glued to the front ("v10.0.0.1", "abc1.2.3.4") or a version word before.
    if ((prev >= 65 && prev <= 90) || (prev >= 97 && prev <= 122) || prev === 95) continue;
    if (VERSION_BEFORE.test(text.slice(Math.max(0, start - 12), start))) continue;
    out.push({ start, end: start + m[0].length, label: 'pii.ip_address' });
  }
}

const isHexOrColon = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 58;
const isWordish = (c: number) => (c >= 71 && c <= 90) || (c >= 103 && c <= 122) || c === 95 || c === 46;

export function findIpv6(text: string, out: Span[]): void {
  let colon = text.indexOf(':');
  let lastEnd = -1;
  while (colon >= 0) {
    if (colon < lastEnd) {
      colon = text.indexOf(':', lastEnd);
      continue;
    }
    let s = colon;
    while (s > 0 && isHexOrColon(text.charCodeAt(s - 1))) s--;
    let e = colon + 1;
    while (e < text.length && isHexOrColon(text.charCodeAt(e))) e++;
    lastEnd = e;
    const before = s > 0 ? text.charCodeAt(s - 1) : 32;
    const after = e < text.length ? text.charCodeAt(e) : 32;
    if (e - s >= 6 && !isWordish(before) && !isWordish(after)) {
      const cand = text.slice(s, e);
      const groups = cand.split(':').filter((g) => g.length > 0);
      const hexDigits = groups.reduce((a, g) => a + g.length, 0);
      if (
        groups.length >= 2 &&
        hexDigits >= 4 &&
        (cand.includes('::') || groups.length === 8) &&
        isIPv6(cand)
      ) {
        out.push({ start: s, end: e, label: 'pii.ip_address' });
      }
    }
    colon = text.indexOf(':', e);
  }
}

/**
 * PII detection: e-mail, phone numbers, payment cards (Luhn + issuer ranges), IBAN (mod 97 +
 * country length), US SSN (issuance rules), IPv4/IPv6 addresses and the values of secret-bearing
 * fields (`password=`, `"api_key": "…"`). Labels: `pii.email`, `pii.phone`, `pii.payment_card`,
 * `pii.iban`, `pii.ssn`, `pii.ip_address`, `pii.secret_field`. Each file documents what it
 * deliberately does NOT match (dates, versions, order numbers, UUIDs…).
 */
import { patternResult } from '../result.js';
import type { DetectorOptions, DetectorResult, Span } from '../types.js';
import { dedupeSpans } from '../types.js';
import { findCards } from './card.js';
import { findEmails } from './email.js';
import { findSecretFields } from './fields.js';
import { findIbans } from './iban.js';
import { findIpv4, findIpv6 } from './ip.js';
import { findPhones } from './phone.js';
import { findSsns } from './ssn.js';

export type PiiKind = 'email' | 'phone' | 'payment_card' | 'iban' | 'ssn' | 'ip_address' | 'secret_field';

export const PII_KINDS: readonly PiiKind[] = [
  'email',
  'phone',
  'payment_card',
  'iban',
  'ssn',
  'ip_address',
  'secret_field',
];

export interface PiiOptions extends DetectorOptions {
  /** Only these kinds (default: all). */
  kinds?: readonly PiiKind[];
}

const FINDERS: Record<PiiKind, (text: string, out: Span[]) => void> = {
  email: findEmails,
  payment_card: findCards,
  iban: findIbans,
  ssn: findSsns,
  phone: findPhones,
  ip_address: (text, out) => {
    findIpv4(text, out);
    findIpv6(text, out);
  },
  secret_field: findSecretFields,
};

/**
 * Order matters when spans overlap: a card number is not also reported as a phone number; the
 * more specific detector's span wins (see `dedupeSpans` and the priority below).
 */
const PRIORITY: PiiKind[] = ['secret_field', 'payment_card', 'iban', 'ssn', 'email', 'ip_address', 'phone'];

export function detectPii(text: string, opts: PiiOptions = {}): DetectorResult {
  const kinds = opts.kinds ?? PII_KINDS;
  const spans: Span[] = [];
  for (const kind of PRIORITY) {
    if (!kinds.includes(kind)) continue;
    const found: Span[] = [];
    FINDERS[kind](text, found);
    for (const s of found) if (!spans.some((t) => t.start < s.end && s.start < t.end)) spans.push(s);
  }
  return patternResult('pii', dedupeSpans(spans));
}

export { isCardNumber, luhn } from './card.js';
export { isIban } from './iban.js';
export { validSsn } from './ssn.js';

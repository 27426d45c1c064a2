/**
 * Excerpts for reports: what was sent and what came back, short and safe to publish. Secrets and PII
 * go through Keel's own detectors and come out as `[REDACTED:<label>]`; a value the probe planted is
 * masked wherever it appears, also re-spaced or in another case, since that is how leaks come back.
 */
import { detectPii } from '../guards/pii/index.js';
import { redact } from '../guards/redact.js';
import { detectSecrets } from '../guards/secrets/index.js';
import type { Span } from '../guards/types.js';
import { findValue } from './judge/match.js';
import type { Probe } from './types.js';

export const EXCERPT_MAX = 2000;

/** Mask secrets, PII, the probe's planted values and `hide` (the run's API key); cut to EXCERPT_MAX. */
export function safeExcerpt(
  full: string,
  probe: Pick<Probe, 'checks'>,
  hide: readonly string[] = [],
): string {
  // Masking a flood answer whole would cost more than the run; what is past the cut is never shown,
  // and the margin keeps a value that straddles the cut whole for the detectors.
  const text = full.slice(0, 4 * EXCERPT_MAX);
  const spans: Span[] = [...detectSecrets(text).spans, ...detectPii(text).spans];
  for (const check of probe.checks)
    if (check.kind === 'planted')
      for (const s of findValue(text, check.value)) spans.push({ ...s, label: `planted.${check.label}` });
  for (const value of hide)
    for (const s of findValue(text, value)) spans.push({ ...s, label: 'secret.api_key' });
  const masked = redact(text, spans);
  return masked.length <= EXCERPT_MAX ? masked : `${masked.slice(0, EXCERPT_MAX - 1)}…`;
}

/** The last message a probe sends from the user or a tool: where its attack sits. */
export function lastInput(probe: Pick<Probe, 'request'>): string {
  const messages = probe.request.messages;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && (m.role === 'user' || m.role === 'tool')) return m.content;
  }
  return '';
}

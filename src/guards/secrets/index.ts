/**
 * Secret detection: provider API keys (OpenAI, Anthropic, AWS, GitHub, GitLab, Slack, Stripe, Google,
 * Hugging Face, npm, SendGrid), JWTs, private keys, passwords in URLs and high-entropy tokens.
 * Labels: `secret.<kind>` (`secret.openai_key`, `secret.jwt`, `secret.private_key`,
 * `secret.url_password`, `secret.high_entropy`, …). A specific finding wins over the generic
 * high-entropy one for the same characters.
 */
import { patternResult } from '../result.js';
import type { DetectorOptions, DetectorResult, Span } from '../types.js';
import { dedupeSpans } from '../types.js';
import { findHighEntropy } from './entropy.js';
import { findJwts } from './jwt.js';
import { findPrivateKeys } from './pem.js';
import { findProviderKeys } from './providers.js';
import { findUrlPasswords } from './url.js';

export interface SecretOptions extends DetectorOptions {
  /** Report high-entropy tokens (default true). */
  entropy?: boolean;
}

export function detectSecrets(text: string, opts: SecretOptions = {}): DetectorResult {
  const spans: Span[] = [];
  findPrivateKeys(text, spans);
  findJwts(text, spans);
  findProviderKeys(text, spans);
  findUrlPasswords(text, spans);
  if (opts.entropy !== false) {
    const generic: Span[] = [];
    findHighEntropy(text, generic);
    for (const g of generic) if (!spans.some((s) => s.start < g.end && g.start < s.end)) spans.push(g);
  }
  return patternResult('secrets', dedupeSpans(spans));
}

export { looksRandom, shannonEntropy } from './entropy.js';
export { isJwtHeader } from './jwt.js';
export { KEY_PATTERNS } from './providers.js';

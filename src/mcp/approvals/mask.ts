import { maskDetails, maskSecretValue } from '../../audit/mask.js';
import { redact } from '../../guards/redact.js';
import { detectSecrets } from '../../guards/secrets/index.js';

/**
 * The arguments of a held call as operators see them and as the store and the audit chain keep
 * them: the audit log's masking (values under secret-looking names, known credential shapes, size
 * caps) and then the guards' secret detector over every string (JWTs, private keys, passwords in
 * URLs, high-entropy tokens), each finding cut to its scheme prefix and four characters. The
 * upstream still receives what the argument-screening stage let through; only the record is masked.
 */
export function maskArguments(args: Record<string, unknown>): Record<string, unknown> {
  return maskStrings(maskDetails(args)) as Record<string, unknown>;
}

function maskStrings(v: unknown): unknown {
  if (typeof v === 'string') return maskFound(v);
  if (Array.isArray(v)) return v.map(maskStrings);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, x] of Object.entries(v)) out[k] = maskStrings(x);
    return out;
  }
  return v;
}

function maskFound(s: string): string {
  const found = detectSecrets(s);
  if (found.spans.length === 0) return s;
  return redact(s, found.spans, { replacement: (_span, original) => maskSecretValue(original) });
}

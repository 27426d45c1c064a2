import type { Span } from '../types.js';
import { scanWords, WordTable } from '../words.js';

/**
 * Values of secret-bearing fields: `password=hunter2`, `"api_key": "…"`, `client_secret: …`,
 * `Authorization: Bearer …`. The span covers the VALUE only, so redaction keeps the field name
 * readable (`password=[REDACTED:pii.secret_field]`). Placeholder values (`***`, `<password>`,
 * `${DB_PASSWORD}`, `null`, `changeme`) are not secrets and are skipped.
 */
const FIELD =
  /(?<![\w-])["']?((?:[a-z0-9]+[_.-])*(?:password|passwd|pwd|passphrase|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?|secret[_-]?(?:access[_-]?)?key|private[_-]?key|(?:access|auth|refresh|bearer|session|id|api)[_-]?token|token|authorization|credentials?))["']?\s*(?::=|=>|[:=])\s*(?:"((?:[^"\\\n]|\\.){1,500})"|'([^'\n]{1,500})'|((?:bearer|basic|token)\s+[^\s,;"'`<>]{4,500}|[^\s,;"'`<>{}()[\]]{1,500}))/gi;
const PLACEHOLDER =
  /^(?:\**|x+|\.{2,}|…|<[^>]*>|\[[^\]]*\]|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|\{\{[^}]*\}\}|%[a-z_]+%|null|none|nil|undefined|true|false|empty|redacted|\[redacted[^\]]*\]|changeme|password|secret|your[-_ ]?\w+|process\.env\.\w+|os\.environ.*|env\(.*|getenv.*|required|optional|string|str|int)$/i;
const SCHEME = /^(?:bearer|basic|token)\s+/i;

const FIELD_WORDS = new WordTable(
  ['password', 'passwd', 'pwd', 'passphrase', 'secret', 'key', 'apikey', 'token', 'authorization', 'credential', 'credentials'].map(
    (w) => [w, 1] as const,
  ),
);

export function findSecretFields(text: string, out: Span[]): void {
  if (scanWords(text, FIELD_WORDS) === 0 && !/(?:key|token|secret|password)/i.test(text)) return;
  FIELD.lastIndex = 0;
  for (let m = FIELD.exec(text); m !== null; m = FIELD.exec(text)) {
    const value = m[2] ?? m[3] ?? m[4];
    if (value === undefined) continue;
    let start = m.index + m[0].length - value.length - (m[2] !== undefined || m[3] !== undefined ? 1 : 0);
    let v = value;
    const scheme = SCHEME.exec(v);
    if (scheme) {
      start += scheme[0].length;
      v = v.slice(scheme[0].length);
    }
    if (v.length < 3 || PLACEHOLDER.test(v)) continue;
    // "key: value" in prose ("the key: remember it") is not a field; require something secret-like:
    // no spaces (quoted values may have them) and not a plain English word for generic names.
    const name = (m[1] as string).toLowerCase();
    if (/^(?:token|secret|credentials?)$/.test(name) && /^[a-z]+$/i.test(v) && v.length < 12) continue;
    out.push({ start, end: start + v.length, label: 'pii.secret_field' });
  }
}

import type { Span } from '../types.js';

/**
 * Values of secret-bearing fields: `password=hunter2`, `"api_key": "…"`, `client_secret: …`,
 * `Authorization: Bearer …`. The span covers the VALUE only, so redaction keeps the field name
 * readable (`password=[REDACTED:pii.secret_field]`). Placeholder values (`***`, `<password>`,
 * `${DB_PASSWORD}`, `null`, `changeme`) are not secrets and are skipped.
 *
 * Found from each `:` / `=` backwards (the field name) and forwards (the value), so the cost is
 * proportional to the number of separators, not to a regex tried at every position.
 */
const SECRET_NAME =
  /(?:^|[_.-])(?:password|passwd|pwd|passphrase|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?|secret[_-]?(?:access[_-]?)?key|private[_-]?key|(?:access|auth|refresh|bearer|session|id|api)[_-]?token|token|authorization|credentials?)$/i;
const GENERIC_NAME = /^(?:token|secret|credentials?)$/i;
const PLACEHOLDER =
  /^(?:\**|x+|\.{2,}|…|<[^>]*>|\[[^\]]*\]|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|\{\{[^}]*\}\}|%[a-z_]+%|null|none|nil|undefined|true|false|empty|redacted|changeme|password|secret|your[-_ ]?\w+|process\.env\.\w+|os\.environ.*|env\(.*|getenv.*|required|optional|string|str|int)$/i;
const SCHEME = /^(?:bearer|basic|token)\s+/i;
const MAX_VALUE = 500;

const isNameChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;
const isSpace = (c: number) => c === 32 || c === 9;
/** Characters that end an unquoted value. */
const endsValue = (c: number) =>
  Number.isNaN(c) /* end of text */ ||
  c <= 32 ||
  c === 44 ||
  c === 59 ||
  c === 34 ||
  c === 39 ||
  c === 96 ||
  c === 60 ||
  c === 62 ||
  c === 123 ||
  c === 125 ||
  c === 40 ||
  c === 41 ||
  c === 91 ||
  c === 93;

export function findSecretFields(text: string, out: Span[]): void {
  const n = text.length;
  let skipTo = 0;
  // Separators in text order, found with native indexOf (":" and "=" are rare in prose).
  let colon = text.indexOf(':');
  let equals = text.indexOf('=');
  while (colon >= 0 || equals >= 0) {
    let p: number;
    if (equals < 0 || (colon >= 0 && colon < equals)) {
      p = colon;
      colon = text.indexOf(':', colon + 1);
    } else {
      p = equals;
      equals = text.indexOf('=', equals + 1);
    }
    if (p < skipTo) continue;
    const c = text.charCodeAt(p);
    // Separator: ":", "=", ":=", "=>"; not "==" or "://".
    let after = p + 1;
    const next = text.charCodeAt(after);
    if (c === 58 && next === 61) after++;
    else if (c === 61 && next === 62) after++;
    else if (next === 61 || (c === 58 && next === 47)) continue;
    // Field name: skip spaces and a closing quote backwards, then read name characters.
    let k = p - 1;
    while (k >= 0 && isSpace(text.charCodeAt(k))) k--;
    if (k >= 0 && (text.charCodeAt(k) === 34 || text.charCodeAt(k) === 39)) k--;
    const nameEnd = k + 1;
    while (k >= 0 && nameEnd - k <= 64 && isNameChar(text.charCodeAt(k))) k--;
    const name = text.slice(k + 1, nameEnd);
    if (name.length < 3 || !SECRET_NAME.test(name)) continue;
    // Value: quoted or up to the next delimiter.
    let v = after;
    while (v < n && isSpace(text.charCodeAt(v))) v++;
    const q = text.charCodeAt(v);
    let start: number;
    let end: number;
    if (q === 34 || q === 39) {
      start = v + 1;
      end = start;
      while (
        end < n &&
        end - start <= MAX_VALUE &&
        text.charCodeAt(end) !== q &&
        text.charCodeAt(end) !== 10
      ) {
        end += text.charCodeAt(end) === 92 ? 2 : 1;
      }
      if (text.charCodeAt(end) !== q) continue;
    } else {
      start = v;
      const scheme = SCHEME.exec(text.slice(v, v + 16));
      end = v + (scheme ? scheme[0].length : 0);
      while (end < n && end - start <= MAX_VALUE && !endsValue(text.charCodeAt(end))) end++;
    }
    let value = text.slice(start, end);
    const scheme = SCHEME.exec(value);
    if (scheme) {
      start += scheme[0].length;
      value = value.slice(scheme[0].length);
    }
    if (value.length < 3 || value.length > MAX_VALUE || PLACEHOLDER.test(value)) continue;
    // "token: remember it" in prose is not a field: generic names need a non-word value.
    if (GENERIC_NAME.test(name.replace(/^.*[_.-]/, '')) && /^[a-z]+$/i.test(value) && value.length < 12)
      continue;
    out.push({ start, end: start + value.length, label: 'pii.secret_field' });
    skipTo = start + value.length;
  }
}

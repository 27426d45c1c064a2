import type { Span } from '../types.js';

/**
 * Passwords in URLs (`scheme://user:password@host`). The span is the password only. Placeholders
 * used in documentation (`password`, `pass`, `secret`, `***`, `<password>`, `${DB_PASS}`) are skipped.
 */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:@/?#]{0,200}:([^\s@/?#]{1,200})@[^\s@]/gi;
const PLACEHOLDER =
  /^(?:password|passwd|pass|pwd|secret|\*+|x+|\.\.\.|<[^>]*>|\$\{[^}]*\}|\$[A-Z_]+|\{\{[^}]*\}\}|%[a-z_]+%|changeme|your[-_]?password)$/i;

export function findUrlPasswords(text: string, out: Span[]): void {
  if (!text.includes('://')) return;
  URL_CREDENTIALS.lastIndex = 0;
  for (let m = URL_CREDENTIALS.exec(text); m !== null; m = URL_CREDENTIALS.exec(text)) {
    const pw = m[1] as string;
    if (PLACEHOLDER.test(pw)) continue;
    const start = m.index + m[0].length - 2 - pw.length;
    out.push({ start, end: start + pw.length, label: 'secret.url_password' });
  }
}

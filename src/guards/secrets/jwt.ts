import type { Span } from '../types.js';

/**
 * JSON Web Tokens: three base64url parts separated by dots, whose header decodes to a JSON object
 * with `alg` or `typ` (the signature part may be empty for `alg: none`).
 */
const JWT =
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,2000}\.[A-Za-z0-9_-]{2,8000}\.[A-Za-z0-9_-]{0,2000}(?![A-Za-z0-9_-])/g;

export function isJwtHeader(part: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null && ('alg' in header || 'typ' in header);
  } catch {
    return false;
  }
}

export function findJwts(text: string, out: Span[]): void {
  if (!text.includes('eyJ')) return;
  JWT.lastIndex = 0;
  for (let m = JWT.exec(text); m !== null; m = JWT.exec(text)) {
    const header = m[0].slice(0, m[0].indexOf('.'));
    if (isJwtHeader(header)) out.push({ start: m.index, end: m.index + m[0].length, label: 'secret.jwt' });
  }
}

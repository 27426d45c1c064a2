import type { Span } from '../types.js';

/**
 * PEM / OpenSSH / PGP private keys: the whole block from BEGIN to END. A block cut off before its
 * END line (a truncated paste, a stream chunk) is reported up to the end of its base64 body.
 * Public keys and certificates are not secrets and are not matched.
 */
const BEGIN = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |ED25519 )?PRIVATE KEY(?: BLOCK)?)-----/g;
const BODY = /[A-Za-z0-9+/=\s:,-]*/y;

export function findPrivateKeys(text: string, out: Span[]): void {
  if (!text.includes('-----BEGIN ')) return;
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m !== null; m = BEGIN.exec(text)) {
    const endMarker = `-----END ${m[1]}-----`;
    const endAt = text.indexOf(endMarker, m.index);
    let end: number;
    if (endAt >= 0) {
      end = endAt + endMarker.length;
    } else {
      BODY.lastIndex = m.index + m[0].length;
      BODY.exec(text);
      end = BODY.lastIndex;
    }
    out.push({ start: m.index, end, label: 'secret.private_key' });
    BEGIN.lastIndex = end;
  }
}

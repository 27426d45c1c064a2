/**
 * For streams: where, near the end of what has arrived, an active construct may still be growing —
 * an open `[` or `<`, a link destination not yet closed, a line that has begun a data-changing SQL
 * statement, or a trailing word that could become one ("DR" → "DROP"). The stream releases text up
 * to that point at once and holds the rest, instead of holding a fixed look-behind for every answer:
 * ordinary prose streams without delay.
 */

const KEYWORDS = ['drop', 'delete', 'update', 'insert', 'alter', 'truncate'];
const KEYWORD = /\b(?:drop|delete|update|insert|alter|truncate)\b/gi;
/** Past this, a possible construct is not waited for (the stream scanner's own hold cap still applies). */
const MAX_PENDING = 4096;
/** Words after a keyword by which a statement's shape has shown itself one way or the other. */
const SHAPE_WORDS = 4;
const STATEMENT =
  /^\s+(?:(?:table|database|schema|view|index|user|role|procedure|function|trigger|sequence|column)\b|from\s|into\s|[`"[]?[a-z_][\w$.`"\]]*\s+set\b|[`"[]?[a-z_][\w$.`"\]]*\s*(?:;|$))/i;

/** The earliest position whose text may still become part of an active construct, or -1. */
export function pendingFrom(text: string): number {
  const n = text.length;
  const floor = Math.max(0, n - MAX_PENDING);
  let from = n;
  const lastLt = text.lastIndexOf('<');
  if (lastLt >= floor && lastLt > text.lastIndexOf('>')) from = Math.min(from, lastLt);
  const lastOpen = text.lastIndexOf('[');
  if (lastOpen >= floor) {
    // An unclosed `[`, or `[…]` at the very end (a `(` may follow).
    const close = text.indexOf(']', lastOpen);
    if (close === -1 || close === n - 1)
      from = Math.min(from, lastOpen > 0 && text[lastOpen - 1] === '!' ? lastOpen - 1 : lastOpen);
  }
  if (text.endsWith('!')) from = Math.min(from, n - 1);
  const lineStart = Math.max(floor, text.lastIndexOf('\n') + 1);
  const line = text.slice(lineStart);
  KEYWORD.lastIndex = 0;
  for (let m = KEYWORD.exec(line); m; m = KEYWORD.exec(line)) {
    const rest = line.slice(m.index + m[0].length);
    const undecided = rest.trim().split(/\s+/).length < SHAPE_WORDS;
    if (undecided || STATEMENT.test(rest)) {
      from = Math.min(from, lineStart + m.index);
      break;
    }
  }
  // A trailing word that may still become a keyword.
  let w = n;
  while (w > floor && /[a-z]/i.test(text[w - 1] as string)) w--;
  if (w < n && (w === 0 || !/\w/.test(text[w - 1] as string))) {
    const word = text.slice(w).toLowerCase();
    if (KEYWORDS.some((k) => k.startsWith(word))) from = Math.min(from, w);
  }
  return from === n ? -1 : from;
}

/**
 * SQL that changes data or schema in an answer: DROP, DELETE FROM, UPDATE … SET, INSERT INTO, ALTER,
 * TRUNCATE. An application that runs what the model wrote (text-to-SQL, agents with a database tool)
 * would execute it. Prose uses the same words ("delete from the list", "update the table set"), so a
 * statement counts only when its keywords are upper case or it ends with `;` on the same line.
 * A regex finds the keywords (a fixed alternation, linear); the shape after each is checked on at
 * most a few hundred characters.
 */
import type { Finding } from './html.js';
import { NextIndex } from './scan.js';

const KEYWORD = /\b(drop|delete|update|insert|alter|truncate)\b/gi;
const SHAPES: Record<string, RegExp> = {
  drop: /^\s+(?:table|database|schema|view|index|user|role|procedure|function|trigger|sequence|column)\b/iy,
  delete: /^\s+from\s+[`"[]?[a-z_][\w$.`"\]]*/iy,
  update: /^\s+[`"[]?[a-z_][\w$.`"\]]*\s+set\s+[`"[]?[a-z_]/iy,
  insert: /^\s+into\s+[`"[]?[a-z_][\w$.`"\]]*/iy,
  alter: /^\s+(?:table|database|schema|view|index|user|role|sequence)\b/iy,
  truncate: /^\s+(?:table\s+)?[`"[]?[a-z_][\w$.`"\]]*\s*(?:;|$)/imy,
};
/** The second keyword of each statement, which must be upper case too when there is no `;`. */
const SECOND: Record<string, RegExp> = {
  drop: /^\s+(\w+)/,
  delete: /^\s+(\w+)/,
  update: /\b(set)\b/i,
  insert: /^\s+(\w+)/,
  alter: /^\s+(\w+)/,
  truncate: /^\s+(table)\b/i,
};
/** Longest statement reported as one span. */
const MAX_STATEMENT = 2000;

export function scanSql(text: string, out: Finding[]): void {
  const semi = new NextIndex(text, ';');
  const nl = new NextIndex(text, '\n');
  KEYWORD.lastIndex = 0;
  for (let m = KEYWORD.exec(text); m; m = KEYWORD.exec(text)) {
    const word = (m[1] ?? '').toLowerCase();
    const shape = SHAPES[word];
    if (!shape) continue;
    const after = m.index + m[0].length;
    const window = text.slice(after, after + 200);
    shape.lastIndex = 0;
    const s = shape.exec(window);
    if (!s) continue;
    const lineEnd = nl.find(after);
    const eol = lineEnd === -1 ? text.length : lineEnd;
    const semicolon = semi.find(after);
    const terminated = semicolon !== -1 && semicolon < eol;
    const second = SECOND[word]?.exec(s[0])?.[1];
    const upper = m[0] === m[0].toUpperCase() && (second === undefined || second === second.toUpperCase());
    if (!terminated && !upper) continue;
    const stop = terminated
      ? semicolon + 1
      : semicolon !== -1 && semicolon - after < MAX_STATEMENT
        ? semicolon + 1
        : eol;
    const end = Math.min(stop, after + MAX_STATEMENT);
    out.push({ start: m.index, end, kind: 'sql_write' });
    KEYWORD.lastIndex = Math.max(KEYWORD.lastIndex, end);
  }
}

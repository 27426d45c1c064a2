/**
 * zod issues → the error messages OpenAI itself gives for bad parameters, with `param` in OpenAI's
 * path notation (`messages[0].role`), so client code written against OpenAI reads them unchanged.
 */
import type { z } from 'zod';
import { KeelError } from '../../errors.js';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

function paramPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(v) ? 'an integer' : 'a decimal';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => `'${String(v)}'`).join(', ');
}

function shortValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** The most specific issue inside a union: the branch that got furthest into the value. */
function deepestBranch(errors: Issue[][]): Issue | undefined {
  let best: Issue | undefined;
  let bestDepth = -1;
  for (const branch of errors) {
    const first = branch[0];
    if (!first) continue;
    const depth = first.path.length + (first.code === 'invalid_type' ? 0 : 0.5);
    if (depth > bestDepth) {
      best = first;
      bestDepth = depth;
    }
  }
  return bestDepth > 0 ? best : undefined;
}

function message(issue: Issue, path: Path, body: unknown): string {
  const p = paramPath(path);
  const value = valueAt(body, path);
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) return `Missing required parameter: '${p}'.`;
      const want = EXPECTED[issue.expected] ?? issue.expected;
      return `Invalid type for '${p}': expected ${want}, but got ${describe(value)} instead.`;
    }
    case 'invalid_value':
      return `Invalid value for '${p}': '${shortValue(value)}'. Supported values are: ${quoteList(issue.values)}.`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const op = issue.code === 'too_small' ? '>=' : '<=';
      if (issue.origin === 'array') {
        return `Invalid '${p}': expected an array with ${issue.code === 'too_small' ? 'minimum' : 'maximum'} length ${String(bound)}, but got ${Array.isArray(value) ? value.length : 0} items instead.`;
      }
      if (issue.origin === 'string') {
        return `Invalid '${p}': string ${issue.code === 'too_small' ? 'too short' : 'too long'}. Expected a string with ${issue.code === 'too_small' ? 'minimum' : 'maximum'} length ${String(bound)}.`;
      }
      return `Invalid '${p}': expected a value ${op} ${String(bound)}, but got ${shortValue(value)} instead.`;
    }
    default:
      return `Invalid value for '${p}': ${issue.message}.`;
  }
}

/** The first zod issue as a KeelError('invalid_request') naming the parameter. */
export function issueToError(issues: readonly Issue[], body: unknown, prefix: Path = []): KeelError {
  let issue = issues[0];
  let path: Path = issue ? [...prefix, ...issue.path] : prefix;
  // Descend into unions so the message names the innermost field that is wrong.
  while (issue && issue.code === 'invalid_union') {
    const u = issue;
    if ('note' in u && u.note === 'No matching discriminator') {
      const discPath = path;
      const v = valueAt(body, discPath);
      const p = paramPath(discPath);
      const opts = 'options' in u && Array.isArray(u.options) ? u.options : [];
      const msg =
        v === undefined
          ? `Missing required parameter: '${p}'.`
          : `Invalid value for '${p}': '${shortValue(v)}'. Supported values are: ${quoteList(opts)}.`;
      return new KeelError('invalid_request', msg, { param: p });
    }
    const inner = deepestBranch(u.errors);
    if (!inner) {
      const p = paramPath(path);
      const v = valueAt(body, path);
      const wants: string[] = [];
      for (const b of u.errors) {
        const f = b[0];
        let want: string | undefined;
        if (f?.code === 'invalid_type' && f.path.length === 0) want = EXPECTED[f.expected] ?? f.expected;
        else if (f?.code === 'invalid_value') want = quoteList(f.values);
        if (want !== undefined && !wants.includes(want)) wants.push(want);
      }
      const msg =
        v === undefined
          ? `Missing required parameter: '${p}'.`
          : `Invalid type for '${p}': expected ${wants.length > 0 ? wants.join(' or ') : 'a different value'}, but got ${describe(v)} instead.`;
      return new KeelError('invalid_request', msg, { param: p });
    }
    issue = inner;
    path = [...path, ...inner.path];
  }
  if (!issue) return new KeelError('invalid_request', 'Invalid request.', { param: null });
  return new KeelError('invalid_request', message(issue, path, body), { param: paramPath(path) });
}

import { queryAudit } from '../../audit/query.js';
import type { AuditEntry } from '../../audit/types.js';
import { type VerifyResult, verifyAudit } from '../../audit/verify.js';
import { KeelError } from '../../errors.js';
import { defineGroup, route } from './api/declare.js';

const MAX_LIMIT = 500;
const MAX_FILTER = 512;
const STRING_PARAMS = ['actor', 'action', 'target'] as const;
const KNOWN = new Set(['actor', 'action', 'target', 'from', 'to', 'before_seq', 'limit']);
const INTEGER = /^\d{1,16}$/;

/**
 * `GET /audit` pages entries newest first with filters; `POST /audit/verify` re-walks the chain and
 * checkpoints (with the configured signing key and checkpoint file).
 */
export const auditApi = defineGroup({
  title: 'audit',
  routes: {
    list: route('GET', '/audit', 'viewer', 'Audit entries, newest first (filters, cursor)'),
    verify: route('POST', '/audit/verify', 'operator', 'Re-walk the hash chain and checkpoints'),
  },
  needs: (s) => s,
  handlers: ({ database, config }) => {
    const signingKey = config.audit.signing_key;
    const checkpointFile = config.audit.checkpoint_file;
    // A verify walks the whole log: concurrent requests share one run instead of stacking up.
    let running: Promise<VerifyResult> | null = null;
    return {
      list: async (c) => {
        const q = parseQuery(new URL(c.req.url).searchParams);
        const page = await queryAudit(database, q);
        return {
          object: 'list' as const,
          data: page.entries.map(wireEntry),
          next_cursor: page.next_cursor,
          has_more: page.next_cursor !== null,
        };
      },
      verify: async () => {
        running ??= verifyAudit(database, {
          ...(signingKey ? { signingKey } : {}),
          ...(checkpointFile ? { checkpointFile } : {}),
        }).finally(() => {
          running = null;
        });
        const r = await running;
        return {
          ok: r.ok,
          entries: r.entries,
          checkpoints: r.checkpoints,
          problems: r.problems,
          head: r.head,
          warnings: r.warnings,
        };
      },
    };
  },
});

function wireEntry(e: AuditEntry) {
  return {
    seq: e.seq,
    ts: e.ts,
    time: new Date(e.ts).toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    details: e.details,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

function bad(param: string, message: string): never {
  throw new KeelError('invalid_request', message, { param });
}

interface ParsedQuery {
  actor?: string;
  action?: string;
  target?: string;
  from?: number;
  to?: number;
  before_seq?: number;
  limit?: number;
}

export function parseQuery(params: URLSearchParams): ParsedQuery {
  const out: ParsedQuery = {};
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (!KNOWN.has(name)) bad(name.slice(0, 64), `Unknown query parameter "${name.slice(0, 64)}".`);
    if (seen.has(name)) bad(name, `Query parameter "${name}" may appear once.`);
    seen.add(name);
  }
  for (const name of STRING_PARAMS) {
    const v = params.get(name);
    if (v === null) continue;
    if (v === '' || v.length > MAX_FILTER) bad(name, `"${name}" must be 1 to ${MAX_FILTER} characters.`);
    out[name] = v;
  }
  const from = params.get('from');
  if (from !== null) out.from = time('from', from);
  const to = params.get('to');
  if (to !== null) out.to = time('to', to);
  if (out.from !== undefined && out.to !== undefined && out.from > out.to)
    bad('from', '"from" must not be after "to".');
  const before = params.get('before_seq');
  if (before !== null) {
    if (!INTEGER.test(before) || Number(before) < 1)
      bad('before_seq', '"before_seq" must be a positive integer (a next_cursor).');
    out.before_seq = Number(before);
  }
  const limit = params.get('limit');
  if (limit !== null) {
    if (!INTEGER.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT)
      bad('limit', `"limit" must be an integer from 1 to ${MAX_LIMIT}.`);
    out.limit = Number(limit);
  }
  return out;
}

/** Epoch milliseconds or an ISO 8601 date. */
function time(param: string, v: string): number {
  if (INTEGER.test(v)) return Number(v);
  const t = v.length <= 40 && /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(t)) bad(param, `"${param}" must be epoch milliseconds or an ISO 8601 date.`);
  return t;
}

import { Hono } from 'hono';
import { queryAudit } from '../../audit/query.js';
import type { AuditEntry } from '../../audit/types.js';
import { type VerifyResult, verifyAudit } from '../../audit/verify.js';
import { KeelError } from '../../errors.js';
import type { Database } from '../../store/db.js';
import type { AppEnv } from '../types.js';

export interface AuditRoutesDeps {
  database: Database;
  signingKey?: string;
  checkpointFile?: string;
}

const MAX_LIMIT = 500;
const MAX_FILTER = 512;
const STRING_PARAMS = ['actor', 'action', 'target'] as const;
const KNOWN = new Set(['actor', 'action', 'target', 'from', 'to', 'before_seq', 'limit']);
const INTEGER = /^\d{1,16}$/;

/**
 * `GET /audit` pages entries newest first with filters; `POST /audit/verify` re-walks the chain and
 * checkpoints. Roles are enforced by the admin middleware this is mounted behind (viewer may list,
 * operator may verify), not here.
 */
export function auditRoutes(deps: AuditRoutesDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // A verify walks the whole log: concurrent requests share one run instead of stacking up.
  let running: Promise<VerifyResult> | null = null;

  app.get('/audit', async (c) => {
    const q = parseQuery(new URL(c.req.url).searchParams);
    const page = await queryAudit(deps.database, q);
    return c.json({
      object: 'list',
      data: page.entries.map(wireEntry),
      next_cursor: page.next_cursor,
      has_more: page.next_cursor !== null,
    });
  });

  app.post('/audit/verify', async (c) => {
    running ??= verifyAudit(deps.database, {
      ...(deps.signingKey ? { signingKey: deps.signingKey } : {}),
      ...(deps.checkpointFile ? { checkpointFile: deps.checkpointFile } : {}),
    }).finally(() => {
      running = null;
    });
    const r = await running;
    return c.json({
      ok: r.ok,
      entries: r.entries,
      checkpoints: r.checkpoints,
      problems: r.problems,
      head: r.head,
      warnings: r.warnings,
    });
  });

  return app;
}

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

import { z } from 'zod';
import { queryAudit } from '../../audit/query.js';
import type { AuditEntry } from '../../audit/types.js';
import { type VerifyResult, verifyAudit } from '../../audit/verify.js';
import { KeelError } from '../../errors.js';
import { defineGroup, route } from './api/declare.js';
import { text, wholeNumber } from './api/inputs.js';

const MAX_LIMIT = 500;
const MAX_FILTER = 512;
const INTEGER = /^\d{1,16}$/;

const filter = (name: string) =>
  text(`"${name}" must be 1 to ${MAX_FILTER} characters.`, MAX_FILTER).optional();

/** Epoch milliseconds or an ISO 8601 date. */
const time = (name: string) =>
  z
    .string()
    .transform((v) =>
      INTEGER.test(v)
        ? Number(v)
        : v.length <= 40 && /^\d{4}-\d{2}-\d{2}/.test(v)
          ? Date.parse(v)
          : Number.NaN,
    )
    .refine((t) => !Number.isNaN(t), `"${name}" must be epoch milliseconds or an ISO 8601 date.`)
    .optional();

const auditQuery = z
  .strictObject({
    actor: filter('actor'),
    action: filter('action'),
    target: filter('target'),
    from: time('from'),
    to: time('to'),
    before_seq: wholeNumber(
      '"before_seq" must be a positive integer (a next_cursor).',
      1,
      Number.MAX_SAFE_INTEGER,
      true,
    ).optional(),
    limit: wholeNumber(`"limit" must be an integer from 1 to ${MAX_LIMIT}.`, 1, MAX_LIMIT, true).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: '"from" must not be after "to".',
    path: ['from'],
  });

/**
 * `GET /audit` pages entries newest first with filters; `POST /audit/verify` re-walks the chain and
 * checkpoints (with the configured signing key and checkpoint file).
 */
export const auditApi = defineGroup({
  title: 'audit',
  routes: {
    list: route('GET', '/audit', 'viewer', 'Audit entries, newest first (filters, cursor)', {
      query: auditQuery,
    }),
    verify: route('POST', '/audit/verify', 'operator', 'Re-walk the hash chain and checkpoints'),
  },
  needs: (s) => s,
  handlers: ({ database, config }) => {
    const signingKey = config.audit.signing_key;
    const checkpointFile = config.audit.checkpoint_file;
    // A verify walks the whole log: concurrent requests share one run instead of stacking up.
    let running: Promise<VerifyResult> | null = null;
    return {
      list: async (c, { query }) => {
        onceEach(new URL(c.req.url).searchParams);
        const page = await queryAudit(database, query);
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

/** Every parameter once: a repeated filter would otherwise silently keep only one of its values. */
function onceEach(params: URLSearchParams): void {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name))
      throw new KeelError('invalid_request', `Query parameter "${name.slice(0, 64)}" may appear once.`, {
        param: name.slice(0, 64),
      });
    seen.add(name);
  }
}

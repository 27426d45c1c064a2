import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AuditLog } from '../../audit/types.js';
import type { AlertsConfig } from '../../config/value.js';
import { KeelError } from '../../errors.js';
import type { Database } from '../../store/db.js';
import type { AlertsTable } from '../../store/rollups-schema.js';
import { createNotifier } from './notifier.js';
import {
  type Candidate,
  RULE_EVALUATORS,
  RULES,
  type RuleContext,
  type RuleName,
  SEVERITY_RANK,
  type Severity,
} from './rules.js';
import { type DeliveryResult, SHUTDOWN_MARK_SQL, type WebhookDeps } from './webhook.js';

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertEvent = 'alert.opened' | 'alert.escalated' | 'alert.resolved';
export type AlertState = (typeof ALERT_STATES)[number];

export interface Alert {
  id: string;
  fingerprint: string;
  rule: string;
  scope: string;
  subject: string;
  state: AlertState;
  severity: Severity;
  title: string;
  details: Record<string, unknown>;
  openedAt: number;
  lastSeenAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  delivery: DeliveryResult[];
}

export interface EvaluationResult {
  opened: Alert[];
  escalated: Alert[];
  resolved: Alert[];
  /** Rules that could not be evaluated this time (their alerts were left as they were). */
  failed: Array<{ rule: RuleName; error: string }>;
}

interface AlertServiceDeps {
  database: Database;
  audit: AuditLog;
  config: AlertsConfig;
  /** Data the rules read, bound to the value service. */
  context: (now: number) => Omit<RuleContext, 'now' | 'rules'>;
  webhook?: WebhookDeps;
  onError?: (e: unknown) => void;
}

export interface AlertService {
  /**
   * Evaluate every enabled rule at `now` (or only `rules`): open, refresh, escalate and auto-resolve
   * their alerts; notify webhooks. Evaluations run one after another.
   */
  evaluate(now: number, rules?: readonly RuleName[]): Promise<EvaluationResult>;
  list(q?: { state?: AlertState; limit?: number }): Promise<Alert[]>;
  get(id: string): Promise<Alert | undefined>;
  acknowledge(id: string, actor: string, now?: number): Promise<Alert>;
  resolve(id: string, actor: string, now?: number): Promise<Alert>;
  /**
   * Send again what a shutdown cut short (recorded on the alerts by close()): at least once, so a
   * receiver may see an event twice if the cancelled attempt had in fact arrived. Returns how many
   * deliveries were started.
   */
  resumeInterrupted(): Promise<number>;
  /** Resolves when every webhook delivery started so far has finished (tests). */
  idle(): Promise<void>;
  /**
   * Shutdown: no delivery retries after this; an attempt in flight gets `graceMs` to finish, then
   * is cancelled. Deliveries cut short are recorded on their alert as failed. Bounded, so a receiver
   * that is down cannot hold up the flush of usage and audit entries behind it.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Alerts as records: at most one open or acknowledged alert per fingerprint (rule + subject). A
 * condition that keeps holding refreshes its alert (and notifies again only when its severity
 * rises); one that stops holding resolves it (by `system`). Acknowledging silences nothing but the
 * dashboard; resolving by hand while the condition still holds opens a new alert next evaluation.
 */
export function createAlertService(deps: AlertServiceDeps): AlertService {
  const { db } = deps.database;
  const notifier = createNotifier({
    database: deps.database,
    config: deps.config,
    payload: (alert) => ({ alert: publicAlert(alert) }),
    ...(deps.webhook ? { webhook: deps.webhook } : {}),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
  const notify = notifier.notify;
  let evaluating: Promise<EvaluationResult> | null = null;
  // One evaluation at a time in this process: a partial one (a stored red-team run) must not read
  // the alerts before a full one running meanwhile has written them.
  let tail: Promise<unknown> = Promise.resolve();
  const queued = (now: number, rules: readonly RuleName[]) => {
    const next = tail.then(() => run(now, rules));
    tail = next.catch(() => undefined);
    return next;
  };

  async function active(): Promise<Alert[]> {
    const rows = await db
      .selectFrom('alerts')
      .selectAll()
      .where('state', 'in', ['open', 'acknowledged'])
      .execute();
    return rows.map(rowToAlert);
  }

  async function run(now: number, rules: readonly RuleName[]): Promise<EvaluationResult> {
    const ctx: RuleContext = { ...deps.context(now), now, rules: deps.config.rules };
    const candidates: Candidate[] = [];
    const evaluated = new Set<RuleName>();
    const failed: EvaluationResult['failed'] = [];
    for (const rule of rules) {
      if (!deps.config.rules[rule].enabled) {
        evaluated.add(rule); // a disabled rule holds nothing: its alerts resolve
        continue;
      }
      try {
        candidates.push(...(await RULE_EVALUATORS[rule](ctx)));
        evaluated.add(rule);
      } catch (e) {
        failed.push({ rule, error: e instanceof Error ? e.message : String(e) });
        deps.onError?.(e);
      }
    }
    const current = new Map((await active()).map((a) => [a.fingerprint, a]));
    const result: EvaluationResult = { opened: [], escalated: [], resolved: [], failed };
    for (const c of candidates) {
      const a = current.get(c.fingerprint);
      current.delete(c.fingerprint);
      if (!a) {
        const alert: Alert = {
          id: `alt_${randomUUID().replaceAll('-', '')}`,
          ...c,
          state: 'open',
          openedAt: now,
          lastSeenAt: now,
          acknowledgedAt: null,
          acknowledgedBy: null,
          resolvedAt: null,
          resolvedBy: null,
          delivery: [],
        };
        // Another evaluator (replica) may have opened it since active() was read: the partial unique
        // index (009_cluster) lets one insert win, and only the winner notifies.
        const inserted = await db
          .insertInto('alerts')
          .values(toRow(alert))
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) continue;
        result.opened.push(alert);
        notify(alert, 'alert.opened');
        continue;
      }
      const escalated = SEVERITY_RANK[c.severity] > SEVERITY_RANK[a.severity];
      const next: Alert = {
        ...a,
        severity: escalated ? c.severity : a.severity,
        title: c.title,
        details: c.details,
        lastSeenAt: now,
      };
      const updated = await db
        .updateTable('alerts')
        .set({
          severity: next.severity,
          title: next.title,
          details: JSON.stringify(next.details),
          last_seen_at: now,
        })
        .where('id', '=', a.id)
        .where('state', '<>', 'resolved')
        // A concurrent evaluator that escalated first owns the escalation's notification.
        .where('severity', '=', a.severity)
        .executeTakeFirst();
      if (escalated && updated.numUpdatedRows > 0n) {
        result.escalated.push(next);
        notify(next, 'alert.escalated');
      }
    }
    for (const a of current.values()) {
      if (!evaluated.has(a.rule as RuleName)) continue;
      const next: Alert = { ...a, state: 'resolved', resolvedAt: now, resolvedBy: 'system' };
      const updated = await db
        .updateTable('alerts')
        .set({ state: 'resolved', resolved_at: now, resolved_by: 'system' })
        .where('id', '=', a.id)
        .where('state', '<>', 'resolved')
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) continue;
      result.resolved.push(next);
      notify(next, 'alert.resolved');
    }
    return result;
  }

  async function transition(
    id: string,
    to: 'acknowledged' | 'resolved',
    actor: string,
    now: number,
  ): Promise<Alert> {
    // Read, change and audit in one transaction: the entry's `from` is the state actually replaced.
    const { a, next } = await deps.audit.commit(deps.database, async (trx) => {
      let query = trx.selectFrom('alerts').selectAll().where('id', '=', id);
      if (deps.database.dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) throw new KeelError('not_found', 'No alert with that id.', { param: 'id' });
      const a = rowToAlert(row);
      if (a.state === 'resolved')
        throw new KeelError('invalid_request', 'This alert is already resolved.', { param: 'id' });
      if (a.state === to) return { result: { a, next: a }, entries: [] };
      const next: Alert =
        to === 'acknowledged'
          ? { ...a, state: to, acknowledgedAt: now, acknowledgedBy: actor }
          : { ...a, state: to, resolvedAt: now, resolvedBy: actor };
      await trx
        .updateTable('alerts')
        .set(
          to === 'acknowledged'
            ? { state: to, acknowledged_at: now, acknowledged_by: actor }
            : { state: to, resolved_at: now, resolved_by: actor },
        )
        .where('id', '=', id)
        .execute();
      const entry = {
        actor,
        action: to === 'acknowledged' ? 'alert.acknowledge' : 'alert.resolve',
        target: id,
        details: { rule: a.rule, scope: a.scope, subject: a.subject, from: a.state, to },
      };
      return { result: { a, next }, entries: [entry] };
    });
    if (next === a) return a;
    if (to === 'resolved') notify(next, 'alert.resolved');
    return next;
  }

  return {
    evaluate(now, rules) {
      if (rules) return queued(now, rules);
      evaluating ??= queued(now, RULES).finally(() => {
        evaluating = null;
      });
      return evaluating;
    },

    async list(q = {}) {
      let query = db.selectFrom('alerts').selectAll();
      if (q.state) query = query.where('state', '=', q.state);
      const rows = await query
        .orderBy('opened_at', 'desc')
        .orderBy('id')
        .limit(Math.min(Math.max(1, q.limit ?? 100), 1000))
        .execute();
      return rows.map(rowToAlert);
    },

    async get(id) {
      const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToAlert(row) : undefined;
    },

    acknowledge: (id, actor, now = Date.now()) => transition(id, 'acknowledged', actor, now),
    resolve: (id, actor, now = Date.now()) => transition(id, 'resolved', actor, now),

    async resumeInterrupted() {
      const rows = await db
        .selectFrom('alerts')
        .selectAll()
        .where('delivery', 'like', SHUTDOWN_MARK_SQL)
        .execute();
      return notifier.resume(rows.map(rowToAlert));
    },

    idle: notifier.idle,
    close: notifier.close,
  };
}

function toRow(a: Alert) {
  return {
    id: a.id,
    fingerprint: a.fingerprint,
    rule: a.rule,
    scope: a.scope,
    subject: a.subject,
    state: a.state,
    severity: a.severity,
    title: a.title,
    details: JSON.stringify(a.details),
    opened_at: a.openedAt,
    last_seen_at: a.lastSeenAt,
    acknowledged_at: a.acknowledgedAt,
    acknowledged_by: a.acknowledgedBy,
    resolved_at: a.resolvedAt,
    resolved_by: a.resolvedBy,
    delivery: JSON.stringify(a.delivery),
  };
}

function rowToAlert(r: Selectable<AlertsTable>): Alert {
  const parse = <T>(s: string, fallback: T): T => {
    try {
      return JSON.parse(s) as T;
    } catch {
      return fallback;
    }
  };
  const num = (v: number | string | bigint | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    rule: r.rule,
    scope: r.scope,
    subject: r.subject,
    state: (ALERT_STATES as readonly string[]).includes(r.state) ? (r.state as AlertState) : 'open',
    severity: r.severity in SEVERITY_RANK ? (r.severity as Severity) : 'warning',
    title: r.title,
    details: parse<Record<string, unknown>>(r.details, {}),
    openedAt: Number(r.opened_at),
    lastSeenAt: Number(r.last_seen_at),
    acknowledgedAt: num(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: num(r.resolved_at),
    resolvedBy: r.resolved_by,
    delivery: parse<DeliveryResult[]>(r.delivery, []),
  };
}

export function publicAlert(a: Alert) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    id: a.id,
    object: 'alert' as const,
    rule: a.rule,
    scope: a.scope,
    subject: a.subject,
    state: a.state,
    severity: a.severity,
    title: a.title,
    details: a.details,
    opened_at: iso(a.openedAt),
    last_seen_at: iso(a.lastSeenAt),
    acknowledged_at: iso(a.acknowledgedAt),
    acknowledged_by: a.acknowledgedBy,
    resolved_at: iso(a.resolvedAt),
    resolved_by: a.resolvedBy,
    delivery: a.delivery,
  };
}

import type { AlertsConfig } from '../../config/value.js';
import type { Database } from '../../store/db.js';
import type { Alert, AlertEvent } from './service.js';
import { cutShortByShutdown, deliver, type WebhookDeps, webhookLabel } from './webhook.js';

/** How long an attempt in flight may still finish once Keel shuts down. */
const DELIVERY_SHUTDOWN_GRACE_MS = 2000;

interface NotifierDeps {
  database: Database;
  config: AlertsConfig;
  /** The body fields of an alert's notification (besides id, type and sent_at). */
  payload: (alert: Alert) => Record<string, unknown>;
  webhook?: WebhookDeps;
  onError?: (e: unknown) => void;
}

/**
 * Sends alert notifications to the configured webhooks in the background and stores each outcome on
 * its alert (`delivery`). Retries live in memory; close() bounds them (see AlertService.close).
 */
export function createNotifier(deps: NotifierDeps) {
  const { db } = deps.database;
  const policy = {
    maxAttempts: deps.config.delivery.max_attempts,
    backoffMs: deps.config.delivery.backoff_ms,
    maxBackoffMs: deps.config.delivery.max_backoff_ms,
    timeoutMs: deps.config.delivery.timeout_ms,
  };
  const pending = new Set<Promise<void>>();
  const noRetry = new AbortController();
  const abort = new AbortController();
  const stop = { noRetry: noRetry.signal, abort: abort.signal };

  /** Notify every webhook, or with `only` the named ones (their earlier results are replaced). */
  function notify(alert: Alert, event: AlertEvent, only?: ReadonlySet<string>): void {
    const targets = only
      ? deps.config.webhooks.filter((w) => only.has(webhookLabel(w)))
      : deps.config.webhooks;
    if (targets.length === 0) return;
    const p = (async () => {
      const results = await Promise.all(
        targets.map((w) => deliver(w, event, deps.payload(alert), policy, deps.webhook, stop)),
      );
      const delivery = only
        ? [...alert.delivery.filter((d) => !(only.has(d.webhook) && d.event === event)), ...results]
        : results;
      await db
        .updateTable('alerts')
        .set({ delivery: JSON.stringify(delivery) })
        .where('id', '=', alert.id)
        .execute();
    })().catch((e: unknown) => deps.onError?.(e));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  async function idle(): Promise<void> {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  }

  return {
    notify,
    idle,

    /** Send again, per alert and event, the deliveries a shutdown cut short; how many started. */
    resume(alerts: Alert[]): number {
      let started = 0;
      for (const alert of alerts) {
        const byEvent = new Map<AlertEvent, Set<string>>();
        for (const d of alert.delivery.filter(cutShortByShutdown)) {
          const labels = byEvent.get(d.event as AlertEvent) ?? new Set<string>();
          labels.add(d.webhook);
          byEvent.set(d.event as AlertEvent, labels);
        }
        for (const [event, labels] of byEvent) {
          notify(alert, event, labels);
          started += deps.config.webhooks.filter((w) => labels.has(webhookLabel(w))).length;
        }
      }
      return started;
    },

    async close(graceMs = DELIVERY_SHUTDOWN_GRACE_MS): Promise<void> {
      noRetry.abort();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => {
        timer = setTimeout(r, graceMs);
      });
      await Promise.race([idle(), grace]);
      clearTimeout(timer);
      abort.abort();
      await idle();
    },
  };
}

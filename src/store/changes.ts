import { sql } from 'kysely';
import type { Database } from './db.js';

/** Domains whose rows other processes change and whose caches must follow (010_change_versions). */
export type ChangeDomain = 'keys' | 'admins' | 'use_cases';

export interface ChangeWatcher {
  /** Calls `fn` after each change to the domain seen in the store. Returns an unsubscribe function. */
  subscribe(domain: ChangeDomain, fn: () => void | Promise<void>): () => void;
  /** One poll now: read the versions, notify the subscribers of those that moved. */
  poll(): Promise<void>;
  /** Takes the current versions as the baseline and polls every `pollMs`. */
  start(): Promise<void>;
  /** Stops polling and waits for the poll under way. */
  close(): Promise<void>;
}

export interface ChangeWatcherOptions {
  pollMs: number;
  onError?: (err: unknown) => void;
}

/**
 * Cross-process cache invalidation by versioned polling: triggers bump `change_versions` on every
 * write to a watched table, whoever makes it (another replica, the CLI, `keel demo`), and this reads
 * the whole table — a few rows — every `pollMs`. A change is therefore seen within one poll plus the
 * time its subscriber takes to reload, on SQLite and PostgreSQL alike.
 */
export function createChangeWatcher(database: Database, opts: ChangeWatcherOptions): ChangeWatcher {
  const onError = opts.onError ?? (() => {});
  const subscribers = new Map<string, Set<() => void | Promise<void>>>();
  const seen = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let closed = false;

  async function read(): Promise<Map<string, string>> {
    const { rows } = await sql<{ domain: string; version: string | number | bigint }>`
      select domain, version from change_versions`.execute(database.db);
    return new Map(rows.map((r) => [r.domain, String(r.version)]));
  }

  async function pollOnce(): Promise<void> {
    const now = await read();
    const moved: string[] = [];
    for (const [domain, version] of now) {
      if (seen.get(domain) !== version) moved.push(domain);
      seen.set(domain, version);
    }
    await Promise.all(
      moved.flatMap((domain) =>
        [...(subscribers.get(domain) ?? [])].map(async (fn) => {
          try {
            await fn();
          } catch (e) {
            onError(e);
          }
        }),
      ),
    );
  }

  const poll = (): Promise<void> => {
    // Never two polls at once: a slow store must not pile them up.
    running ??= pollOnce().finally(() => {
      running = null;
    });
    return running;
  };

  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(() => {
      poll().catch(onError).finally(schedule);
    }, opts.pollMs);
    timer.unref();
  };

  return {
    subscribe(domain, fn) {
      let set = subscribers.get(domain);
      if (!set) {
        set = new Set();
        subscribers.set(domain, set);
      }
      set.add(fn);
      return () => set.delete(fn);
    },
    poll,
    async start() {
      if (timer || closed) return;
      for (const [domain, version] of await read()) seen.set(domain, version);
      schedule();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type FromThread,
  type ThreadError,
  type ThreadTable,
  toError,
  type WriterThreadData,
} from './protocol.js';

export interface WriterThread {
  /**
   * Inserts rows (rowValues() or securityRowValues() arrays) into `table` in one transaction on the
   * thread; settles when committed.
   */
  insert(rows: unknown[][], table?: ThreadTable): Promise<void>;
  /** False once the thread has stopped: callers write on their own connection instead. */
  readonly alive: boolean;
  /** Stops the periodic rollups, closes the thread's connection and ends the thread. */
  close(): Promise<void>;
}

export interface WriterThreadOptions extends WriterThreadData {
  /** Errors of the thread's own jobs (rollups) and its unexpected end. */
  onError: (e: unknown) => void;
  /** The compiled worker script; defaults to worker.js beside this module. */
  workerUrl?: URL;
}

/**
 * Starts the SQLite writer thread, or returns null where there is none to start: an in-memory store
 * (a second connection would see another database), or Keel running from TypeScript sources (tests),
 * where no compiled worker script exists. Callers then write on the main thread as before.
 */
export async function startWriterThread(opts: WriterThreadOptions): Promise<WriterThread | null> {
  const file = /^sqlite:(?:\/\/)?(.*)$/i.exec(opts.url)?.[1];
  if (!file || file === ':memory:') return null;
  const workerUrl = opts.workerUrl ?? new URL('./worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(workerUrl))) return null;

  const data: WriterThreadData = { url: opts.url, rollups: opts.rollups };
  const worker = new Worker(workerUrl, {
    workerData: data,
    // Its garbage is short-lived (one batch of rows at a time): a small young generation is enough
    // and keeps the thread's heap a few MB rather than V8's default of tens (counts toward RSS).
    resourceLimits: { maxYoungGenerationSizeMb: 6, maxOldGenerationSizeMb: 256 },
  });
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let alive = true;
  let started = false;
  let closing: Promise<void> | null = null;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  const stopped = (why: Error) => {
    if (!alive) return;
    alive = false;
    for (const p of pending.values()) p.reject(why);
    pending.clear();
  };

  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: FromThread) =>
      m.type === 'ready' ? resolve() : reject(new Error('writer thread did not start')),
    );
    worker.once('error', reject);
  });
  worker.on('message', (m: FromThread) => {
    if (m.type === 'done') {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (p) m.error ? p.reject(toError(m.error)) : p.resolve();
    } else if (m.type === 'error') {
      opts.onError(toError(m.error as ThreadError));
    } else if (m.type === 'closed') {
      stopped(new Error('writer thread closed'));
    }
  });
  worker.on('error', (e) => {
    if (started)
      opts.onError(new Error('the SQLite writer thread failed; writing on the main thread', { cause: e }));
    stopped(e);
  });
  worker.on('exit', () => stopped(new Error('writer thread exited')));
  try {
    await ready;
    started = true;
  } catch (e) {
    await worker.terminate();
    opts.onError(
      new Error('the SQLite writer thread did not start; writing on the main thread', { cause: e }),
    );
    return null;
  }

  return {
    get alive() {
      return alive;
    },
    insert(rows, table = 'usage_events') {
      if (!alive) return Promise.reject(new Error('writer thread stopped'));
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'insert', id, table, rows });
      });
    },
    close() {
      closing ??= (async () => {
        // Settles on 'exit', not on the thread's 'closed' reply: the thread finishes its batch, closes
        // its connection and ends on its own, and the process must not exit while its isolate is
        // still being torn down (on Node 20 that can abort the process from a V8 background job).
        if (alive) worker.postMessage({ type: 'close' });
        // Only a thread that does not end within 5 s is terminated; its last batch is retried by the caller.
        const timer = setTimeout(() => void worker.terminate(), 5000);
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}

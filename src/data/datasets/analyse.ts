import { type DriftProfile, driftProfile } from '../drift/run.js';
import type { ColumnSample } from '../drift/samples.js';
import type { DriftJob } from '../drift/worker.js';
import { type DatasetProfile, profileFromSamples } from './profile.js';
import { type ReadResult, readTable } from './read.js';
import type { ColumnKind, Table } from './table.js';

export interface Analysed {
  read: Omit<ReadResult, 'table'>;
  table: Table;
  drift: DriftProfile;
  profile: DatasetProfile;
}

/** Read a file once and derive everything a version needs. */
export async function analyseFile(file: string, format?: string): Promise<Analysed> {
  const { table, ...read } = await readTable(file, format ? { format } : {});
  const drift = driftProfile(table);
  // The column profile (with its sketches) is only built when something reads it: registration
  // and lineage events do, a plain drift run does not.
  let profile: DatasetProfile | undefined;
  return {
    read,
    table,
    drift,
    get profile(): DatasetProfile {
      profile ??= profileFromSamples(
        table.rows,
        drift.columns.values(),
        new Map(table.columns.map((c) => [c.name, c.nulls])),
      );
      return profile;
    },
  };
}

/**
 * Like analyseFile, for a drift side: the parse and sort run in a worker thread when Keel runs
 * from compiled JavaScript (two sides → two cores), in-process otherwise (tests run TypeScript
 * sources, which a worker cannot load). The table it returns carries column metadata but no values.
 */
export async function analyseForDrift(file: string, format?: string): Promise<Analysed> {
  const workerUrl = new URL('../drift/worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.js')) return analyseFile(file, format);
  const { Worker } = await import('node:worker_threads');
  type Reply =
    | {
        ok: true;
        read: Omit<ReadResult, 'table'>;
        rows: number;
        meta: { name: string; kind: ColumnKind; nulls: number; length: number }[];
        samples: ColumnSample[];
      }
    | { ok: false; error: string; code?: string; name?: string };
  const job: DriftJob = { file, ...(format ? { format } : {}) };
  // Settled on 'exit', not on the reply: the thread ends by itself once it has answered, and the
  // caller (a CLI command about to return) must not go on while the thread's isolate is still
  // being torn down. See drift/worker.ts for why it is never terminated.
  const reply = await new Promise<Reply>((resolve, reject) => {
    const w = new Worker(workerUrl, { workerData: job });
    let answer: Reply | undefined;
    let failure: unknown;
    w.once('message', (m: Reply) => {
      answer = m;
    });
    w.once('error', (e) => {
      failure = e;
    });
    w.once('exit', (code) => {
      if (answer) resolve(answer);
      else reject(failure ?? new Error(`drift worker exited with code ${code} without an answer`));
    });
  });
  if (!reply.ok) {
    const err = new Error(reply.error) as NodeJS.ErrnoException;
    if (reply.code) err.code = reply.code;
    if (reply.name) err.name = reply.name;
    throw err;
  }
  const columns = new Map(reply.samples.map((s) => [s.name, s]));
  const table: Table = {
    rows: reply.rows,
    columns: reply.meta.map((m) => ({ name: m.name, kind: m.kind, nulls: m.nulls, length: m.length })),
  };
  const drift = { rows: reply.rows, columns };
  let profile: DatasetProfile | undefined;
  return {
    read: reply.read,
    table,
    drift,
    get profile(): DatasetProfile {
      profile ??= profileFromSamples(
        table.rows,
        columns.values(),
        new Map(reply.meta.map((m) => [m.name, m.nulls])),
      );
      return profile;
    },
  };
}

import { parentPort, workerData } from 'node:worker_threads';
import { readTable } from '../datasets/read.js';
import { columnSample } from './samples.js';

/**
 * Worker entry: read one file and build its drift samples off the main thread, so the two sides
 * of a drift run are parsed and sorted on two cores at once. The sorted arrays are transferred,
 * not copied.
 *
 * The job comes in workerData and the thread posts one reply, then ends on its own when its event
 * loop drains: nothing listens on parentPort, so nothing keeps it alive. The parent never
 * terminates it; on Node 20 a worker isolate disposed by terminate() while V8 still runs a
 * background compile job for it aborts the whole process (NodePlatform::ForIsolate assertion).
 */
export interface DriftJob {
  file: string;
  format?: string;
}

const job = workerData as DriftJob | null;
if (parentPort && job) {
  const port = parentPort;
  try {
    const { table, ...read } = await readTable(job.file, job.format ? { format: job.format } : {});
    const samples = table.columns.map(columnSample);
    const meta = table.columns.map((c) => ({ name: c.name, kind: c.kind, nulls: c.nulls, length: c.length }));
    const transfer = samples.flatMap((s) =>
      s.sample.kind === 'numeric' ? [s.sample.sorted.buffer as ArrayBuffer] : [],
    );
    port.postMessage({ ok: true, read, rows: table.rows, meta, samples }, transfer);
  } catch (e) {
    port.postMessage({
      ok: false,
      error: (e as Error).message,
      code: (e as NodeJS.ErrnoException).code,
      name: (e as Error).name,
    });
  }
}

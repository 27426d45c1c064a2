import { parentPort } from 'node:worker_threads';
import { readTable } from '../datasets/read.js';
import { columnSample } from './samples.js';

/**
 * Worker entry: read one file and build its drift samples off the main thread, so the two sides
 * of a drift run are parsed and sorted on two cores at once. The sorted arrays are transferred,
 * not copied.
 */
parentPort?.on('message', async (msg: { file: string; format?: string }) => {
  try {
    const { table, ...read } = await readTable(msg.file, msg.format ? { format: msg.format } : {});
    const samples = table.columns.map(columnSample);
    const meta = table.columns.map((c) => ({ name: c.name, kind: c.kind, nulls: c.nulls, length: c.length }));
    const transfer = samples.flatMap((s) =>
      s.sample.kind === 'numeric' ? [s.sample.sorted.buffer as ArrayBuffer] : [],
    );
    parentPort?.postMessage({ ok: true, read, rows: table.rows, meta, samples }, transfer);
  } catch (e) {
    parentPort?.postMessage({
      ok: false,
      error: (e as Error).message,
      code: (e as NodeJS.ErrnoException).code,
      name: (e as Error).name,
    });
  }
});

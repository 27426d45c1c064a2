/**
 * The SQLite writer thread: inserts usage batches and rolls the ledger up on its own connection to
 * the store file, so that neither stalls the gateway's event loop (better-sqlite3 is synchronous:
 * a 250-row insert took 1–2 ms and a rollup chunk 3–5 ms of main-thread time, which showed in the
 * p99 latency of every request that arrived meanwhile). WAL mode lets the main thread keep reading.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, sqliteHandleOf } from '../db.js';
import { prepareMcpCallInsert } from '../mcp-calls.js';
import { createRollupJob } from '../rollups/job.js';
import { prepareSecurityInsert } from '../security-events.js';
import { prepareRowInsert } from '../usage-rows.js';
import { lowerThreadPriority } from './priority.js';
import { describeError, type FromThread, type ToThread, type WriterThreadData } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('the writer thread must run as a worker thread');
const data = workerData as WriterThreadData;
lowerThreadPriority();
const post = (m: FromThread) => port.postMessage(m);

// The main thread ran the migrations before starting this thread.
const database = await openDatabase(data.url, { migrate: false });
const sqlite = sqliteHandleOf(database);
if (!sqlite) throw new Error('the writer thread only serves SQLite stores');
const inserts = {
  usage_events: prepareRowInsert(sqlite),
  security_events: prepareSecurityInsert(sqlite),
  mcp_calls: prepareMcpCallInsert(sqlite),
};

let rollupTimer: NodeJS.Timeout | undefined;
let rollupRun: Promise<unknown> = Promise.resolve();
if (data.rollups) {
  const job = createRollupJob(database, { chunk: data.rollups.chunk });
  rollupTimer = setInterval(() => {
    rollupRun = job.refresh().catch((e: unknown) => post({ type: 'error', error: describeError(e) }));
  }, data.rollups.intervalMs);
}

port.on('message', (m: ToThread) => {
  if (m.type === 'insert') {
    try {
      inserts[m.table](m.rows);
      post({ type: 'done', id: m.id });
    } catch (e) {
      post({ type: 'done', id: m.id, error: describeError(e) });
    }
    return;
  }
  if (m.type === 'close') {
    clearInterval(rollupTimer);
    void rollupRun
      .then(() => database.close())
      .finally(() => {
        post({ type: 'closed' });
        port.close();
      });
  }
});
post({ type: 'ready' });

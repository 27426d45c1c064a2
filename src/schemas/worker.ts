import { parentPort, workerData } from 'node:worker_threads';
import { SchemaCompiler, type SchemaCompilerOptions } from './compiler.js';
import { type FromSchemaWorker, runJob, type ToSchemaWorker } from './protocol.js';

/**
 * Worker entry of the schema pool: its own SchemaCompiler (same limits, its own LRU of compiled
 * schemas) checks, compiles and validates off the gateway's event loop. Jobs come one at a time;
 * on `exit` the thread closes its port and ends on its own once the job in hand is answered.
 */

const port = parentPort;
if (port) {
  const compiler = new SchemaCompiler(workerData as Partial<SchemaCompilerOptions>);
  // The first schema of each dialect compiles ajv's meta-schema validator: not the caller's cost.
  compiler.check(true, 'draft-07');
  compiler.check(true, '2020-12');
  port.on('message', (m: ToSchemaWorker) => {
    if (m.op === 'exit') {
      port.close();
      return;
    }
    port.postMessage(runJob(compiler, m));
  });
  port.postMessage({ ready: true } satisfies FromSchemaWorker);
}

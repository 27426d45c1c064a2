import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { KeelApp } from '../../src/app.types.js';
import { buildKeel } from '../../src/build.js';
import { parseConfig } from '../../src/config/load.js';
import { serve } from '../../src/server.js';
import type { UsageEvent } from '../../src/store/types.js';
import { listUsageEvents } from '../../src/store/usage.js';

export interface StartedKeel {
  /** e.g. http://127.0.0.1:54321 (the openai SDK wants `${url}/v1`, the Anthropic SDK `url`). */
  url: string;
  app: KeelApp;
  /** Flushes the usage writer and returns every usage row, oldest first. */
  usage(): Promise<UsageEvent[]>;
  /** The usage row of one request, by the x-keel-request-id Keel returned. */
  usageFor(requestId: string | null | undefined): Promise<UsageEvent>;
  close(): Promise<void>;
}

export interface KeelOptions {
  /** Every log line Keel writes, at trace level, is pushed here (to look for leaks). */
  logLines?: string[];
}

function lineSink(lines: string[]): Writable {
  return new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
}

/** Provider keys the fixtures use; tests assert they never leak. */
export const TEST_ENV = {
  OAI_KEY: 'sk-upstream-openai-SECRET-7f3a9c',
  ANT_KEY: 'sk-ant-upstream-SECRET-42b1e0',
} as const;

/**
 * Parse, build and serve Keel on 127.0.0.1:0 with an in-memory SQLite store. `configInput` is what
 * keel.yaml would hold (snake_case); ${VAR} is read from `env` (TEST_ENV by default).
 */
export async function startKeel(
  configInput: Record<string, unknown>,
  env: Record<string, string | undefined> = TEST_ENV,
  opts: KeelOptions = {},
): Promise<StartedKeel> {
  const input = {
    database: { url: 'sqlite::memory:' },
    logging: { level: 'silent' },
    ...configInput,
  };
  const config = parseConfig(input, env);
  const logger = opts.logLines
    ? pino({ level: 'trace' }, lineSink(opts.logLines))
    : pino({ level: 'silent' });
  const app = await buildKeel(config, { logger });
  const server = await serve(app, { host: '127.0.0.1', port: 0 });

  const usage = async (): Promise<UsageEvent[]> => {
    await app.services.usage.flush();
    const rows = await listUsageEvents(app.services.database, { limit: 1000 });
    // listUsageEvents is newest first
    return [...rows].reverse();
  };

  return {
    url: server.url,
    app,
    usage,
    usageFor: async (requestId) => {
      if (!requestId) throw new Error('response carried no x-keel-request-id');
      const rows = await usage();
      const row = rows.find((r) => r.requestId === requestId);
      if (!row) throw new Error(`no usage row for request ${requestId} (have ${rows.length} rows)`);
      return row;
    },
    close: async () => {
      await server.close();
      await app.close();
    },
  };
}

/** Usage rows are written after the response ends; poll briefly for streams that finish asynchronously. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

import { parseArgs } from 'node:util';
import { buildKeel } from '../build.js';
import { loadConfig } from '../config/load.js';
import { serve } from '../server.js';
import { createLogger } from '../telemetry/logger.js';
import { tuneHeap } from './heap.js';
import type { Io } from './main.js';

const HELP = `Usage: keel start [--config keel.yaml] [--port 8700] [--host 127.0.0.1]

Runs the gateway: /v1 (OpenAI- and Anthropic-compatible), /healthz, /readyz.
`;

export async function runStart(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const { config, source } = loadConfig({ path: values.config, env: io.env });
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.err('keel start: --port expects a port number\n');
      return 2;
    }
    config.server.port = port;
  }
  if (values.host) config.server.host = values.host;
  // Process-wide tuning belongs to the process that serves, not to createApp() or tests.
  tuneHeap();
  const logger = createLogger(config);
  const app = await buildKeel(config, { logger });
  const server = await serve(app, { host: config.server.host, port: config.server.port });
  logger.info({ url: server.url, config: source, store: app.services.database.dialect }, 'keel listening');
  io.out(`Keel listening on ${server.url} (config: ${source})\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: draining requests and flushing usage');
      await server.close();
      await app.close();
      resolve(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}

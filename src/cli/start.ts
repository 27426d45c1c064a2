import { parseArgs } from 'node:util';
import type { KeelApp, RunningServer } from '../app.types.js';
import { buildKeel } from '../build.js';
import { loadConfig } from '../config/load.js';
import { serve } from '../server.js';
import { DatabaseUnreachableError, MigrationsPendingError } from '../store/db.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
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
  const logger = createLogger(config);
  let app: KeelApp;
  try {
    app = await buildKeel(config, { logger });
  } catch (e) {
    if (!(e instanceof MigrationsPendingError || e instanceof DatabaseUnreachableError)) throw e;
    io.err(`keel start: ${e.message}\n`);
    return 1;
  }
  // Process-wide tuning belongs to the process that serves, not to createApp() or tests.
  tuneHeap();
  const server = await serve(app, { host: config.server.host, port: config.server.port });
  // The handlers go in before Keel says where it listens: a supervisor (or a test) that reads that
  // line may signal at once, and a SIGTERM before them would kill the process with nothing flushed.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      await shutdown(app, server, config.server, logger, signal);
      resolve(0);
      // Everything is flushed and closed; a stray handle (an upstream socket being torn down) must
      // not keep the process past its grace.
      setTimeout(() => process.exit(0), 2000).unref();
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
  logger.info({ url: server.url, config: source, store: app.services.database.dialect }, 'keel listening');
  io.out(`Keel listening on ${server.url} (config: ${source})\n`);
  return stopped;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Graceful shutdown, all within `shutdown_grace_s` of the signal: /readyz turns 503 at once while
 * connections are still accepted for `drain_s`, so the load balancer stops routing here without a
 * client being refused; then the listener closes and in-flight calls may finish until the grace
 * deadline, when open streams get an error event (no clean terminator) and other requests are cut.
 * Buffers are flushed last.
 */
export async function shutdown(
  app: KeelApp,
  server: RunningServer,
  settings: { drain_s: number; shutdown_grace_s: number },
  logger: Logger,
  signal: string,
): Promise<void> {
  const deadline = Date.now() + settings.shutdown_grace_s * 1000;
  const drainMs = Math.min(settings.drain_s * 1000, settings.shutdown_grace_s * 1000);
  app.drain();
  logger.info(
    { signal, drainS: settings.drain_s, graceS: settings.shutdown_grace_s },
    'shutting down: /readyz is unready; still accepting connections while load balancers notice',
  );
  await sleep(drainMs);
  const idle = server.stopAccepting();
  logger.info('shutting down: no new connections; waiting for in-flight calls');
  const finished = await Promise.race([
    idle.then(() => true),
    sleep(deadline - Date.now()).then(() => false),
  ]);
  if (!finished) {
    const streams = app.endStreams();
    logger.warn({ streams }, 'shutdown grace over: ending open streams and aborting other requests');
    // The streams just ended still write their error event and close; give that a moment.
    await Promise.race([idle, sleep(500)]);
    server.abortConnections();
  }
  logger.info('shutting down: flushing usage and closing the store');
  await app.close();
}

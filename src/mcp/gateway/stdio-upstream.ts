import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { durationMs, type McpLocalServerConfig } from '../../config/mcp.js';
import type { Logger } from '../../telemetry/logger.js';
import { SandboxConfigError, SandboxUnavailableError } from '../sandbox/index.js';
import { McpRefusal, type McpServerStatus, type PreparedSandbox, type PrepareSandbox } from '../types.js';
import type { UpstreamDeps } from './http-upstream.js';
import { loadListing, watchListing } from './listing.js';
import { CONNECT_TIMEOUT_MS, maskText, type SessionLink, type Upstream } from './upstream.js';

export interface StdioDeps extends UpstreamDeps {
  prepareSandbox: PrepareSandbox;
  logger: Logger;
  /** First restart delay; doubles per restart in the window, up to 30 s. */
  restartBaseMs?: number;
}

/** `max_restarts` counts restarts within this window. */
const RESTART_WINDOW_MS = 10 * 60_000;
const RESTART_MAX_DELAY_MS = 30_000;
/** The last this-many characters of the process's stderr are kept (masked when read). */
const STDERR_TAIL = 4096;

/**
 * A local server Keel starts and speaks to over stdio. One process (and one SDK Client) serves every
 * session: progress and cancellation are per request, but the server's own requests (sampling,
 * elicitation, roots) and its log messages cannot be routed to one agent and are not forwarded.
 * The process is restarted with backoff when it dies (at most `max_restarts` in 10 minutes) and
 * replaced after `sandbox.max_lifetime`; its stderr is kept (bounded) instead of inherited.
 */
export function createStdioUpstream(cfg: McpLocalServerConfig, deps: StdioDeps): Upstream {
  const { catalogue, clientInfo, logger } = deps;
  const secrets = Object.values(cfg.env);
  const timeout = durationMs(cfg.call_timeout);
  const lifetimeMs = cfg.sandbox.max_lifetime ? durationMs(cfg.sandbox.max_lifetime) : null;
  const baseDelay = deps.restartBaseMs ?? 500;
  const subscribers = new Map<string, Map<string, SessionLink>>();
  const restartTimes: number[] = [];
  let client: Client | null = null;
  let prepared: PreparedSandbox | null = null;
  let state: McpServerStatus['state'] = 'starting';
  let since = Date.now();
  let lastError: string | null = null;
  let restarts = 0;
  let stderrTail = '';
  let generation = 0;
  /** The generation whose process Keel itself ended (max_lifetime): replaced at once, not counted. */
  let retired = -1;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function setState(next: McpServerStatus['state'], error?: string): void {
    if (error !== undefined) {
      lastError = maskText(error, secrets);
      deps.onProblem(cfg.id, lastError);
    }
    if (next !== state) {
      state = next;
      since = Date.now();
    }
  }

  /** Start one process; a failure is handled like the process dying (restart with backoff). */
  async function launch(): Promise<void> {
    const gen = ++generation;
    try {
      await spawnAndConnect(gen);
    } catch (err) {
      if (gen !== generation || closed) return;
      setState('down', err instanceof Error ? err.message : String(err));
      // No sandbox, or a grant the sandbox refuses: a restart cannot fix configuration.
      if (err instanceof SandboxUnavailableError || err instanceof SandboxConfigError) {
        generation++;
        return;
      }
      exited(gen);
    }
  }

  async function spawnAndConnect(gen: number): Promise<void> {
    stderrTail = '';
    const spec = await deps.prepareSandbox(cfg);
    prepared = spec;
    const transport = new StdioClientTransport({
      command: spec.command,
      args: spec.args,
      env: spec.env,
      ...(spec.cwd ? { cwd: spec.cwd } : {}),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    const c = new Client(clientInfo, { capabilities: {} });
    c.onerror = () => {};
    watchListing(c, cfg.id, catalogue, CONNECT_TIMEOUT_MS, deps.onListChanged, (err) =>
      logger.warn({ server: cfg.id, err: maskText(String(err), secrets) }, 'MCP catalogue refresh failed'),
    );
    c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      for (const link of subscribers.get(n.params.uri)?.values() ?? []) link.notifyClient(cfg.id, n);
    });
    c.onclose = () => exited(gen);
    try {
      await c.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
      await loadListing(c, cfg.id, catalogue, CONNECT_TIMEOUT_MS);
    } catch (err) {
      await c.close().catch(() => {});
      throw err;
    }
    if (gen !== generation || closed) return;
    client = c;
    setState('up');
    for (const part of ['tools', 'prompts', 'resources', 'templates'] as const)
      deps.onListChanged(cfg.id, part);
    if (lifetimeMs !== null) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        logger.info({ server: cfg.id }, 'MCP server reached sandbox.max_lifetime; replacing it');
        retired = gen;
        void c.close();
      }, lifetimeMs);
      timer.unref();
    }
  }

  /** The process of generation `gen` is gone (died, was killed, or failed to start). */
  function exited(gen: number): void {
    if (gen !== generation || closed) return;
    generation++;
    client = null;
    clearTimeout(timer);
    void prepared?.close().catch(() => {});
    prepared = null;
    if (retired === gen) {
      restarts++;
      setState('starting');
      relaunch();
      return;
    }
    const tail = stderrTail.trim().split('\n').slice(-5).join('\n');
    setState('down', `process exited${tail ? `; stderr: ${tail}` : ''}`);
    const now = Date.now();
    while (restartTimes.length > 0 && (restartTimes[0] ?? now) < now - RESTART_WINDOW_MS)
      restartTimes.shift();
    if (restartTimes.length >= cfg.max_restarts) {
      setState(
        'down',
        `restarted ${restartTimes.length} times in 10 minutes; not restarting (max_restarts). Last: ${lastError ?? 'exited'}`,
      );
      return;
    }
    const delay = Math.min(RESTART_MAX_DELAY_MS, baseDelay * 2 ** restartTimes.length);
    restartTimes.push(now);
    timer = setTimeout(() => {
      restarts++;
      setState('starting');
      relaunch();
    }, delay);
    timer.unref();
  }

  function relaunch(): void {
    void launch();
  }

  return {
    id: cfg.id,
    transport: 'stdio',
    callTimeoutMs: timeout,
    secrets,
    status: () => ({
      id: cfg.id,
      transport: 'stdio',
      state,
      sandboxed: cfg.sandbox.enabled,
      restarts,
      lastError,
      tools: catalogue.toolCount(cfg.id),
      since,
    }),
    async start() {
      // Resolves after the first attempt; a failed one is retried like a crash.
      await launch();
    },
    async clientFor() {
      if (!client)
        throw new McpRefusal('upstream_unavailable', `The tool server "${cfg.id}" is not running.`);
      return client;
    },
    // One upstream subscription per URI, however many sessions want it.
    subscribe(link, uri, on) {
      let subs = subscribers.get(uri);
      if (on) {
        if (!subs) {
          subs = new Map();
          subscribers.set(uri, subs);
        }
        subs.set(link.id, link);
        return true;
      }
      if (!subs?.delete(link.id)) return false;
      if (subs.size > 0) return false;
      subscribers.delete(uri);
      return true;
    },
    has: () => false,
    release(sessionId) {
      for (const [uri, subs] of subscribers) {
        subs.delete(sessionId);
        if (subs.size === 0) subscribers.delete(uri);
      }
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = null;
      await c?.close().catch(() => {});
      await prepared?.close().catch(() => {});
    },
  };
}

// @ts-check
/**
 * `npm run bench:mcp`: the latency Keel's /mcp adds to a tool call. One Streamable HTTP MCP server
 * (the SDK's McpServer with an `echo` tool, in its own process) is called N times in sequence by the
 * SDK's client, directly and through Keel (`node bin/keel.js start`, its own process, one client key,
 * usage recording on), in alternating rounds on keep-alive connections. Added latency = Keel's
 * percentile minus the direct one in the same round; the median over rounds is reported. Issue #18
 * asks for p50 under 1 ms. Writes the "## MCP gateway" section of bench/RESULTS.md.
 *
 * Env: BENCH_MCP_CALLS (per round and side, default 1000), BENCH_ROUNDS (default 5), BENCH_CPU_PROF=1
 * (write a V8 CPU profile of Keel into bench/results/, for bench/profile-summary.js).
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { writeConfig } from './lib/config.js';
import { freePort, readCpuSeconds, startBenchKeel } from './lib/procs.js';
import { fmt, machineInfo, mdTable, table, writeResultsSection } from './lib/report.js';
import { CLIENT_KEY } from './lib/request.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CALLS = Number(process.env.BENCH_MCP_CALLS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = 300;
const TARGET_P50_MS = 1;

/** The upstream: runs in a child process (`node bench/mcp.js upstream`), reports its port over IPC. */
async function upstream() {
  const { createServer } = await import('node:http');
  const { randomUUID } = await import('node:crypto');
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } = await import(
    '@modelcontextprotocol/sdk/server/streamableHttp.js'
  );
  const { z } = await import('zod');
  /** @type {Map<string, InstanceType<typeof StreamableHTTPServerTransport>>} */
  const sessions = new Map();
  const server = createServer(async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    let t = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (!t) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, created),
      });
      const mcp = new McpServer({ name: 'bench-echo', version: '1.0.0' });
      mcp.registerTool(
        'echo',
        { description: 'Echoes', inputSchema: { text: z.string() } },
        async ({ text }) => ({
          content: [{ type: 'text', text }],
        }),
      );
      await mcp.connect(created);
      t = created;
    }
    await t.handleRequest(req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.send?.({ port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
}

/**
 * The SDK client hands every fetch the same long-lived AbortSignal, and Node's fetch releases its abort
 * listener only when the request is garbage-collected: between collections thousands pile up on the
 * signal (MaxListenersExceededWarning) and every call of the client gets slower, by an amount that
 * depends on when the collector runs — noise in both columns. Both sides' clients get the same fetch
 * without that signal (the bench never aborts a call).
 * @type {typeof fetch}
 */
const benchFetch = (input, init) => {
  const { signal: _unused, ...rest } = init ?? {};
  return fetch(input, rest);
};

/** @param {string} url @param {Record<string, string>} headers */
async function connect(url, headers) {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, fetch: benchFetch }),
  );
  return client;
}

/** @param {Client} client @param {string} tool @param {number} n @returns {Promise<number[]>} ms per call */
async function calls(client, tool, n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await client.callTool({ name: tool, arguments: { text: `hello ${i}` } });
    out[i] = performance.now() - t0;
    if (r.isError) throw new Error(`${tool} failed: ${JSON.stringify(r.content)}`);
  }
  return out;
}

/** @param {number[]} xs @param {number} q */
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

/** @param {number[]} xs */
const median = (xs) => quantile(xs, 0.5);

async function main() {
  const machine = machineInfo();
  const up = fork(fileURLToPath(import.meta.url), ['upstream'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const upPort = await new Promise((resolve) =>
    up.once('message', (m) => resolve(/** @type {{port:number}} */ (m).port)),
  );
  const direct = `http://127.0.0.1:${upPort}/mcp`;
  const dir = await mkdtemp(join(os.tmpdir(), 'keel-bench-mcp-'));
  const port = await freePort();
  const configPath = await writeConfig(dir, {
    server: { host: '127.0.0.1', port },
    database: { url: `sqlite:${join(dir, 'keel.db')}` },
    auth: { keys: [{ name: 'bench', key: CLIENT_KEY, use_case: 'bench', team: 'platform' }] },
    logging: { level: 'warn' },
    mcp_servers: [{ id: 'bench', url: direct }],
  });
  const keel = await startBenchKeel({
    configPath,
    port,
    spoolDir: join(dir, 'spool'),
    nodeArgs:
      process.env.BENCH_CPU_PROF === '1'
        ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'results')]
        : [],
  });
  try {
    const viaDirect = await connect(direct, {});
    const viaKeel = await connect(`${keel.url}/mcp`, { authorization: `Bearer ${CLIENT_KEY}` });
    await calls(viaDirect, 'echo', WARMUP);
    await calls(viaKeel, 'bench__echo', WARMUP);
    /** @type {{ round: number, direct: number[], keel: number[], cpu: number }[]} */
    const rounds = [];
    const pid = keel.proc.pid ?? 0;
    for (let round = 1; round <= ROUNDS; round++) {
      // The order flips every round, so neither side always runs on a warmer machine.
      const first = round % 2 === 1 ? 'direct' : 'keel';
      const d = first === 'direct' ? await calls(viaDirect, 'echo', CALLS) : null;
      const cpu0 = (await readCpuSeconds(pid)) ?? Number.NaN;
      const k = await calls(viaKeel, 'bench__echo', CALLS);
      const cpu = (((await readCpuSeconds(pid)) ?? Number.NaN) - cpu0) * (1000 / CALLS);
      const d2 = d ?? (await calls(viaDirect, 'echo', CALLS));
      rounds.push({ round, direct: d2, keel: k, cpu });
      process.stderr.write(
        `round ${round}: direct p50 ${fmt(median(d2), 3)} ms, keel p50 ${fmt(median(k), 3)} ms\n`,
      );
    }
    await viaDirect.close();
    await viaKeel.close();
    const rows = rounds.map((r) => {
      const dp50 = median(r.direct);
      const kp50 = median(r.keel);
      const dp99 = quantile(r.direct, 0.99);
      const kp99 = quantile(r.keel, 0.99);
      return { round: r.round, dp50, kp50, dp99, kp99, add50: kp50 - dp50, add99: kp99 - dp99, cpu: r.cpu };
    });
    const med = (/** @type {(r: (typeof rows)[number]) => number} */ f) => median(rows.map(f));
    const added50 = med((r) => r.add50);
    const added99 = med((r) => r.add99);
    const cpu = med((r) => r.cpu);
    const head = [
      'round',
      'direct p50',
      'keel p50',
      'direct p99',
      'keel p99',
      'added p50',
      'added p99',
      'keel CPU/call',
    ];
    const cells = (/** @type {(string|number)[]} */ first, /** @type {number[]} */ v) => [
      ...first,
      ...v.map((x) => `${fmt(x, 3)} ms`),
    ];
    const body = [
      ...rows.map((r) => cells([r.round], [r.dp50, r.kp50, r.dp99, r.kp99, r.add50, r.add99, r.cpu])),
      cells(
        ['median'],
        [
          med((r) => r.dp50),
          med((r) => r.kp50),
          med((r) => r.dp99),
          med((r) => r.kp99),
          added50,
          added99,
          cpu,
        ],
      ),
    ];
    process.stdout.write(
      `\n${table(head, body)}\n\nadded p50 ${fmt(added50, 3)} ms (target < ${TARGET_P50_MS} ms)\n`,
    );
    const md = [
      '## MCP gateway',
      '',
      `Generated by \`npm run bench:mcp\` (bench/mcp.js) on ${new Date().toISOString()}: ${machine.nproc} CPUs (${machine.cpu}),`,
      `${machine.memGb} GB, Node ${machine.node}, ${machine.os}; load average before the run ${machine.loadAvg.join(' / ')}.`,
      '',
      `${CALLS} sequential \`tools/call\`s of an \`echo\` tool per round and side, ${ROUNDS} rounds (order flips each round,`,
      `${WARMUP} warm-up calls each first), the SDK's client on keep-alive connections. Upstream: the SDK's McpServer over`,
      'Streamable HTTP (SSE responses) in its own process. Keel: `node bin/keel.js start`, one client key, SQLite, its own',
      'process, every tool-call stage as deployed (scope, rate-limit lookup, argument and result screening, the mcp_calls',
      'row, metrics and audit entry; no approval wait). Added = Keel minus direct, same round.',
      ...((machine.loadAvg[0] ?? 0) > machine.nproc
        ? [
            '',
            `The machine was busy (load average above its ${machine.nproc} CPUs: other jobs ran): wall-clock latencies`,
            'include waiting for a CPU, so read them against the target only after a run on a quiet machine.',
          ]
        : []),
      '',
      mdTable(
        ['target', 'goal', 'measured (median of rounds)', 'result'],
        [
          [
            'added latency p50',
            `< ${TARGET_P50_MS} ms`,
            `${fmt(added50, 3)} ms`,
            added50 < TARGET_P50_MS ? 'met' : 'NOT met',
          ],
          ['added latency p99', '—', `${fmt(added99, 3)} ms`, 'reference'],
          ['Keel CPU per call (user + system)', '—', `${fmt(cpu, 3)} ms`, 'reference'],
        ],
      ),
      '',
      mdTable(head, body),
      '',
    ].join('\n');
    await writeResultsSection(join(ROOT, 'bench', 'RESULTS.md'), '## MCP gateway', md);
    if (!(added50 < TARGET_P50_MS)) process.exitCode = 1;
  } finally {
    await keel.stop();
    up.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'upstream') await upstream();
else await main();

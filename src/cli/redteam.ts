import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type BuildOptions, buildProbes } from '../redteam/corpus/index.js';
import { toHtmlReport, toJsonReport, toJunitXml } from '../redteam/report/index.js';
import { DEFAULT_CONCURRENCY, runRedteam } from '../redteam/run.js';
import {
  CATEGORIES,
  type CategoryId,
  type Probe,
  type RedteamReport,
  STRATEGIES,
  type StrategyId,
} from '../redteam/types.js';
import type { Io } from './main.js';
import { storeRun } from './redteam-store.js';
import { formatTable } from './table.js';

const HELP = `Usage:
  keel redteam --target API_URL --key KEY --model MODEL [--use-case ID] [--system-prompt FILE]
               [--categories a,b] [--strategies a,b] [--samples N] [--seed S] [--concurrency C]
               [--report out.html] [--json out.json] [--junit out.xml] [--fail-under SCORE]
               [--admin-token TOKEN] [--no-store]

Attacks an OpenAI-compatible endpoint (API_URL ends in /v1, e.g. http://127.0.0.1:8700/v1) with the
red-team corpus and judges every answer. Prints attempts, blocks, successes and false positives per
category and the score: 100 × (1 − attack success rate) × (1 − false-positive rate).

  --key KEY            bearer key for the target (default: $KEEL_API_KEY); never written to any report
  --use-case ID        sent as x-keel-use-case
  --system-prompt FILE the probes' system prompt (the suite's canary line is added to it)
  --categories a,b     ${CATEGORIES.join(', ')}
  --strategies a,b     ${STRATEGIES.join(', ')}
  --samples N          attack probes per category, and as many benign look-alikes (default 20)
  --seed S             same seed, same probes, same report apart from timings (default 1)
  --concurrency C      requests in flight (default ${DEFAULT_CONCURRENCY})
  --report/--json/--junit FILE   write the HTML, JSON or JUnit XML report
  --fail-under SCORE   exit 1 when the score (0-100) is below SCORE
  --admin-token TOKEN  stores the run on the Keel it attacked (default: $KEEL_ADMIN_TOKEN)
  --no-store           do not store the run

Exit codes: 0 done; 1 score under --fail-under; 2 usage error.
`;

export interface RedteamDeps {
  buildProbes: (opts: BuildOptions) => Probe[];
  fetch?: typeof fetch;
}

class UsageError extends Error {}

function list<T extends string>(raw: string | undefined, known: readonly T[], what: string): T[] | undefined {
  if (raw === undefined) return undefined;
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new UsageError(`--${what} names none`);
  for (const id of ids)
    if (!(known as readonly string[]).includes(id))
      throw new UsageError(`unknown ${what.replace(/ies$/, 'y')} "${id}" (known: ${known.join(', ')})`);
  return [...new Set(ids)] as T[];
}

function integer(raw: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return n;
}

function score(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new UsageError(`--fail-under must be a score from 0 to 100, not "${raw}"`);
  return n;
}

function targetUrl(raw: string | undefined): string {
  if (!raw)
    throw new UsageError(
      '--target is required (an OpenAI-compatible base URL such as http://127.0.0.1:8700/v1)',
    );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--target "${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--target must be http(s), not ${url.protocol}`);
  return raw;
}

function outputPath(raw: string | undefined, flag: string): string | undefined {
  if (raw === undefined) return undefined;
  const dir = dirname(resolve(raw));
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`--${flag} ${raw}: no directory ${dir}`);
  return raw;
}

function readPrompt(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `--system-prompt ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

const STRING_OPTIONS = [
  'target',
  'key',
  'model',
  'use-case',
  'system-prompt',
  'categories',
  'strategies',
  'samples',
  'seed',
  'concurrency',
  'report',
  'json',
  'junit',
  'fail-under',
  'admin-token',
] as const;
const stringOptions = Object.fromEntries(STRING_OPTIONS.map((name) => [name, { type: 'string' }])) as Record<
  (typeof STRING_OPTIONS)[number],
  { type: 'string' }
>;

function parse(argv: string[], env: Io['env']) {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...stringOptions,
      'no-store': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  if (!values.model) throw new UsageError('--model is required');
  const key = values.key ?? env.KEEL_API_KEY;
  const adminToken = values['admin-token'] ?? env.KEEL_ADMIN_TOKEN;
  return {
    target: targetUrl(values.target),
    model: values.model,
    ...(key ? { key } : {}),
    ...(values['use-case'] ? { useCase: values['use-case'] } : {}),
    systemPrompt: readPrompt(values['system-prompt']),
    categories: list<CategoryId>(values.categories, CATEGORIES, 'categories'),
    strategies: list<StrategyId>(values.strategies, STRATEGIES, 'strategies'),
    samples: integer(values.samples, 'samples', 20, 1, 10_000),
    seed: integer(values.seed, 'seed', 1, 0, 2 ** 32 - 1),
    concurrency: integer(values.concurrency, 'concurrency', DEFAULT_CONCURRENCY, 1, 1024),
    failUnder: score(values['fail-under']),
    outputs: {
      html: outputPath(values.report, 'report'),
      json: outputPath(values.json, 'json'),
      junit: outputPath(values.junit, 'junit'),
    },
    store: values['no-store'] !== true,
    ...(adminToken ? { adminToken } : {}),
  };
}

const pct = (f: number) => `${(f * 100).toFixed(1)}%`;

function summaryText(report: RedteamReport): string {
  const rows = report.by_category.map((c) => ({
    category: c.category,
    owasp: c.owasp,
    attempts: c.attacks + c.benign,
    blocked: c.blocked,
    succeeded: c.succeeded,
    false_positives: c.false_positives,
    errors: c.errors,
  }));
  const s = report.summary;
  return `${formatTable(rows, ['category', 'owasp', 'attempts', 'blocked', 'succeeded', 'false_positives', 'errors'])}
attacks ${s.attacks}, attack success rate ${pct(s.attack_success_rate)}; benign ${s.benign}, false-positive rate ${pct(s.false_positive_rate)}; errors ${report.errors} (not judged)
score ${s.score.toFixed(1)}
`;
}

export async function runRedteamCli(
  argv: string[],
  io: Io,
  deps: RedteamDeps = { buildProbes },
): Promise<number> {
  let opts: ReturnType<typeof parse>;
  try {
    opts = parse(argv, io.env);
  } catch (e) {
    const isArgError =
      e instanceof UsageError || String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    if (!isArgError) throw e;
    io.err(`keel redteam: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (!opts) {
    io.out(HELP);
    return 0;
  }
  const categories = opts.categories ?? [...CATEGORIES];
  const strategies = opts.strategies ?? [...STRATEGIES];
  const probes = deps.buildProbes({
    categories,
    strategies,
    samples: opts.samples,
    seed: opts.seed,
    ...(opts.systemPrompt === undefined ? {} : { systemPrompt: opts.systemPrompt }),
  });
  if (probes.length === 0) {
    io.err('keel redteam: the corpus has no probes for these categories and strategies\n');
    return 2;
  }
  io.err(
    `keel redteam: ${probes.length} probes against ${new URL(opts.target).origin} (model ${opts.model})\n`,
  );
  const report = await runRedteam({
    target: opts.target,
    ...(opts.key ? { key: opts.key } : {}),
    model: opts.model,
    ...(opts.useCase ? { useCase: opts.useCase } : {}),
    probes,
    seed: opts.seed,
    samples: opts.samples,
    categories,
    strategies,
    concurrency: opts.concurrency,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  io.out(summaryText(report));
  const files: Array<[string | undefined, () => string]> = [
    [opts.outputs.html, () => toHtmlReport(report)],
    [opts.outputs.json, () => toJsonReport(report)],
    [opts.outputs.junit, () => toJunitXml(report)],
  ];
  for (const [path, render] of files) {
    if (!path) continue;
    try {
      writeFileSync(path, render());
    } catch (e) {
      io.err(
        `keel redteam: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
      );
      return 2;
    }
    io.out(`wrote ${path}\n`);
  }
  if (opts.store) {
    const result = await storeRun(report, {
      target: opts.target,
      ...(opts.adminToken ? { adminToken: opts.adminToken } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    if (result.stored) io.out(`stored the run on the target${result.id ? ` as ${result.id}` : ''}\n`);
    else if (result.reason === 'failed')
      io.err(`keel redteam: warning: the run was not stored: ${result.message}\n`);
  }
  if (opts.failUnder !== undefined && report.summary.score < opts.failUnder) {
    io.err(
      `keel redteam: score ${report.summary.score.toFixed(1)} is under --fail-under ${opts.failUnder}\n`,
    );
    return 1;
  }
  return 0;
}

#!/usr/bin/env node
// @ts-check
/**
 * The injection detector on the external evaluation set (`npm run eval:guards:external`): per source,
 * the share of rows flagged by `keel guard scan` (every row as a user turn), flagged with documents and
 * indirect rows routed to the indirect detector (as the gateway treats tool results), and blocked or
 * flagged by the default gateway policy. Prints a Markdown table for bench/RESULTS.md.
 *
 *   npx tsc -p tsconfig.build.json && node scripts/guards/external-eval.mjs [--file F.jsonl] [--json]
 *
 * Runs the built gateway code in dist/ (the same code as `keel guard eval`). Evaluation only.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/load-guards.mjs';

const { values } = parseArgs({
  options: {
    file: { type: 'string', default: join(REPO_ROOT, 'scripts/guards/data/external-eval.jsonl') },
    json: { type: 'boolean', default: false },
  },
});

/** @param {string} rel */
const dist = (rel) => import(pathToFileURL(join(REPO_ROOT, 'dist', rel)).href);
const { injectionEvalDetector } = await dist('guards/index.js');
const { gatewayAction, INDIRECT_ROW_KINDS } = await dist('cli/guard-policy.js');

/** @type {{ text: string, label: string, source: string, kind: string }[]} */
const rows = readFileSync(values.file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
const scan = injectionEvalDetector();
const routed = injectionEvalDetector({ routeByKind: true });

/** @type {Map<string, { source: string, label: string, kinds: Set<string>, n: number, scan: number, routed: number, block: number, flag: number }>} */
const bySource = new Map();
for (const row of rows) {
  const key = `${row.label}\t${row.source}`;
  let s = bySource.get(key);
  if (!s) {
    s = {
      source: row.source,
      label: row.label,
      kinds: new Set(),
      n: 0,
      scan: 0,
      routed: 0,
      block: 0,
      flag: 0,
    };
    bySource.set(key, s);
  }
  s.kinds.add(row.kind);
  s.n++;
  if (scan(row.text, row).flagged) s.scan++;
  if (routed(row.text, row).flagged) s.routed++;
  const action = gatewayAction(row.text, false);
  if (action === 'block') s.block++;
  else if (action !== 'allow') s.flag++;
}

const groups = [...bySource.values()].sort(
  (a, b) => a.label.localeCompare(b.label) || a.source.localeCompare(b.source),
);
/** @param {'attack' | 'benign'} label */
const totals = (label) => {
  const g = groups.filter((s) => s.label === label);
  const sum = (/** @type {'n' | 'scan' | 'routed' | 'block' | 'flag'} */ k) =>
    g.reduce((t, s) => t + s[k], 0);
  return { n: sum('n'), scan: sum('scan'), routed: sum('routed'), block: sum('block'), flag: sum('flag'), g };
};
const attack = totals('attack');
const benign = totals('benign');
const rate = (/** @type {number} */ k, /** @type {number} */ n) => (n ? k / n : 0);
const attackRecalls = attack.g.map((s) => ({ source: s.source, recall: rate(s.scan, s.n) }));
const summary = {
  attackRows: attack.n,
  benignRows: benign.n,
  recall: rate(attack.scan, attack.n),
  recallRouted: rate(attack.routed, attack.n),
  fpr: rate(benign.scan, benign.n),
  fprRouted: rate(benign.routed, benign.n),
  meanSourceRecall: attackRecalls.reduce((t, s) => t + s.recall, 0) / (attackRecalls.length || 1),
  worstSource: attackRecalls.reduce((w, s) => (s.recall < w.recall ? s : w), { source: '-', recall: 1 }),
  benignBlocked: rate(benign.block, benign.n),
  attackBlocked: rate(attack.block, attack.n),
};

if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ summary, sources: groups.map((s) => ({ ...s, kinds: [...s.kinds] })) }, null, 2)}\n`,
  );
  process.exit(0);
}

const pct = (/** @type {number} */ k, /** @type {number} */ n) => `${(100 * rate(k, n)).toFixed(1)} %`;
/** @param {{ n: number, scan: number, routed: number, block: number, flag: number }} s @param {string[]} head */
const line = (s, head) =>
  `| ${[...head, s.n, pct(s.scan, s.n), pct(s.routed, s.n), pct(s.block, s.n), pct(s.flag, s.n)].join(' | ')} |`;
let commit = 'unknown';
try {
  commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], {
    encoding: 'utf8',
  }).trim();
} catch {}
// The weights file's digest names the classifier even when it is retrained without a commit.
const weights = createHash('sha256')
  .update(readFileSync(join(REPO_ROOT, 'src/guards/injection/weights.ts')))
  .digest('hex')
  .slice(0, 12);
const out = [
  `${new Date().toISOString().slice(0, 16)} UTC; commit \`${commit}\`, weights.ts sha256 \`${weights}\`; ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}.`,
  'Attack rows: share flagged = recall; benign rows: share flagged = false-positive rate.',
  '',
  '| label | source | kind | rows | flagged (scan) | flagged (routed) | blocked (policy) | flagged only (policy) |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ...groups.map((s) => line(s, [s.label, `\`${s.source}\``, [...s.kinds].join(', ')])),
  line(attack, ['**attack**', '**all**', '']),
  line(benign, ['**benign**', '**all**', '']),
  '',
  `Attack sources: mean recall ${summary.meanSourceRecall.toFixed(3)}, worst \`${summary.worstSource.source}\` ${summary.worstSource.recall.toFixed(3)} (scan).`,
  `Routed: \`document\`/\`indirect\` rows (${INDIRECT_ROW_KINDS.join(', ')}) through the indirect detector. Policy: the default gateway policy with each row as a user turn.`,
];
process.stdout.write(`${out.join('\n')}\n`);

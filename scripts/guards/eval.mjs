#!/usr/bin/env node
// @ts-check
/**
 * Evaluate the injection detector on a labelled JSONL file (`text`, `label`, `source`, `kind`):
 *
 *   node scripts/guards/eval.mjs FILE.jsonl [--route] [--json]
 *
 * `--route` sends rows whose kind marks content that is not the user's (document, indirect, tool)
 * through the indirect detector, as the gateway does for tool messages. Evaluation only: this never
 * changes a threshold. The same report backs `keel guard eval`.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { importGuard } from './lib/load-guards.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { route: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
});
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: node scripts/guards/eval.mjs FILE.jsonl [--route] [--json]\n');
  process.exit(2);
}
const { evaluate, formatEvalReport, injectionEvalDetector } = await importGuard('index.js');
const rows = (await readFile(file, 'utf8'))
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
const report = evaluate(rows, injectionEvalDetector({ routeByKind: values.route }));
process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatEvalReport(report));

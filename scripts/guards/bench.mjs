#!/usr/bin/env node
// @ts-check
/**
 * Detector latency: `node scripts/guards/bench.mjs [--iterations N] [--sizes 2048,102400]`.
 * Runs src/guards through the transpile loader (no build needed) and prints a table plus JSON.
 */
import { parseArgs } from 'node:util';
import { importGuard } from './lib/load-guards.mjs';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string' },
    sizes: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const { benchmarkDetectors } = await importGuard('bench.js');
/** @type {Array<{ detector: string, bytes: number, iterations: number, p50Ms: number, p99Ms: number, meanMs: number, cpuMeanMs: number }>} */
const results = benchmarkDetectors({
  iterations: values.iterations ? Number(values.iterations) : undefined,
  sizes: values.sizes ? values.sizes.split(',').map(Number) : undefined,
});
if (values.json) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  process.stdout.write(
    `${'detector'.padEnd(34)} ${'bytes'.padStart(7)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'mean ms'.padStart(9)} ${'cpu ms'.padStart(9)}\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `${r.detector.padEnd(34)} ${String(r.bytes).padStart(7)} ${r.p50Ms.toFixed(4).padStart(9)} ${r.p99Ms.toFixed(4).padStart(9)} ${r.meanMs.toFixed(4).padStart(9)} ${r.cpuMeanMs.toFixed(4).padStart(9)}\n`,
    );
  }
}

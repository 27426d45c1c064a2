import { setFlagsFromString } from 'node:v8';

/**
 * V8 grows the old generation to a multiple of the live heap before it collects it again. Keel's live
 * heap is small (~40 MB) but a busy gateway promotes a steady trickle of short-lived request objects,
 * so with V8's default factor the heap sat at 120–150 MB between full collections. A 1.3x factor
 * keeps the gateway's heap near 85 MB under load at the same CPU per request (bench/RESULTS.md), at
 * the price of more frequent full collections while a large report or drift job builds its data.
 * A `--heap-growing-percent` given to node explicitly wins.
 */
const HEAP_GROWING_PERCENT = 30;

export function tuneHeap(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}

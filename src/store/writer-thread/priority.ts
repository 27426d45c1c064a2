import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * The writer thread's work (inserts, rollups) can wait a few milliseconds; a request cannot. On a
 * busy machine with few cores a 40 ms rollup burst competing at equal priority took CPU from the
 * event loop, and at a steady 3,000 req/s every such burst showed as a latency spike. Linux keeps a
 * nice value per thread, so the thread lowers its own (by its thread id); it never raises it. Elsewhere,
 * or without permission, it keeps the process's priority.
 */
export const WRITER_NICE = 10;

export function lowerThreadPriority(nice = WRITER_NICE): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/thread-self -> "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0 || tid === process.pid) return false;
    if (getPriority(tid) >= nice) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

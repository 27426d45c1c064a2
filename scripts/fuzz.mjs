#!/usr/bin/env node
// `npm run fuzz`: the fuzz suite (test/fuzz) for longer than CI runs it, with a fresh seed each
// time unless FUZZ_SEED is set. Settings come from the environment (see test/README.md):
//   FUZZ_RUNS     cases per suite (/v1 and /api each)        default 50000
//   FUZZ_TIME_S   stop each suite after this many seconds    default: none
//   FUZZ_SEED     seed, to replay a run                      default: random, printed
//   FUZZ_STALL_MS longest event-loop delay one call may cause default 1000
//   FUZZ_HOSTILE_SCHEMAS=0  do not make Keel evaluate data against hostile schemas
// Extra arguments go to vitest (e.g. `npm run fuzz -- test/fuzz/api.test.ts`).
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';

const env = { ...process.env };
env.FUZZ_RUNS ??= '50000';
env.FUZZ_SEED ??= String(randomInt(0, 2 ** 31 - 1));
process.stdout.write(
  `keel fuzz: FUZZ_SEED=${env.FUZZ_SEED} FUZZ_RUNS=${env.FUZZ_RUNS}${env.FUZZ_TIME_S ? ` FUZZ_TIME_S=${env.FUZZ_TIME_S}` : ''}\n`,
);
const args = process.argv.slice(2);
const child = spawn('npx', ['vitest', 'run', ...(args.length ? args : ['test/fuzz/'])], {
  env,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => {
  if (code !== 0) process.stdout.write(`keel fuzz: failed; replay with FUZZ_SEED=${env.FUZZ_SEED}\n`);
  process.exit(code ?? (signal ? 1 : 0));
});

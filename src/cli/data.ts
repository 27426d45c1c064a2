import { ContractError } from '../data/contracts/schema.js';
import { STAT_TESTS } from '../data/drift/stattests.js';
import { DataJobError } from '../data/jobs.js';
import { check } from './data/check.js';
import { list, register, show } from './data/datasets.js';
import { drift } from './data/drift.js';
import type { Io } from './main.js';

const HELP = `Usage: keel data <command> [options]

Commands:
  register NAME FILE   Register FILE (csv, tsv, jsonl) as a new version of dataset NAME
                       [--owner o] [--description d] [--schema schema.yaml] [--format csv]
  list                 Registered datasets and their latest versions
  show NAME[@VERSION]  A dataset, its versions, the version's column profile and recent results
  check FILE --contract CONTRACT.yaml
                       Validate FILE; exits 1 when any rule fails  [--dataset NAME] [--no-store]
  drift REFERENCE CURRENT
                       Compare two datasets (files or NAME[@VERSION]) column by column
                       [--columns a,b] [--method auto|${STAT_TESTS.join('|')}]
                       [--threshold x] [--drift-share 0.5] [--fail-on-drift] [--store]

Common options: --json, --config keel.yaml, --data-dir DIR, --lineage-endpoint URL
Drift defaults follow Evidently: see docs or src/data/drift/select.ts.
`;

export async function runData(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    io.out(HELP);
    return cmd ? 0 : 2;
  }
  try {
    switch (cmd) {
      case 'register':
        return await register(rest, io);
      case 'list':
        return await list(rest, io);
      case 'show':
        return await show(rest, io);
      case 'check':
        return await check(rest, io);
      case 'drift':
        return await drift(rest, io);
      default:
        io.err(`keel data: unknown command "${cmd}"\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof DataJobError || e instanceof ContractError) {
      io.err(`keel data ${cmd}: ${e.message}\n`);
      return 2;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      io.err(`keel data ${cmd}: ${(e as Error).message}\n`);
      return 2;
    }
    if (e instanceof Error && e.name === 'CsvError') {
      io.err(`keel data ${cmd}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

import { ConfigError } from '../config/load.js';
import { runAdmins } from './admins.js';
import { runAudit } from './audit.js';
import { runData } from './data.js';
import { runDemo } from './demo.js';
import { runGuard } from './guard.js';
import { runKeys } from './keys.js';
import { runMigrate } from './migrate.js';
import { runModels } from './models.js';
import { runRedteamCli } from './redteam.js';
import { runReport } from './report.js';
import { runStart } from './start.js';
import { runUsage } from './usage.js';
import { runUseCases } from './usecases.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: Record<string, string | undefined>;
}

const HELP = `keel — the control plane for AI features in production

Usage: keel <command> [options]

Commands:
  start     Run the gateway (OpenAI- and Anthropic-compatible API) and the admin API
  migrate   Apply pending database migrations (or --status to list them)
  demo      Send a realistic mixed workload through the full request path (simulator)
  models    List the models clients can call
  usage     Requests, tokens and cost by model and use case
  keys      Virtual keys: create, list, update, rotate, revoke
  admins    Named admin users and their roles: create, list, revoke
  audit     The tamper-evident audit log: verify, list, checkpoint
  usecases  The use-case registry: create, list, update
  report    Value per use case: cost, outcomes, ROI (table, csv, json, html)
  data      Datasets, contracts and drift: register, list, show, check, drift
  guard     Run the guard detectors: scan text, evaluate on labelled data
  redteam   Attack an OpenAI-compatible endpoint with the red-team suite; score, reports, CI gate

Common options:
  --config <file>   keel.yaml to use (default: $KEEL_CONFIG, else the built-in simulator setup)
  -h, --help        Show help for a command

Environment: KEEL_CONFIG, KEEL_PORT, KEEL_HOST, KEEL_DATABASE_URL, KEEL_REDIS_URL, KEEL_ADMIN_TOKEN
Docs: docs/README.md
`;

const COMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  start: runStart,
  migrate: runMigrate,
  demo: runDemo,
  models: runModels,
  usage: runUsage,
  keys: runKeys,
  admins: runAdmins,
  audit: runAudit,
  usecases: runUseCases,
  report: runReport,
  data: runData,
  guard: runGuard,
  redteam: runRedteamCli,
};

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    io.out(HELP);
    return 0;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    io.err(`keel: unknown command "${cmd}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`keel: ${e.message}\n`);
      return 2;
    }
    if (
      e instanceof Error &&
      'code' in e &&
      String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`keel ${cmd}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

function defaultIo(): Io {
  return {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    env: process.env,
  };
}

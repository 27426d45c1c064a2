import { parseArgs } from 'node:util';
import { createKeyStore } from '../access/key-store.js';
import { publicKey, publicKeyWithSecret, type VirtualKey } from '../access/model.js';
import type { KeyInput } from '../access/store.js';
import { createAuditLog } from '../audit/log.js';
import type { AuditLog } from '../audit/types.js';
import { loadConfig } from '../config/load.js';
import type { KeelConfig } from '../config/schema.js';
import { KeelError } from '../errors.js';
import { parseExpiresAt } from '../http/admin/keys.js';
import { type Database, openDatabase } from '../store/db.js';
import type { Io } from './main.js';
import { formatTable } from './table.js';

const HELP = `Usage: keel keys <command> [options]

Manage virtual keys (what applications send on /v1) directly in the store.

Commands:
  create --name N [scope options] [--json]   Create a key; prints its value once
  list [--all] [--json]                      Active keys (--all: revoked too)
  update ID [scope options] [--json]         Change a key's name or scopes
  rotate ID [--grace-s N] [--json]           New value; the old one works N more seconds
                                             (default: access.rotation_grace_s)
  revoke ID                                  Revoke at once

Scope options (deny by default: without --models and --tools a key may use none):
  --name N              Label for humans (1-100 printable characters)
  --models a,b*         Model names or globs; "*" = all
  --endpoints e,...     chat, messages, embeddings, models (default: all)
  --use-cases a,b       Use cases the key may book to; the first is its default
  --tools t,...         Tool names the model may call; "*" = all
  --mcp-servers s,...   MCP server ids whose tools, resources and prompts the key may use
                        on /mcp; "*" = all (deny by default, like --tools)
  --mcp-tools t,...     MCP catalogue tools (server__tool) or globs the key may call
  --team T              Team for budgets and attribution ("" clears)
  --max-tokens N        Largest max_tokens per request
  --rpm N  --tpm N      Requests / tokens per minute
  --budget-usd X        Spend limit per period
  --budget-period P     day | month | total (default month)
  --expires-at T        ISO date, epoch ms, or a duration from now (30d, 12h)
  --allowed-cidrs c,... Client networks allowed to use the key
  Numbers and --expires-at accept "none" to clear them on update; "" clears a list.

Options: --config keel.yaml (the store is database.url / KEEL_DATABASE_URL)
`;

const SCOPE_OPTIONS = {
  name: { type: 'string' },
  models: { type: 'string' },
  endpoints: { type: 'string' },
  'use-cases': { type: 'string' },
  tools: { type: 'string' },
  'mcp-servers': { type: 'string' },
  'mcp-tools': { type: 'string' },
  team: { type: 'string' },
  'max-tokens': { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  'budget-usd': { type: 'string' },
  'budget-period': { type: 'string' },
  'expires-at': { type: 'string' },
  'allowed-cidrs': { type: 'string' },
} as const;

const OPTIONS = {
  ...SCOPE_OPTIONS,
  config: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  'grace-s': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Store access for the CLI: config → store → audit log, closed (and the audit log flushed) after. */
export async function withAccessStore<T>(
  io: Io,
  configPath: string | undefined,
  fn: (ctx: { config: KeelConfig; database: Database; audit: AuditLog }) => Promise<T>,
): Promise<T> {
  const { config } = loadConfig({ path: configPath, env: io.env });
  const database = await openDatabase(config.database.url);
  const audit = createAuditLog(database, {
    checkpointEvery: config.audit.checkpoint_every,
    ...(config.audit.signing_key ? { signingKey: config.audit.signing_key } : {}),
    ...(config.audit.checkpoint_file ? { checkpointFile: config.audit.checkpoint_file } : {}),
    onError: (e) => io.err(`keel: audit write failed: ${e instanceof Error ? e.message : String(e)}\n`),
  });
  try {
    return await fn({ config, database, audit });
  } finally {
    await audit.close();
    await database.close();
  }
}

function list(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A number flag: "none" clears; anything unparsable is passed on for the store to reject by name. */
function num(v: string): number | null {
  return v.trim().toLowerCase() === 'none' ? null : v.trim() === '' ? Number.NaN : Number(v);
}

const DURATION = /^(\d+)\s*([smhd])$/;

export function parseExpiry(v: string, now = Date.now()): number | null {
  const s = v.trim();
  if (s.toLowerCase() === 'none') return null;
  const d = DURATION.exec(s);
  if (d) return now + Number(d[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[d[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d+$/.test(s)) return Number(s);
  return parseExpiresAt(s) as number;
}

type Values = { [K in keyof typeof SCOPE_OPTIONS]?: string };

/** Flags → KeyInput fields; only the flags given are set, so the same code serves create and update. */
export function flagsToInput(v: Values): Partial<KeyInput> {
  const out: Partial<KeyInput> = {};
  if (v.name !== undefined) out.name = v.name;
  if (v.models !== undefined) out.models = list(v.models);
  if (v.endpoints !== undefined) out.endpoints = list(v.endpoints) as KeyInput['endpoints'];
  if (v['use-cases'] !== undefined) out.useCases = list(v['use-cases']);
  if (v.tools !== undefined) out.tools = list(v.tools);
  if (v['mcp-servers'] !== undefined) out.mcpServers = list(v['mcp-servers']);
  if (v['mcp-tools'] !== undefined) out.mcpTools = list(v['mcp-tools']);
  if (v.team !== undefined) out.team = v.team === '' ? null : v.team;
  if (v['max-tokens'] !== undefined) out.maxTokens = num(v['max-tokens']);
  if (v.rpm !== undefined) out.rpm = num(v.rpm);
  if (v.tpm !== undefined) out.tpm = num(v.tpm);
  if (v['budget-usd'] !== undefined) out.budgetUsd = num(v['budget-usd']);
  if (v['budget-period'] !== undefined) out.budgetPeriod = v['budget-period'] as KeyInput['budgetPeriod'];
  if (v['expires-at'] !== undefined) out.expiresAt = parseExpiry(v['expires-at']);
  if (v['allowed-cidrs'] !== undefined) out.allowedCidrs = list(v['allowed-cidrs']);
  return out;
}

function showSecret(io: Io, what: string, key: VirtualKey, secret: string): void {
  io.out(`${what} key ${key.id} "${key.name}"\n\n    ${secret}\n\n`);
  io.out('Store this key now: Keel keeps only its hash and cannot show it again.\n');
}

function summary(k: VirtualKey): Record<string, unknown> {
  const p = publicKey(k);
  return {
    id: k.id,
    name: k.name,
    prefix: `${k.prefix}…`,
    status: p.status,
    models: k.models.join(',') || '(none)',
    team: k.team,
    rpm: k.rpm,
    budget: k.budgetUsd === null ? '' : `$${k.budgetUsd}/${k.budgetPeriod}`,
    expires_at: p.expires_at,
  };
}

const COLUMNS = ['id', 'name', 'prefix', 'status', 'models', 'team', 'rpm', 'budget', 'expires_at'];

/** Run a CLI body, turning bad flags and KeelErrors into a message and an exit code. */
export async function cliGuard(
  cmd: string,
  io: Io,
  help: string,
  fn: () => Promise<number>,
): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof KeelError) {
      io.err(`${cmd}: ${e.message}\n`);
      return e.code === 'not_found' ? 1 : 2;
    }
    const code = e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : '';
    if (code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${cmd}: ${(e as Error).message}\n\n${help}`);
      return 2;
    }
    throw e;
  }
}

export async function runKeys(argv: string[], io: Io): Promise<number> {
  return cliGuard('keel keys', io, HELP, async () => {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
    const [sub, id, ...extra] = positionals;
    if (values.help || !sub) {
      io.out(HELP);
      return values.help ? 0 : 2;
    }
    const needsId = sub === 'update' || sub === 'rotate' || sub === 'revoke';
    if (!['create', 'list', ...(needsId ? [sub] : [])].includes(sub)) {
      io.err(`keel keys: unknown command "${sub.slice(0, 40)}"\n\n${HELP}`);
      return 2;
    }
    if ((needsId && !id) || extra.length > 0 || (!needsId && id !== undefined)) {
      io.err(`keel keys ${sub}: ${needsId ? 'expects one key id' : 'takes no arguments'}\n`);
      return 2;
    }
    const input = flagsToInput(values);
    return withAccessStore(io, values.config, async ({ config, database, audit }) => {
      const keys = createKeyStore(database, { audit });
      switch (sub) {
        case 'create': {
          if (input.name === undefined) throw new KeelError('invalid_request', '--name is required.');
          const { key, secret } = await keys.create(input as KeyInput, 'cli');
          if (values.json) io.out(`${JSON.stringify(publicKeyWithSecret(key, secret), null, 2)}\n`);
          else showSecret(io, 'Created', key, secret);
          return 0;
        }
        case 'list': {
          const all = await keys.list({ includeRevoked: values.all === true });
          if (values.json) io.out(`${JSON.stringify(all.map(publicKey), null, 2)}\n`);
          else io.out(formatTable(all.map(summary), COLUMNS));
          return 0;
        }
        case 'update': {
          if (Object.keys(input).length === 0)
            throw new KeelError('invalid_request', 'Nothing to update: give at least one option.');
          const key = await keys.update(id as string, input, 'cli');
          if (values.json) io.out(`${JSON.stringify(publicKey(key), null, 2)}\n`);
          else io.out(formatTable([summary(key)], COLUMNS));
          return 0;
        }
        case 'rotate': {
          const grace =
            values['grace-s'] === undefined ? config.access.rotation_grace_s : Number(values['grace-s']);
          const { key, secret } = await keys.rotate(id as string, grace, 'cli');
          const until = new Date(key.updatedAt + grace * 1000).toISOString();
          if (values.json)
            io.out(
              `${JSON.stringify({ ...publicKeyWithSecret(key, secret), previous_key_expires_at: until }, null, 2)}\n`,
            );
          else {
            showSecret(io, 'Rotated', key, secret);
            io.out(`The previous value stops working at ${until} at the latest.\n`);
          }
          return 0;
        }
        default: {
          const key = await keys.revoke(id as string, 'cli');
          if (values.json) io.out(`${JSON.stringify(publicKey(key), null, 2)}\n`);
          else io.out(`Revoked key ${key.id} "${key.name}".\n`);
          return 0;
        }
      }
    });
  });
}

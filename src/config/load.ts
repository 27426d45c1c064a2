import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { defaultConfigInput } from './defaults.js';
import { MCP_REPLICA_NAME } from './mcp.js';
import { configSchema, type KeelConfig } from './schema.js';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replace ${VAR} and ${VAR:-default} in every string of the parsed YAML. Done on the parsed tree,
 * not the raw text, so a value containing YAML syntax cannot change the document's structure.
 */
export function interpolate(value: unknown, env: Env, path: string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`${path.join('.') || '(root)'}: environment variable ${name} is not set`);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, String(i)]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, [...path, k]);
    return out;
  }
  return value;
}

function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const key = i.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      return `  - ${key || '(root)'}: ${i.message}`;
    })
    .join('\n');
}

/** Validate a parsed config object, applying environment overrides that the docs promise. */
export function parseConfig(input: unknown, env: Env): KeelConfig {
  const raw = (interpolate(input ?? {}, env) ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError('config: expected a mapping at the top level');
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`invalid configuration:\n${formatIssues(result.error.issues)}`);
  const cfg = result.data;
  if (env.KEEL_DATABASE_URL) cfg.database.url = env.KEEL_DATABASE_URL;
  if (env.KEEL_REDIS_URL) cfg.limits.redis_url = env.KEEL_REDIS_URL;
  if (env.KEEL_ADMIN_TOKEN) cfg.admin.token = env.KEEL_ADMIN_TOKEN;
  if (env.KEEL_PORT) {
    const port = Number(env.KEEL_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ConfigError('KEEL_PORT: expected a port number');
    cfg.server.port = port;
  }
  if (env.KEEL_HOST) cfg.server.host = env.KEEL_HOST;
  if (env.KEEL_SPOOL_DIR) cfg.durability.spool_dir = env.KEEL_SPOOL_DIR;
  if (env.KEEL_MCP_REPLICA) {
    if (!MCP_REPLICA_NAME.test(env.KEEL_MCP_REPLICA))
      throw new ConfigError('KEEL_MCP_REPLICA: letters, digits, "_" and "-", at most 32');
    cfg.mcp.replica = env.KEEL_MCP_REPLICA;
  }
  return cfg;
}

/**
 * Load keel.yaml from `path` (or KEEL_CONFIG). With no file at all Keel starts on the built-in
 * simulator, so `npm start` works on a fresh clone.
 */
export function loadConfig(opts: { path?: string; env: Env }): { config: KeelConfig; source: string } {
  const path = opts.path ?? opts.env.KEEL_CONFIG;
  if (!path)
    return { config: parseConfig(defaultConfigInput(), opts.env), source: 'built-in defaults (simulator)' };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${path}: not valid YAML: ${(e as Error).message}`);
  }
  try {
    return { config: parseConfig(doc, opts.env), source: path };
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${path}: ${e.message}`);
    throw e;
  }
}

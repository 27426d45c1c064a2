// @ts-check
/**
 * The Keel config every gateway bench starts from, typed by Keel's own config schema so that a bench
 * setting Keel no longer accepts fails typecheck rather than Keel's start-up.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import { CLIENT_KEY } from './request.js';

/** @typedef {import('#keel/config/schema.js').KeelConfigInput} KeelConfigInput */

/**
 * One client key, the fake upstream as the only provider with `bench-model` routed to it, and a price
 * for the upstream model so the cost path runs as it does in production. `port` and `dbPath` add the
 * server and database sections; `extra` replaces or adds top-level sections.
 * @param {{ upstreamUrl: string, port?: number, dbPath?: string }} where
 * @param {KeelConfigInput} [extra]
 * @returns {KeelConfigInput}
 */
export function benchConfig({ upstreamUrl, port, dbPath }, extra = {}) {
  return {
    ...(port === undefined ? {} : { server: { host: '127.0.0.1', port } }),
    ...(dbPath === undefined ? {} : { database: { url: `sqlite:${dbPath}` } }),
    auth: { keys: [{ name: 'bench', key: CLIENT_KEY, use_case: 'bench', team: 'platform' }] },
    providers: [
      { id: 'fake', kind: 'openai-compatible', base_url: `${upstreamUrl}/v1`, api_key: 'sk-fake-upstream' },
    ],
    models: [{ name: 'bench-model', targets: [{ provider: 'fake', model: 'fake-gpt-4o-mini' }] }],
    pricing: {
      overrides: [
        { model: 'fake-gpt-4o-mini', provider: 'fake', input: 0.15, output: 0.6, cached_input: 0.075 },
      ],
    },
    logging: { level: 'warn' },
    ...extra,
  };
}

/**
 * Writes `config` as YAML into `dir` and returns the file's path.
 * @param {string} dir @param {KeelConfigInput} config
 */
export async function writeConfig(dir, config, name = 'keel.yaml') {
  const path = join(dir, name);
  await writeFile(path, YAML.stringify(config));
  return path;
}

import { dirname, resolve } from 'node:path';
import type { KeelConfig } from '../config/schema.js';

/**
 * Where Keel keeps its own state on disk: the SQLite store's directory, the spool, the data
 * directory and the audit checkpoint file. A sandboxed MCP server may never be granted these,
 * whatever keel.yaml says (the sandbox refuses such a grant at start).
 */
export function keelStatePaths(config: KeelConfig): string[] {
  const paths = [config.durability.spool_dir, config.data.dir];
  const url = config.database.url;
  if (url.startsWith('sqlite:') && !url.startsWith('sqlite::memory:')) paths.push(dirname(url.slice(7)));
  const checkpoint = config.audit.checkpoint_file;
  if (checkpoint) paths.push(checkpoint);
  return [...new Set(paths.map((p) => resolve(p)))];
}

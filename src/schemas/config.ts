import type { KeelConfig } from '../config/schema.js';
import { SchemaPool } from './pool.js';

/** The schema threads a Keel instance owns, sized by `json_schema` in the config. */
export function createSchemaPool(c: KeelConfig['json_schema']): SchemaPool {
  return new SchemaPool({
    threads: c.threads,
    timeoutMs: c.timeout_ms,
    maxBytes: c.max_bytes,
    maxNodes: c.max_nodes,
    maxDepth: c.max_depth,
    maxRefs: c.max_refs,
    maxPatterns: c.max_patterns,
    maxPatternLength: c.max_pattern_length,
    maxExpansion: c.max_expansion,
    maxInstanceDepth: c.max_instance_depth,
    cacheSize: c.cache_size,
    cacheBytes: c.cache_bytes,
  });
}

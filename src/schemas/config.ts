import type { KeelConfig } from '../config/schema.js';
import { SchemaCompiler } from './compiler.js';

/** The compiler a Keel instance owns, sized by `json_schema` in the config. */
export function createSchemaCompiler(c: KeelConfig['json_schema']): SchemaCompiler {
  return new SchemaCompiler({
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

export { DEFAULT_SCHEMA_LIMITS, type SchemaLimits } from './analyze.js';
export {
  type CompiledSchema,
  DEFAULT_SCHEMA_COMPILER_OPTIONS,
  InvalidSchemaError,
  SchemaCompiler,
  type SchemaCompilerOptions,
  type SchemaDialect,
  type SchemaError,
} from './compiler.js';
export { createSchemaPool } from './config.js';
export { DEFAULT_SCHEMA_POOL_OPTIONS, SchemaPool, type SchemaPoolOptions } from './pool.js';
export type { ValidationResult } from './protocol.js';
export { compileSafeRegex, MAX_PATTERN_LENGTH, type SafeRegex, UnsafePatternError } from './regex.js';

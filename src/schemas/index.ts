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
export { createSchemaCompiler } from './config.js';
export { compileSafeRegex, MAX_PATTERN_LENGTH, type SafeRegex, UnsafePatternError } from './regex.js';

import { globMatch } from '../../access/glob.js';
import type { McpConfig } from '../../config/mcp.js';
import { type CompiledSchema, InvalidSchemaError, SchemaCompiler } from '../../schemas/index.js';

/** One `mcp.tools` entry, compiled once: which catalogue names it covers and what it asks of a call. */
export interface ToolRule {
  /** The entry's key as written in keel.yaml: a catalogue name or a glob. */
  pattern: string;
  /** The extra JSON Schema the arguments must satisfy, compiled; null without one. */
  arguments: CompiledSchema | null;
  rpm: number | null;
  approval: 'required' | 'none';
}

/** Catalogue names whose matching rules are remembered; past it the memo starts over. */
const MEMO_LIMIT = 10_000;

/**
 * `mcp.tools` compiled at start-up: a bad schema stops Keel with the entry's name rather than
 * failing calls later. Schemas go through Keel's bounded compiler (draft 2020-12 with formats; RE2
 * as the regex engine, so an operator's `pattern` cannot backtrack on an agent's argument). Every
 * entry matching a catalogue name applies; which ones do is computed once per name.
 */
export function compileToolRules(
  tools: McpConfig['tools'],
  compiler: SchemaCompiler = new SchemaCompiler(),
): (name: string) => readonly ToolRule[] {
  const rules: ToolRule[] = Object.entries(tools).map(([pattern, policy]) => {
    let compiled: CompiledSchema | null = null;
    if (policy.arguments) {
      try {
        compiled = compiler.compile(policy.arguments, '2020-12');
      } catch (e) {
        if (e instanceof InvalidSchemaError)
          throw new Error(`mcp.tools["${pattern}"].arguments: ${e.message}`, { cause: e });
        throw e;
      }
    }
    return { pattern, arguments: compiled, rpm: policy.rpm ?? null, approval: policy.approval };
  });
  const memo = new Map<string, readonly ToolRule[]>();
  return (name) => {
    let found = memo.get(name);
    if (found) return found;
    found = rules.filter((r) => r.pattern === name || (/[*?]/.test(r.pattern) && globMatch(r.pattern, name)));
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(name, found);
    return found;
  };
}

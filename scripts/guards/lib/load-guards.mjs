// @ts-check
/**
 * Loads src/guards as plain JavaScript without a full build: every non-test .ts file under src/guards
 * is transpiled (TypeScript's transpileModule, no type check) into a cache directory keyed by the
 * sources' hash, then imported. The trainer, the benchmark and ad-hoc scripts thereby run the exact
 * code the gateway runs, on Node 20 without a TypeScript loader. If dist/guards exists and is
 * up to date, callers may import it instead; this path never depends on the rest of the tree compiling.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GUARDS_SRC = join(REPO_ROOT, 'src', 'guards');

/** @param {string} dir @returns {Promise<string[]>} */
async function listTs(dir) {
  /** @type {string[]} */
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listTs(p)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/** @type {Promise<string> | null} */
let built = null;

/** Transpile src/guards once per process; returns the output directory. */
export function buildGuards() {
  built ??= (async () => {
    const files = await listTs(GUARDS_SRC);
    const hash = createHash('sha256');
    /** @type {Array<[string, string]>} */
    const sources = [];
    for (const f of files) {
      const src = await readFile(f, 'utf8');
      hash.update(relative(GUARDS_SRC, f)).update('\0').update(src).update('\0');
      sources.push([f, src]);
    }
    const outDir = join(os.tmpdir(), `keel-guards-${hash.digest('hex').slice(0, 16)}`);
    if (existsSync(join(outDir, '.complete'))) return outDir;
    const ts = (await import('typescript')).default;
    for (const [f, src] of sources) {
      const js = ts.transpileModule(src, {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
        fileName: f,
      }).outputText;
      const target = join(outDir, relative(GUARDS_SRC, f)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, js);
    }
    await writeFile(join(outDir, 'package.json'), '{"type":"module"}\n');
    await writeFile(join(outDir, '.complete'), '');
    return outDir;
  })();
  return built;
}

/**
 * Import a module of src/guards by its path relative to src/guards, with .js suffix
 * (e.g. `injection/features.js`).
 * @param {string} rel
 */
export async function importGuard(rel) {
  const dir = await buildGuards();
  return import(pathToFileURL(join(dir, rel)).href);
}

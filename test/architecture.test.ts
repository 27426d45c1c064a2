import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Layers only point down: a file under one row of docs/ARCHITECTURE.md's layer table may import
 * (statically, dynamically or as a type) only from its own row or rows below it. The table is the
 * one declaration of the order, so the doc cannot drift from the code.
 */
const root = resolve(import.meta.dirname, '..');

/** Rows of the "## Layers" table, top to bottom; each row's first cell lists its paths in backticks. */
function readLayers(markdown: string): string[][] {
  const section = markdown.split(/^## Layers\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows: string[][] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|');
    if (cells.length < 3) continue;
    const paths = [...(cells[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => (m[1] ?? '').replace(/\/$/, ''));
    const inSrc = paths.filter((p) => p.startsWith('src/'));
    if (inSrc.length > 0) rows.push(inSrc);
  }
  return rows;
}

/** The row index of a file: the longest table path that is the file or a folder holding it. */
function layerOf(file: string, layers: string[][]): number {
  let best = -1;
  let bestLength = -1;
  layers.forEach((paths, i) => {
    for (const p of paths) {
      if ((file === p || file.startsWith(`${p}/`)) && p.length > bestLength) {
        best = i;
        bestLength = p.length;
      }
    }
  });
  return best;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    // Tests and testkits are not shipped (tsconfig.build.json leaves them out): they may assemble a
    // layer together with its callers.
    else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && e.name !== 'testkit.ts') out.push(p);
  }
  return out;
}

/** Where a relative specifier lands, as a path like `src/store/db.ts` (`.js` written for `.ts`). */
function target(fromFile: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  return relative(root, resolve(dirname(join(root, fromFile)), specifier)).replace(/\.js$/, '.ts');
}

interface SourceImport {
  line: number;
  specifier: string;
  to: string;
}

/** Every shipped source file with the files its relative imports (static, dynamic, type) land on. */
function readImports(): Map<string, SourceImport[]> {
  const out = new Map<string, SourceImport[]>();
  for (const abs of sourceFiles(join(root, 'src'))) {
    const file = relative(root, abs);
    const text = readFileSync(abs, 'utf8');
    const found: SourceImport[] = [];
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const to = target(file, ref.fileName);
      if (to) found.push({ line: text.slice(0, ref.pos).split('\n').length, specifier: ref.fileName, to });
    }
    out.set(file, found);
  }
  return out;
}

function violations(layers: string[][], imports: Map<string, SourceImport[]>) {
  const upward: string[] = [];
  const outside: string[] = [];
  for (const [file, found] of imports) {
    const own = layerOf(file, layers);
    if (own < 0) {
      outside.push(file);
      continue;
    }
    for (const i of found) {
      const theirs = layerOf(i.to, layers);
      if (theirs >= 0 && theirs < own)
        upward.push(`${file}:${i.line} (${layers[own]?.join(', ')}) imports ${i.specifier}`);
    }
  }
  return { upward, outside };
}

describe('architecture', () => {
  const layers = readLayers(readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8'));
  const imports = readImports();

  it('reads the layer table of docs/ARCHITECTURE.md', () => {
    expect(layers.length).toBeGreaterThan(10);
    expect(layers.flat()).toContain('src/store');
  });

  it('finds upward imports when the order is turned around', () => {
    expect(violations([...layers].reverse(), imports).upward.length).toBeGreaterThan(0);
  });

  it('places every source file in a row of the table', () => {
    expect(violations(layers, imports).outside).toEqual([]);
  });

  it('has no import from a lower row to a higher one', () => {
    expect(violations(layers, imports).upward).toEqual([]);
  });
});

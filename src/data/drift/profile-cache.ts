import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ColumnKind } from '../datasets/table.js';
import type { DriftProfile } from './run.js';
import type { ColumnSample, Key } from './samples.js';

/**
 * A reference profile on disk: every column's cleaned, sorted sample (numeric) or value counts
 * (categorical), so drift against a registered version needs neither the original file nor a
 * re-sort. File: "KDP1", u32 header length, JSON header, zero padding to 8 bytes, then the float64
 * samples back to back. Files are named by the version's SHA-256, so they never go stale.
 */

const MAGIC = 'KDP1';

interface HeaderColumn {
  name: string;
  dtype: ColumnKind;
  rawUnique: number;
  n: number;
  unique: number;
  std: number | null;
  kind: 'numeric' | 'categorical';
  integer?: boolean;
  /** Index (in float64s) of the sample in the data block. */
  offset?: number;
  counts?: [Key, number][];
}

function encodeDriftProfile(p: DriftProfile): Buffer {
  const cols: HeaderColumn[] = [];
  const blocks: Float64Array[] = [];
  let offset = 0;
  for (const c of p.columns.values()) {
    const h: HeaderColumn = {
      name: c.name,
      dtype: c.dtype,
      rawUnique: c.rawUnique,
      n: c.n,
      unique: c.unique,
      std: Number.isNaN(c.std) ? null : c.std,
      kind: c.sample.kind,
    };
    if (c.sample.kind === 'numeric') {
      h.integer = c.sample.integer;
      h.offset = offset;
      blocks.push(c.sample.sorted);
      offset += c.sample.sorted.length;
    } else h.counts = [...c.sample.counts.entries()];
    cols.push(h);
  }
  const header = Buffer.from(JSON.stringify({ rows: p.rows, columns: cols }), 'utf8');
  const headEnd = 8 + header.length;
  const dataStart = Math.ceil(headEnd / 8) * 8;
  const out = Buffer.alloc(dataStart + offset * 8);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  let pos = dataStart;
  for (const b of blocks) {
    Buffer.from(b.buffer, b.byteOffset, b.byteLength).copy(out, pos);
    pos += b.byteLength;
  }
  return out;
}

function decodeDriftProfile(buf: Buffer): DriftProfile {
  if (buf.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a Keel drift profile');
  const len = buf.readUInt32LE(4);
  const head = JSON.parse(buf.toString('utf8', 8, 8 + len)) as { rows: number; columns: HeaderColumn[] };
  const dataStart = Math.ceil((8 + len) / 8) * 8;
  // Copy once into an aligned buffer; each column then views its slice without further copies.
  const data = new Float64Array(buf.buffer.slice(buf.byteOffset + dataStart, buf.byteOffset + buf.length));
  const columns = new Map<string, ColumnSample>();
  for (const h of head.columns) {
    const sample: ColumnSample['sample'] =
      h.kind === 'numeric'
        ? {
            kind: 'numeric',
            sorted: data.subarray(h.offset ?? 0, (h.offset ?? 0) + h.n),
            integer: h.integer ?? false,
          }
        : { kind: 'categorical', counts: new Map(h.counts ?? []), n: h.n };
    columns.set(h.name, {
      name: h.name,
      dtype: h.dtype,
      rawUnique: h.rawUnique,
      n: h.n,
      unique: h.unique,
      std: h.std ?? Number.NaN,
      sample,
    });
  }
  return { rows: head.rows, columns };
}

function profilePath(dir: string, sha256: string): string {
  return path.join(dir, 'profiles', `${sha256}.kdp`);
}

export async function saveDriftProfile(dir: string, sha256: string, p: DriftProfile): Promise<string> {
  const file = profilePath(dir, sha256);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, encodeDriftProfile(p));
  await rename(tmp, file);
  return file;
}

export async function loadDriftProfile(dir: string, sha256: string): Promise<DriftProfile | null> {
  try {
    return decodeDriftProfile(await readFile(profilePath(dir, sha256)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

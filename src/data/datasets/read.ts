import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ColumnBuilder, MAX_COLUMNS, tooManyColumns } from './builder.js';
import { CsvReader } from './csv.js';
import type { Table } from './table.js';

type DataFormat = 'csv' | 'tsv' | 'jsonl';

export interface ReadResult {
  table: Table;
  /** SHA-256 hex of the file's bytes: the content address of a dataset version. */
  sha256: string;
  bytes: number;
  format: DataFormat;
  /** File modification time, epoch ms. */
  mtimeMs: number;
}

const CHUNK = 4 * 1024 * 1024;

export function formatOf(file: string, explicit?: string): DataFormat {
  const f = (explicit ?? path.extname(file).slice(1)).toLowerCase();
  if (f === 'csv' || f === 'txt' || f === '') return 'csv';
  if (f === 'tsv' || f === 'tab') return 'tsv';
  if (f === 'jsonl' || f === 'ndjson' || f === 'json') return 'jsonl';
  if (f === 'parquet')
    throw new Error(
      'Parquet is not supported yet (no maintained pure-JS reader is bundled); convert to CSV or JSON lines.',
    );
  throw new Error(`unknown data format ".${f}": use csv, tsv or jsonl`);
}

/**
 * Read a dataset file into a typed table while hashing it, in one streaming pass with bounded
 * buffering (4 MiB chunks).
 */
export async function readTable(file: string, opts: { format?: string } = {}): Promise<ReadResult> {
  const format = formatOf(file, opts.format);
  const info = await stat(file);
  const hash = createHash('sha256');
  const sink =
    format === 'jsonl' ? new JsonLinesReader() : new CsvReader({ delimiter: format === 'tsv' ? '\t' : ',' });
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) {
    const b = chunk as Buffer;
    hash.update(b);
    sink.push(b);
  }
  return {
    table: sink.finish(),
    sha256: hash.digest('hex'),
    bytes: info.size,
    format,
    mtimeMs: info.mtimeMs,
  };
}

/**
 * JSON lines: one object per line; keys become columns in first-seen order (a key first seen late
 * is null for the earlier rows). JSON strings stay text even when they look numeric; nested values
 * are kept as their JSON text.
 */
class JsonLinesReader {
  private carry = '';
  private readonly builders = new Map<string, ColumnBuilder>();
  private rows = 0;
  private line = 0;
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Buffer): void {
    const text = this.carry + this.decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.carry = lines.pop() ?? '';
    for (const l of lines) this.row(l);
  }

  finish(): Table {
    const rest = this.carry + this.decoder.decode();
    this.carry = '';
    if (rest.trim()) this.row(rest);
    return { rows: this.rows, columns: [...this.builders.values()].map((b) => b.finish(this.rows)) };
  }

  private row(raw: string): void {
    this.line++;
    const l = this.line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!l.trim()) return;
    let obj: unknown;
    try {
      obj = JSON.parse(l);
    } catch {
      throw new Error(`line ${this.line}: not valid JSON`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw new Error(`line ${this.line}: expected a JSON object`);
    for (const [k, v] of Object.entries(obj)) {
      let b = this.builders.get(k);
      if (!b) {
        if (this.builders.size >= MAX_COLUMNS) throw tooManyColumns(this.line, this.builders.size + 1);
        b = new ColumnBuilder(k);
        for (let i = 0; i < this.rows; i++) b.pushNull();
        this.builders.set(k, b);
      }
      if (v === null || v === undefined) b.pushNull();
      else if (typeof v === 'number') b.pushNumber(v, Number.isInteger(v));
      else if (typeof v === 'boolean') b.pushBool(v);
      else if (typeof v === 'string') b.pushString(v);
      else b.pushString(JSON.stringify(v));
    }
    this.rows++;
    for (const b of this.builders.values()) if (b.length < this.rows) b.pushNull();
  }
}

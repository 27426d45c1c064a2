import { ColumnBuilder, MAX_COLUMNS, tooManyColumns } from './builder.js';
import type { Table } from './table.js';

/**
 * Streaming RFC 4180 reader: bytes in, typed columns out. Records are tokenised into field offsets
 * and only committed to the column builders once their terminator is seen, so a record split across
 * two chunks is simply re-scanned from its start with the next chunk appended. Quoted fields (with
 * "" escapes and embedded newlines) are decoded to text; unquoted ones are parsed from the bytes.
 * Blank lines are skipped and a UTF-8 byte-order mark is dropped, as pandas does.
 *
 * Hand-written rather than csv-parse because parsing numbers straight from the bytes is what keeps
 * drift on large files fast: on 35 MB (200k rows × 20 columns) this reader builds typed columns in
 * ~2.3 s, while csv-parse alone needs ~6 s just to split the same bytes into strings.
 */
export class CsvReader {
  private readonly delimiter: number;
  private carry: Buffer = Buffer.alloc(0);
  private header: string[] | null = null;
  private builders: ColumnBuilder[] = [];
  private rows = 0;
  private line = 1;
  private first = true;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly texts: (string | undefined)[] = [];

  constructor(opts: { delimiter?: string } = {}) {
    this.delimiter = (opts.delimiter ?? ',').charCodeAt(0);
  }

  push(chunk: Buffer): void {
    let buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    if (this.first) {
      this.first = false;
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    const consumed = this.scan(buf, false);
    this.carry = consumed < buf.length ? Buffer.from(buf.subarray(consumed)) : Buffer.alloc(0);
  }

  /** Flush the last record (no trailing newline) and build the table. */
  finish(): Table {
    if (this.carry.length) this.scan(this.carry, true);
    this.carry = Buffer.alloc(0);
    if (!this.header) return { columns: [], rows: 0 };
    return { rows: this.rows, columns: this.builders.map((b) => b.finish(this.rows)) };
  }

  /** Tokenise complete records in `buf`; returns the offset of the first unconsumed byte. */
  private scan(buf: Buffer, final: boolean): number {
    const d = this.delimiter;
    const len = buf.length;
    let pos = 0;
    let recordStart = 0;
    const starts = this.starts;
    const ends = this.ends;
    const texts = this.texts;
    starts.length = 0;
    ends.length = 0;
    texts.length = 0;
    while (pos <= len) {
      // One field starting at pos.
      if (pos < len && buf[pos] === 34) {
        let i = pos + 1;
        let text = '';
        let segStart = i;
        let closed = false;
        while (i < len) {
          if (buf[i] === 34) {
            if (i + 1 < len && buf[i + 1] === 34) {
              text += buf.toString('utf8', segStart, i + 1);
              i += 2;
              segStart = i;
              continue;
            }
            if (i + 1 >= len && !final) break;
            text += buf.toString('utf8', segStart, i);
            closed = true;
            i++;
            break;
          }
          i++;
        }
        if (!closed) {
          if (!final) return recordStart;
          text += buf.toString('utf8', segStart, len);
          i = len;
        }
        // Anything between the closing quote and the delimiter is kept, as lenient parsers do.
        let j = i;
        while (j < len && buf[j] !== d && buf[j] !== 10 && buf[j] !== 13) j++;
        if (j > i) text += buf.toString('utf8', i, j);
        starts.push(pos);
        ends.push(j);
        texts.push(text);
        pos = j;
      } else {
        let i = pos;
        while (i < len) {
          const c = buf[i];
          if (c === d || c === 10 || c === 13) break;
          i++;
        }
        starts.push(pos);
        ends.push(i);
        texts.push(undefined);
        pos = i;
      }
      // What ends the field?
      if (pos < len && buf[pos] === d) {
        pos++;
        if (pos === len && !final) return recordStart;
        continue;
      }
      if (pos >= len && !final) return recordStart;
      // End of record: newline (\n, \r\n or \r) or end of input.
      if (pos < len && buf[pos] === 13) {
        if (pos + 1 >= len && !final) return recordStart;
        pos += buf[pos + 1] === 10 ? 2 : 1;
      } else if (pos < len) pos++;
      else pos = len + 1;
      this.commit(buf);
      this.line++;
      recordStart = Math.min(pos, len);
      starts.length = 0;
      ends.length = 0;
      texts.length = 0;
    }
    return len;
  }

  private commit(buf: Buffer): void {
    const n = this.starts.length;
    if (n === 1 && this.ends[0] === this.starts[0] && this.texts[0] === undefined) return; // blank line
    if (!this.header) {
      if (n > MAX_COLUMNS) throw tooManyColumns(this.line, n);
      const names: string[] = [];
      for (let i = 0; i < n; i++) {
        const t = this.texts[i] ?? buf.toString('utf8', this.starts[i], this.ends[i]);
        names.push(t.trim() === '' ? `Unnamed: ${i}` : t);
      }
      const seen = new Map<string, number>();
      this.header = names.map((nm) => {
        const k = seen.get(nm) ?? 0;
        seen.set(nm, k + 1);
        return k === 0 ? nm : `${nm}.${k}`;
      });
      this.builders = this.header.map((nm) => new ColumnBuilder(nm));
      return;
    }
    const width = this.builders.length;
    if (n > width) throw new CsvError(`line ${this.line}: expected ${width} fields, saw ${n}`);
    for (let i = 0; i < n; i++) {
      const b = this.builders[i] as ColumnBuilder;
      b.pushBytes(buf, this.starts[i] as number, this.ends[i] as number, this.texts[i]);
    }
    for (let i = n; i < width; i++) (this.builders[i] as ColumnBuilder).pushNull();
    this.rows++;
  }
}

export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

/** Parse a whole CSV held in memory (tests, small uploads). */
export function parseCsv(text: string | Buffer, opts: { delimiter?: string } = {}): Table {
  const r = new CsvReader(opts);
  r.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  return r.finish();
}

import { type Column, type ColumnKind, NULL_TOKENS } from './table.js';

/**
 * Building typed columns from a stream of fields: the number parser and the per-column builder
 * the CSV and JSON-lines readers feed.
 */

/**
 * Profiling costs ~60 µs per column on the event loop (registration runs in-process), so a
 * 100 KB upload of one header row with 50,000 columns held the gateway for seconds. Real datasets
 * stay far below this.
 */
export const MAX_COLUMNS = 1000;

export function tooManyColumns(line: number, n: number): Error {
  return new Error(`line ${line}: ${n} columns; Keel reads at most ${MAX_COLUMNS} columns per dataset`);
}

const BOOL_TOKENS: ReadonlyMap<string, boolean> = new Map([
  ['True', true],
  ['TRUE', true],
  ['true', true],
  ['False', false],
  ['FALSE', false],
  ['false', false],
]);

const NUMERIC_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i);

const INFINITIES: ReadonlyMap<string, number> = new Map([
  ['inf', Number.POSITIVE_INFINITY],
  ['+inf', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['+Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
]);

/** Result of parsing one token as a number: NaN when it is not numeric. */
interface NumberToken {
  value: number;
  integer: boolean;
}

/**
 * Parse the ASCII number in bytes [start, end). Short decimals take an exact fast path (mantissa
 * < 2^53 scaled by an exactly representable power of ten is one correctly rounded operation);
 * anything else goes through Number(), so results always equal JavaScript's own parsing.
 */
function parseNumberBytes(buf: Uint8Array, start: number, end: number, out: NumberToken): boolean {
  let i = start;
  let neg = false;
  const c0 = buf[i];
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let sig = 0;
  let frac = 0;
  let sawDigit = false;
  let integer = true;
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c < 48 || c > 57) break;
    sawDigit = true;
    if (sig > 0 || c !== 48) sig++;
    mant = mant * 10 + (c - 48);
    digits++;
  }
  if (i < end && buf[i] === 46) {
    integer = false;
    i++;
    for (; i < end; i++) {
      const c = buf[i] as number;
      if (c < 48 || c > 57) break;
      sawDigit = true;
      if (sig > 0 || c !== 48) sig++;
      mant = mant * 10 + (c - 48);
      digits++;
      frac++;
    }
  }
  if (!sawDigit) return false;
  let exp = 0;
  if (i < end && (buf[i] === 101 || buf[i] === 69)) {
    integer = false;
    i++;
    let eneg = false;
    if (buf[i] === 45 || buf[i] === 43) {
      eneg = buf[i] === 45;
      i++;
    }
    let edigits = 0;
    for (; i < end; i++) {
      const c = buf[i] as number;
      if (c < 48 || c > 57) break;
      exp = exp * 10 + (c - 48);
      edigits++;
      if (exp > 100000) exp = 100000;
    }
    if (edigits === 0) return false;
    if (eneg) exp = -exp;
  }
  if (i !== end) return false;
  out.integer = integer;
  const scale = exp - frac;
  if (sig <= 15 && digits <= 300 && scale >= -22 && scale <= 22) {
    const v = scale < 0 ? mant / (POW10[-scale] as number) : mant * (POW10[scale] as number);
    out.value = neg ? -v : v;
    return true;
  }
  out.value = Number(latin1(buf, start, end));
  return !Number.isNaN(out.value);
}

export function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
}

/**
 * Accumulates one column while a file streams past. It stays numeric (a growing Float64Array)
 * until a value that is neither a number nor a null token arrives, then switches to dictionary
 * text; numbers seen before the switch become their JavaScript string form, which is the one
 * place a value's original spelling ("1.50") can be lost.
 */
export class ColumnBuilder {
  readonly name: string;
  private mode: 'numeric' | 'text' = 'numeric';
  private nums: Float64Array = new Float64Array(1024);
  private codes: Int32Array | null = null;
  private dict: string[] = [];
  private dictIndex = new Map<string, number>();
  private n = 0;
  private nullCount = 0;
  private nonNull = 0;
  private allInt = true;
  private allBool = true;
  private readonly tok: NumberToken = { value: 0, integer: false };

  constructor(name: string) {
    this.name = name;
  }

  get length(): number {
    return this.n;
  }

  /** A field given as raw bytes (CSV). `text` is supplied when the field needed unquoting. */
  pushBytes(buf: Uint8Array, start: number, end: number, text?: string): void {
    if (this.mode === 'numeric' && text === undefined) {
      if (end > start && parseNumberBytes(buf, start, end, this.tok)) {
        this.pushNumber(this.tok.value, this.tok.integer);
        return;
      }
    }
    this.pushText(text ?? latin1(buf, start, end), text === undefined);
  }

  /** A field given as a JS string. `latin1Encoded` marks text decoded byte-per-char (re-decoded as UTF-8). */
  pushText(raw: string, latin1Encoded = false): void {
    const s = latin1Encoded && /[\x80-\xff]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
    if (NULL_TOKENS.has(s)) {
      this.pushNull();
      return;
    }
    if (this.mode === 'numeric') {
      const inf = INFINITIES.get(s.trim());
      if (inf !== undefined) {
        this.pushNumber(inf, false);
        return;
      }
      if (NUMERIC_TEXT.test(s)) {
        this.pushNumber(Number(s), INTEGER_TEXT.test(s));
        return;
      }
      this.toText();
    }
    this.appendCode(s);
    if (this.allBool && !BOOL_TOKENS.has(s)) this.allBool = false;
  }

  /** A value that is text by type (JSON strings): never parsed as a number or read as null. */
  pushString(s: string): void {
    if (this.mode === 'numeric') this.toText();
    this.appendCode(s);
    this.allBool = false;
  }

  pushNumber(v: number, integer: boolean): void {
    if (this.mode === 'text') {
      this.appendCode(String(v));
      this.allBool = false;
      return;
    }
    if (this.n === this.nums.length) this.nums = grow(this.nums);
    this.nums[this.n++] = v;
    this.nonNull++;
    this.allBool = false;
    if (!integer) this.allInt = false;
  }

  pushBool(v: boolean): void {
    if (this.mode === 'numeric') this.toText();
    this.appendCode(v ? 'True' : 'False');
  }

  pushNull(): void {
    this.nullCount++;
    if (this.mode === 'numeric') {
      if (this.n === this.nums.length) this.nums = grow(this.nums);
      this.nums[this.n++] = Number.NaN;
    } else {
      const codes = this.ensureCodes();
      codes[this.n++] = -1;
    }
  }

  private ensureCodes(): Int32Array {
    let codes = this.codes as Int32Array;
    if (this.n === codes.length) {
      const next = new Int32Array(codes.length * 2);
      next.set(codes);
      this.codes = next;
      codes = next;
    }
    return codes;
  }

  private appendCode(s: string): void {
    let code = this.dictIndex.get(s);
    if (code === undefined) {
      code = this.dict.length;
      this.dict.push(s);
      this.dictIndex.set(s, code);
    }
    const codes = this.ensureCodes();
    codes[this.n++] = code;
    this.nonNull++;
  }

  private toText(): void {
    this.mode = 'text';
    const prior = this.n;
    this.codes = new Int32Array(Math.max(1024, prior * 2));
    const nums = this.nums;
    this.n = 0;
    this.nonNull = 0;
    for (let i = 0; i < prior; i++) {
      const v = nums[i] as number;
      if (Number.isNaN(v)) (this.codes as Int32Array)[this.n++] = -1;
      else this.appendCode(String(v));
    }
    this.allBool = false;
    this.nums = new Float64Array(0);
  }

  /** Pad to `rows` with nulls (short records) and freeze. */
  finish(rows: number): Column {
    while (this.n < rows) this.pushNull();
    if (this.nonNull === 0)
      return {
        name: this.name,
        kind: 'empty',
        length: this.n,
        nulls: this.nullCount,
        values: new Float64Array(this.n).fill(Number.NaN),
      };
    if (this.mode === 'numeric') {
      const kind: ColumnKind = this.allInt && this.nullCount === 0 ? 'int' : 'float';
      return {
        name: this.name,
        kind,
        length: this.n,
        nulls: this.nullCount,
        values: this.nums.slice(0, this.n),
      };
    }
    const kind: ColumnKind = this.allBool && this.nullCount === 0 ? 'bool' : 'string';
    return {
      name: this.name,
      kind,
      length: this.n,
      nulls: this.nullCount,
      codes: (this.codes as Int32Array).slice(0, this.n),
      dict: this.dict,
    };
  }
}

function grow(a: Float64Array): Float64Array {
  const next = new Float64Array(a.length * 2);
  next.set(a);
  return next;
}

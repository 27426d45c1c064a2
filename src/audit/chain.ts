import { createHmac, hash as oneShotHash, timingSafeEqual } from 'node:crypto';

export { maskDetails, maskString } from './mask.js';

/**
 * The hash chain's wire format. An entry's hash is SHA-256 (hex) over the canonical JSON of
 * {action, actor, details, prev_hash, seq, target, ts}: keys sorted, no whitespace, numbers and
 * strings as JSON.stringify writes them (this is RFC 8785 / JCS for the values Keel stores).
 * Changing anything here invalidates every stored chain: it is a format, not an implementation detail.
 */

/** prev_hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export const CHECKPOINT_ALG = 'HMAC-SHA256';

/** The hashed fields of one entry; `details` is already canonical JSON text (as stored). */
interface ChainFields {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  target: string | null;
  details: string;
  prevHash: string;
}

export function sha256Hex(text: string): string {
  return oneShotHash('sha256', text, 'hex');
}

/**
 * Canonical JSON of any JSON-like value. Object keys are sorted by UTF-16 code units, entries whose
 * value is undefined / a function / a symbol are dropped (as JSON.stringify does), non-finite numbers
 * become null, bigints are written as integers, objects with toJSON (Date) are serialised by it.
 * Throws on cycles.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(v: unknown, stack: Set<object>): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return 'null';
  }
  if (v === null) return 'null';
  const withToJson = v as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return write((withToJson.toJSON as () => unknown)(), stack);
  if (stack.has(v)) throw new TypeError('canonicalJson: cyclic structure');
  stack.add(v);
  let out: string;
  if (Array.isArray(v)) {
    out = `[${v.map((x) => write(x, stack)).join(',')}]`;
  } else {
    const obj = v as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(obj).sort()) {
      const x = obj[k];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      parts.push(`${JSON.stringify(k)}:${write(x, stack)}`);
    }
    out = `{${parts.join(',')}}`;
  }
  stack.delete(v);
  return out;
}

/**
 * The canonical serialisation of an entry, built by concatenation because verify runs it a million
 * times: equal to canonicalJson({seq, ts, actor, action, target, details: JSON.parse(details),
 * prev_hash}) whenever `details` is canonical, which the writer guarantees. Hashing the stored
 * details text byte for byte also means any edit to it shows, even one that keeps the JSON equal.
 */
export function entryCanonical(f: ChainFields): string {
  return canonicalEntryText(f.seq, f.ts, f.actor, f.action, f.target, f.details, f.prevHash);
}

/** entryCanonical with positional arguments: the verifier's hot path allocates no field object. */
export function canonicalEntryText(
  seq: number,
  ts: number,
  actor: string,
  action: string,
  target: string | null,
  details: string,
  prevHash: string,
): string {
  return (
    `{"action":${JSON.stringify(action)},"actor":${JSON.stringify(actor)},"details":${details}` +
    `,"prev_hash":${JSON.stringify(prevHash)},"seq":${seq},"target":${target === null ? 'null' : JSON.stringify(target)}` +
    `,"ts":${ts}}`
  );
}

export function entryHash(f: ChainFields): string {
  return sha256Hex(entryCanonical(f));
}

/** What a checkpoint asserts: the chain held `count` entries through `seq`, whose hash is `headHash`. */
interface CheckpointBody {
  seq: number;
  count: number;
  headHash: string;
  /** Epoch ms when the checkpoint was taken. */
  ts: number;
}

export interface Checkpoint extends CheckpointBody {
  /** HMAC-SHA256 hex over checkpointCanonical; null when no signing key was configured. */
  signature: string | null;
  keyId: string | null;
  alg: string | null;
}

export function checkpointCanonical(c: CheckpointBody): string {
  return canonicalJson({ count: c.count, head_hash: c.headHash, seq: c.seq, ts: c.ts });
}

export function signCheckpoint(c: CheckpointBody, key: string): string {
  return createHmac('sha256', key).update(checkpointCanonical(c)).digest('hex');
}

/**
 * Names the key that signed a checkpoint without revealing it (a domain-separated hash prefix), so a
 * verifier can tell "signed with another key" from "forged".
 */
export function signingKeyId(key: string): string {
  return `hmac:${sha256Hex(`keel-audit-signing-key\u0000${key}`).slice(0, 16)}`;
}

export function makeCheckpoint(body: CheckpointBody, key: string | undefined): Checkpoint {
  if (!key) return { ...body, signature: null, keyId: null, alg: null };
  return { ...body, signature: signCheckpoint(body, key), keyId: signingKeyId(key), alg: CHECKPOINT_ALG };
}

export function signatureValid(c: CheckpointBody, signature: string, key: string): boolean {
  const expected = Buffer.from(signCheckpoint(c, key), 'hex');
  const given = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : null;
  return given !== null && timingSafeEqual(expected, given);
}

/** A checkpoint in the table's snake_case columns (also the checkpoint file's field names). */
export function checkpointRow(c: Checkpoint) {
  return {
    seq: c.seq,
    count: c.count,
    head_hash: c.headHash,
    ts: c.ts,
    signature: c.signature,
    key_id: c.keyId,
    alg: c.alg,
  };
}

/** One line of the checkpoint file (snake_case, like the table). */
export function checkpointLine(c: Checkpoint): string {
  return `${JSON.stringify(checkpointRow(c))}\n`;
}

import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Checkpoint, checkpointLine } from './chain.js';

/**
 * The checkpoint file: one JSON line per checkpoint, appended (O_APPEND, so two processes interleave
 * whole lines) and synced. It lives outside the database, so someone who can only edit the database
 * cannot make the file agree with a rewritten or truncated chain.
 */
export async function appendCheckpointLines(file: string, checkpoints: Checkpoint[]): Promise<void> {
  if (checkpoints.length === 0) return;
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const fh = await open(file, 'a', 0o600);
  try {
    await fh.write(checkpoints.map(checkpointLine).join(''));
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

interface FileCheckpoints {
  checkpoints: Checkpoint[];
  /** Lines that are not a well-formed checkpoint (1-based line numbers). */
  badLines: Array<{ line: number; reason: string }>;
  missing: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;

export async function readCheckpointFile(file: string): Promise<FileCheckpoints> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      return { checkpoints: [], badLines: [], missing: true };
    throw e;
  }
  const checkpoints: Checkpoint[] = [];
  const badLines: FileCheckpoints['badLines'] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? '';
    if (line === '') continue;
    const c = parseLine(line);
    if (typeof c === 'string') badLines.push({ line: i + 1, reason: c });
    else checkpoints.push(c);
  }
  return { checkpoints, badLines, missing: false };
}

function parseLine(line: string): Checkpoint | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (v === null || typeof v !== 'object') return 'not an object';
  const o = v as Record<string, unknown>;
  const int = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  const strOrNull = (x: unknown) => x === null || x === undefined || typeof x === 'string';
  if (!int(o.seq) || !int(o.count) || !int(o.ts)) return 'seq, count and ts must be non-negative integers';
  if (typeof o.head_hash !== 'string' || !HEX64.test(o.head_hash))
    return 'head_hash must be 64 hex characters';
  if (!strOrNull(o.signature) || !strOrNull(o.key_id) || !strOrNull(o.alg))
    return 'signature, key_id, alg must be strings or null';
  return {
    seq: o.seq as number,
    count: o.count as number,
    headHash: o.head_hash,
    ts: o.ts as number,
    signature: (o.signature as string | null | undefined) ?? null,
    keyId: (o.key_id as string | null | undefined) ?? null,
    alg: (o.alg as string | null | undefined) ?? null,
  };
}

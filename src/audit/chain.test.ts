import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_ALG,
  canonicalJson,
  checkpointCanonical,
  checkpointLine,
  entryCanonical,
  entryHash,
  GENESIS_HASH,
  makeCheckpoint,
  signatureValid,
  signCheckpoint,
  signingKeyId,
} from './chain.js';

const KEY = 'test-signing-key-0123456789abcdef';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('writes numbers and strings as JSON does, and normalises the rest', () => {
    expect(
      canonicalJson({ n: 1.5, z: -0, big: 10n, e: 1e21, inf: Number.POSITIVE_INFINITY, nan: Number.NaN }),
    ).toBe('{"big":10,"e":1e+21,"inf":null,"n":1.5,"nan":null,"z":0}');
    expect(
      canonicalJson({ s: 'ü"\n\u2028', u: undefined, f: () => 1, d: new Date(0), arr: [undefined] }),
    ).toBe('{"arr":[null],"d":"1970-01-01T00:00:00.000Z","s":"ü\\"\\n\u2028"}');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson([true, false])).toBe('[true,false]');
  });

  it('is independent of insertion order', () => {
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('refuses cycles', () => {
    const o: Record<string, unknown> = {};
    o.o = o;
    expect(() => canonicalJson(o)).toThrow(/cyclic/);
    // A shared (not cyclic) object is fine.
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('entry hash', () => {
  const entry = {
    seq: 1,
    ts: 1_790_000_000_000,
    actor: 'admin:root',
    action: 'key.create',
    target: 'key_1',
    details: canonicalJson({ n: 1.5, after: { name: 'ünïcode "q"' } }),
    prevHash: GENESIS_HASH,
  };

  it('is SHA-256 over the canonical JSON of {seq, ts, actor, action, target, details, prev_hash}', () => {
    const viaGeneric = canonicalJson({
      seq: entry.seq,
      ts: entry.ts,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      details: JSON.parse(entry.details),
      prev_hash: entry.prevHash,
    });
    expect(entryCanonical(entry)).toBe(viaGeneric);
    expect(entryCanonical({ ...entry, target: null })).toBe(
      canonicalJson({ ...JSON.parse(viaGeneric), target: null }),
    );
  });

  it('matches the pinned vector (the format is part of every stored chain)', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(entryHash(entry)).toBe('c84fdc09f02ae65e8aa6dca17078e920d20147416517d6646ddfaa104413b170');
  });

  it('changes with every field', () => {
    const base = entryHash(entry);
    const variants = [
      { seq: 2 },
      { ts: entry.ts + 1 },
      { actor: 'admin:roo' },
      { action: 'key.created' },
      { target: null },
      { details: '{"n":1.5}' },
      { prevHash: `1${GENESIS_HASH.slice(1)}` },
    ];
    for (const v of variants) expect(entryHash({ ...entry, ...v })).not.toBe(base);
  });
});

describe('checkpoints', () => {
  const body = { seq: 10, count: 10, headHash: 'a'.repeat(64), ts: 1_790_000_000_000 };

  it('signs the canonical {count, head_hash, seq, ts} with HMAC-SHA256', () => {
    expect(checkpointCanonical(body)).toBe(
      `{"count":10,"head_hash":"${'a'.repeat(64)}","seq":10,"ts":1790000000000}`,
    );
    expect(signCheckpoint(body, KEY)).toBe(
      'f765dcbd91ed261cb73e702f79ffaf8d83eb08924afc21f1fe1cd35c55bb6f4c',
    );
    const cp = makeCheckpoint(body, KEY);
    expect(cp).toMatchObject({ alg: CHECKPOINT_ALG, keyId: signingKeyId(KEY) });
    expect(signatureValid(cp, cp.signature as string, KEY)).toBe(true);
    expect(signatureValid({ ...cp, count: 11 }, cp.signature as string, KEY)).toBe(false);
    expect(signatureValid(cp, cp.signature as string, `${KEY}x`)).toBe(false);
    expect(signatureValid(cp, 'not hex', KEY)).toBe(false);
  });

  it('is unsigned without a key, and its key id does not reveal the key', () => {
    expect(makeCheckpoint(body, undefined)).toEqual({ ...body, signature: null, keyId: null, alg: null });
    expect(signingKeyId(KEY)).toMatch(/^hmac:[0-9a-f]{16}$/);
    expect(signingKeyId(KEY)).not.toContain(KEY.slice(0, 8));
    expect(signingKeyId(KEY)).not.toBe(signingKeyId(`${KEY}2`));
  });

  it('serialises one JSON line per checkpoint', () => {
    const line = checkpointLine(makeCheckpoint(body, KEY));
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trim()).not.toContain('\n');
    expect(JSON.parse(line)).toMatchObject({
      seq: 10,
      count: 10,
      head_hash: body.headHash,
      alg: 'HMAC-SHA256',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { detectLeak } from './canary/index.js';
import { detectPii } from './pii/index.js';
import { detectSecrets } from './secrets/index.js';
import { createStreamScanner, type StreamUpdate } from './stream.js';

const KEY = `sk-proj-${'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z'.repeat(2)}`;

function run(chunks: string[], lookBehind = 64) {
  const scanner = createStreamScanner({ detectors: [detectSecrets, detectPii], lookBehind });
  const updates: StreamUpdate[] = chunks.map((c) => scanner.push(c));
  updates.push(scanner.end());
  return { scanner, updates };
}

describe('createStreamScanner', () => {
  it('catches an API key split across chunks before releasing any part of it', () => {
    const text = `Sure, here is the config. Use the key ${KEY} in your .env file and restart the service.`;
    const cut1 = text.indexOf(KEY) + 10;
    const cut2 = cut1 + 25;
    const { scanner, updates } = run([text.slice(0, cut1), text.slice(cut1, cut2), text.slice(cut2)]);
    const found = scanner.findings.filter((s) => s.label === 'secret.openai_key');
    expect(found).toHaveLength(1);
    expect(text.slice(found[0]?.start, found[0]?.end)).toBe(KEY);
    // No released text ever contains a piece of the key; the redacted stream is complete.
    const released = updates.map((u) => u.released.text).join('');
    expect(released).toBe(text);
    const redacted = updates.map((u) => u.redacted).join('');
    expect(redacted).toBe(text.replace(KEY, '[REDACTED:secret.openai_key]'));
    expect(updates.some((u) => u.flagged)).toBe(true);
  });

  it('releases in order, holding back only the look-behind', () => {
    const scanner = createStreamScanner({ detectors: [detectSecrets], lookBehind: 10 });
    const u1 = scanner.push('hello world, this is a harmless answer ');
    expect(u1.released.start).toBe(0);
    expect(u1.released.end).toBe(scanner.received - 10);
    const u2 = scanner.push('that keeps going.');
    expect(u2.released.start).toBe(u1.released.end);
    const end = scanner.end();
    expect(end.released.end).toBe(scanner.received);
    expect(u1.released.text + u2.released.text + end.released.text).toBe(
      'hello world, this is a harmless answer that keeps going.',
    );
  });

  it('works token by token', () => {
    const text = `Your token is ${KEY} — keep it secret.`;
    const chunks = text.match(/.{1,3}/gs) ?? [];
    const { updates } = run(chunks, 48);
    expect(updates.map((u) => u.redacted).join('')).toBe(text.replace(KEY, '[REDACTED:secret.openai_key]'));
  });

  it('reports each finding once, with absolute offsets', () => {
    const text = `mail a@example.com then b@example.com and key ${KEY}.`;
    const { scanner } = run([text.slice(0, 20), text.slice(20, 50), text.slice(50)], 32);
    const labels = scanner.findings.map((s) => `${s.label}:${text.slice(s.start, s.end)}`);
    expect(labels.sort()).toEqual(
      ['pii.email:a@example.com', 'pii.email:b@example.com', `secret.openai_key:${KEY}`].sort(),
    );
  });

  it('bounds the hold: a never-ending private key is released redacted after maxHold', () => {
    const scanner = createStreamScanner({ detectors: [detectSecrets], lookBehind: 16, maxHold: 200 });
    let redacted = scanner.push('-----BEGIN RSA PRIVATE KEY-----\n').redacted;
    for (let i = 0; i < 20; i++) redacted += scanner.push('MIIEowIBAAKCAQEA7bq9c3bGx\n').redacted;
    expect(scanner.releasedUpTo).toBeGreaterThan(0);
    expect(redacted).not.toContain('MIIEow');
    expect(redacted).toContain('[REDACTED:secret.private_key]');
  });

  it('detects a canary leak split across chunks', () => {
    const canary = '[keel-canary:0123456789abcdef01234567]';
    const scanner = createStreamScanner({ detectors: [(t) => detectLeak(t, { canary })], lookBehind: 64 });
    const text = `My hidden marker is ${canary}, sorry.`;
    const mid = text.indexOf('89ab');
    const flagged = [scanner.push(text.slice(0, mid)), scanner.push(text.slice(mid)), scanner.end()].some(
      (u) => u.flagged,
    );
    expect(flagged).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { createStreamScanner } from '../stream.js';
import { canaryFor, detectLeak, MAX_CORE, promptSecrets } from './index.js';

const KEY = 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z';
const SYSTEM = `You are the billing assistant. Internal API key: ${KEY}`;

describe('secrets of the system prompt', () => {
  it('finds the system prompt’s secrets once, and none in a prompt without any (or in its canary)', () => {
    const s = promptSecrets(SYSTEM);
    expect(s.cores).toEqual([KEY.replace(/-/g, '').toLowerCase()]);
    expect(promptSecrets(SYSTEM)).toBe(s); // cached per distinct prompt
    expect(promptSecrets('You are the billing assistant.').cores).toEqual([]);
    const plain = 'You are the billing assistant. Be brief.';
    expect(promptSecrets(`${plain}\n\n${canaryFor(plain)}`).cores).toEqual([]);
    expect(promptSecrets(`${SYSTEM}\n\n${canaryFor(SYSTEM)}`).cores).toHaveLength(1);
  });

  it('flags the value verbatim, re-cased, or split by spaces and dashes, with its position', () => {
    const secrets = promptSecrets(SYSTEM);
    const squeezed = KEY.replace(/-/g, '');
    for (const [output, copy] of [
      [`Sure: ${KEY}.`, KEY],
      [`key ${KEY.toUpperCase()} ok`, KEY.toUpperCase()],
      [`in groups: ${squeezed.match(/.{1,4}/g)?.join('-')}!`, squeezed.match(/.{1,4}/g)?.join('-') ?? ''],
      [
        `spaced ${squeezed.slice(0, 10)} ${squeezed.slice(10)} end`,
        `${squeezed.slice(0, 10)} ${squeezed.slice(10)}`,
      ],
    ] as const) {
      const r = detectLeak(output, { secrets });
      expect(r.labels, output).toEqual(['leak.secret']);
      const span = r.spans[0];
      expect(output.slice(span?.start, span?.end)).toBe(copy);
    }
  });

  it('does not fire on part of the value, another key or ordinary text', () => {
    const secrets = promptSecrets(SYSTEM);
    for (const output of [
      `The key starts with ${KEY.slice(0, 20)}…`,
      'Use sk-proj-Zz9yXx8wVv7uTt6sSr5qQp4oOn3mMl2k instead.',
      'I cannot share internal credentials.',
    ])
      expect(detectLeak(output, { secrets }).flagged, output).toBe(false);
  });

  it('matches a value longer than the stream look-behind by its first characters, in a stream too', () => {
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7'.repeat(12);
    const pem = `-----BEGIN PRIVATE KEY-----\n${body.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----`;
    const secrets = promptSecrets(`Sign requests with:\n${pem}`);
    expect(secrets.cores[0]).toHaveLength(MAX_CORE);
    // The model starts copying the key and is cut off: its first 200 characters are enough.
    const answer = `Here you go:\n${pem.slice(0, 260)}`;
    expect(detectLeak(answer, { secrets }).labels).toEqual(['leak.secret']);
    const scanner = createStreamScanner({ detectors: [(t) => detectLeak(t, { secrets })], lookBehind: 256 });
    let released = '';
    const found: string[] = [];
    for (let i = 0; i < answer.length; i += 7) {
      const u = scanner.push(answer.slice(i, i + 7));
      released += u.redacted;
      found.push(...u.spans.map((s) => s.label));
    }
    const last = scanner.end();
    released += last.redacted;
    found.push(...last.spans.map((s) => s.label));
    expect(found).toContain('leak.secret');
    expect(released).not.toContain(pem.slice(27, 27 + 120));
  });
});

import { describe, expect, it } from 'vitest';
import { caller, toolCall } from '../testkit.js';
import type { McpRefusal } from '../types.js';
import { screenCallArguments } from './arguments.js';

const KEY = 'sk-proj-abcDEF1234567890abcDEF1234567890abcDEF12';
const args = () => ({ to: 'ops', body: { text: `use ${KEY} for the import`, tags: ['a', `token=${KEY}`] } });

describe('secrets in tool arguments', () => {
  it('blocks by default, naming labels and paths but not the secret', () => {
    const call = toolCall(caller(null), 'mail__send', args());
    let refused: McpRefusal | undefined;
    try {
      screenCallArguments(call, 'block');
    } catch (e) {
      refused = e as McpRefusal;
    }
    expect(refused?.code).toBe('secret_detected');
    expect(refused?.data).toMatchObject({
      labels: ['secret.openai_key'],
      paths: ['/body/text', '/body/tags/1'],
    });
    expect(JSON.stringify([refused?.message, refused?.data])).not.toContain(KEY);
  });

  it('masks: the upstream gets the arguments with the secret redacted, and a finding is noted', () => {
    const original = args();
    const call = toolCall(caller(null), 'mail__send', original);
    screenCallArguments(call, 'mask');
    expect(JSON.stringify(call.arguments)).not.toContain(KEY);
    expect(call.arguments).toEqual({
      to: 'ops',
      body: {
        text: 'use [REDACTED:secret.openai_key] for the import',
        tags: ['a', 'token=[REDACTED:secret.openai_key]'],
      },
    });
    expect(JSON.stringify(original)).toContain(KEY); // the agent's own object is not rewritten
    expect(call.findings).toEqual(['argument_secret:masked:secret.openai_key']);
  });

  it('flags without changing anything, and lets clean or unscreened arguments pass untouched', () => {
    const flagged = toolCall(caller(null), 'mail__send', args());
    const before = flagged.arguments;
    screenCallArguments(flagged, 'flag');
    expect(flagged.arguments).toBe(before);
    expect(flagged.findings).toEqual(['argument_secret:flagged:secret.openai_key']);

    const clean = toolCall(caller(null), 'fs__read', {
      path: '/srv/reports/q3.csv',
      id: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    });
    screenCallArguments(clean, 'block');
    expect(clean.findings).toEqual([]);

    const off = toolCall(caller(null), 'mail__send', args());
    screenCallArguments(off, 'off');
    expect(off.findings).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { detectPii } from './pii/index.js';
import { createStreamUnmasker, MaskSession, mask, mergeSpans, redact, unmask } from './redact.js';

const TEXT = 'Charge card 4111 1111 1111 1111 and mail jane@example.com, then mail jane@example.com again.';

describe('redact', () => {
  it('replaces spans with [REDACTED:label]', () => {
    const spans = detectPii(TEXT).spans;
    expect(redact(TEXT, spans)).toBe(
      'Charge card [REDACTED:pii.payment_card] and mail [REDACTED:pii.email], then mail [REDACTED:pii.email] again.',
    );
  });

  it('merges overlapping spans and leaves text without spans untouched', () => {
    expect(
      mergeSpans([
        { start: 5, end: 10, label: 'a' },
        { start: 0, end: 6, label: 'b' },
        { start: 12, end: 14, label: 'c' },
      ]),
    ).toEqual([
      { start: 0, end: 10, label: 'b' },
      { start: 12, end: 14, label: 'c' },
    ]);
    expect(redact('abc', [])).toBe('abc');
    expect(redact('0123456789', [{ start: 2, end: 4, label: 'x' }], { replacement: () => '*' })).toBe(
      '01*456789',
    );
  });
});

describe('mask / unmask', () => {
  it('masks with numbered placeholders, reusing one for a repeated value, and restores them', () => {
    const { text, restore } = mask(TEXT, detectPii(TEXT).spans);
    expect(text).toBe(
      'Charge card <PII_PAYMENT_CARD_1> and mail <PII_EMAIL_1>, then mail <PII_EMAIL_1> again.',
    );
    expect(restore.get('<PII_PAYMENT_CARD_1>')).toBe('4111 1111 1111 1111');
    expect(unmask(text, restore)).toBe(TEXT);
  });

  it('restores placeholders a model echoed without brackets, escaped or re-cased', () => {
    const { restore } = mask(TEXT, detectPii(TEXT).spans);
    expect(unmask('Card PII_PAYMENT_CARD_1 was charged.', restore)).toBe(
      'Card 4111 1111 1111 1111 was charged.',
    );
    expect(unmask('Mail &lt;PII_EMAIL_1&gt; or \\<pii_email_1\\>.', restore)).toBe(
      'Mail jane@example.com or jane@example.com.',
    );
    expect(unmask('Unknown <PII_EMAIL_7> and item_1 stay.', restore)).toBe(
      'Unknown <PII_EMAIL_7> and item_1 stay.',
    );
  });

  it('shares numbering across the messages of one session', () => {
    const session = new MaskSession();
    const a = mask('a@example.com', [{ start: 0, end: 13, label: 'pii.email' }], session);
    const b = mask(
      'b@example.com and a@example.com',
      [
        { start: 0, end: 13, label: 'pii.email' },
        { start: 18, end: 31, label: 'pii.email' },
      ],
      session,
    );
    expect(a.text).toBe('<PII_EMAIL_1>');
    expect(b.text).toBe('<PII_EMAIL_2> and <PII_EMAIL_1>');
    expect(session.restore.size).toBe(2);
  });

  it('restores a placeholder split across stream chunks', () => {
    const { restore } = mask(TEXT, detectPii(TEXT).spans);
    const u = createStreamUnmasker(restore);
    const chunks = ['Your card <PII_PAY', 'MENT_CA', 'RD_1> is on file; we wrote to PII_EM', 'AIL_1 today.'];
    const out = chunks.map((c) => u.push(c)).join('') + u.end();
    expect(out).toBe('Your card 4111 1111 1111 1111 is on file; we wrote to jane@example.com today.');
  });
});

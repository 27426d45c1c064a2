import { describe, expect, it } from 'vitest';
import { detectPii, isCardNumber, isIban, luhn, type PiiKind, validSsn } from './index.js';

/** The substrings found for one kind. */
function found(text: string, kind: PiiKind): string[] {
  return detectPii(text, { kinds: [kind] }).spans.map((s) => text.slice(s.start, s.end));
}

describe('email', () => {
  it('finds addresses', () => {
    expect(found('Mail john.doe+work@example.co.uk, or ANA@Mail.Example.ORG.', 'email')).toEqual([
      'john.doe+work@example.co.uk',
      'ANA@Mail.Example.ORG',
    ]);
  });

  it('skips look-alikes', () => {
    expect(
      found('icon@2x.png, user@localhost, @scope/pkg, a@b, postgres://u:pw@db.example.com/x', 'email'),
    ).toEqual([]);
  });
});

describe('phone', () => {
  it('finds international and national formats', () => {
    const text =
      'Call +44 20 7946 0958, +1 (415) 555-0132, +4930123456, 0049 30 1234567, (415) 555-0199, 415-555-0100, 020 7946 0958 or 01 23 45 67 89.';
    expect(found(text, 'phone')).toEqual([
      '+44 20 7946 0958',
      '+1 (415) 555-0132',
      '+4930123456',
      '0049 30 1234567',
      '(415) 555-0199',
      '415-555-0100',
      '020 7946 0958',
      '01 23 45 67 89',
    ]);
  });

  it('accepts a bare digit run only after a phone word', () => {
    expect(found('my mobile: 5550132987', 'phone')).toEqual(['5550132987']);
    expect(found('reference 5550132987', 'phone')).toEqual([]);
  });

  it('does not take dates, versions, order numbers or amounts for phones', () => {
    const text =
      'On 2024-01-15 and 15.01.2024 and 01/15/2024 we shipped v1.2.3.4 (build 10.0.19045.3803); order #415-555-0132, invoice no. 020 7946 0958, total 1,234,567.89 and 2019 2020 2021.';
    expect(found(text, 'phone')).toEqual([]);
  });
});

describe('payment cards', () => {
  it('finds Luhn-valid numbers of known issuers, spaced, dashed or plain', () => {
    const text =
      'Visa 4111 1111 1111 1111, MC 5555-5555-5555-4444, Amex 3782 822463 10005, plain 4242424242424242.';
    expect(found(text, 'payment_card')).toEqual([
      '4111 1111 1111 1111',
      '5555-5555-5555-4444',
      '3782 822463 10005',
      '4242424242424242',
    ]);
  });

  it('stops at the card when a CVV or expiry follows', () => {
    expect(found('card 4111 1111 1111 1111 123', 'payment_card')).toEqual(['4111 1111 1111 1111']);
  });

  it('rejects numbers that fail Luhn, unknown issuers and mixed separators', () => {
    expect(luhn('4111111111111112')).toBe(false);
    expect(isCardNumber('1234567812345670')).toBe(false); // Luhn-valid, no issuer starts with 1
    expect(
      found('4111 1111 1111 1112 and 4111-1111 1111-1111 and 9999 9999 9999 9995', 'payment_card'),
    ).toEqual([]);
    expect(found('order 1234567890123456 tracking 00012345678901234567', 'payment_card')).toEqual([]);
  });
});

describe('IBAN', () => {
  it('finds checksum-valid IBANs with or without spaces, any case', () => {
    const text =
      'Pay GB82 WEST 1234 5698 7654 32 or DE89370400440532013000 or fr14 2004 1010 0505 0001 3m02 606.';
    expect(found(text, 'iban')).toEqual([
      'GB82 WEST 1234 5698 7654 32',
      'DE89370400440532013000',
      'fr14 2004 1010 0505 0001 3m02 606',
    ]);
  });

  it('rejects bad checksums and wrong country lengths', () => {
    expect(isIban('GB82WEST12345698765433')).toBe(false);
    expect(isIban('DE8937040044053201300')).toBe(false);
    expect(found('GB82 WEST 1234 5698 7654 33 and XX82WEST12345698765432', 'iban')).toEqual([]);
  });
});

describe('US SSN', () => {
  it('finds dashed SSNs anywhere and bare ones after a context word', () => {
    expect(found('SSN 123-45-6789; my social security number is 123 45 6789; ssn: 123456789', 'ssn')).toEqual(
      ['123-45-6789', '123 45 6789', '123456789'],
    );
  });

  it('rejects never-issued numbers and bare digits without context', () => {
    expect(validSsn('000', '12', '3456')).toBe(false);
    expect(validSsn('666', '12', '3456')).toBe(false);
    expect(validSsn('912', '12', '3456')).toBe(false);
    expect(validSsn('123', '00', '3456')).toBe(false);
    expect(validSsn('123', '45', '0000')).toBe(false);
    expect(found('000-12-3456 666-12-3456 901-23-4567 078-05-1120 and number 123456789', 'ssn')).toEqual([]);
  });
});

describe('IP addresses', () => {
  it('finds IPv4 and IPv6 addresses', () => {
    const text =
      'hosts 192.168.1.10, 8.8.8.8. and 2001:db8::8a2e:370:7334 or fe80::1 or 2001:0db8:85a3:0000:0000:8a2e:0370:7334';
    expect(found(text, 'ip_address')).toEqual([
      '192.168.1.10',
      '8.8.8.8',
      '2001:db8::8a2e:370:7334',
      'fe80::1',
      '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
    ]);
  });

  it('does not take versions, OIDs, times, MACs or C++ scopes for IPs', () => {
    const text =
      'v10.0.0.1, version 1.2.3.4, release 4.4.0.1, OID 1.3.6.1.4.1, 1.2.3.4.5, 256.1.1.1, 01.02.03.04, 12:30:45, 00:1a:2b:3c:4d:5e, std::vector, a::b, localhost 127.0.0.1';
    expect(found(text, 'ip_address')).toEqual([]);
  });
});

describe('secret-bearing fields', () => {
  it('finds the values of password / key / token fields', () => {
    const text =
      'password=hunter2x and {"api_key": "abc123XYZ789"} and client_secret: s3cr3tValue and Authorization: Bearer abc.def.ghi';
    expect(found(text, 'secret_field')).toEqual(['hunter2x', 'abc123XYZ789', 's3cr3tValue', 'abc.def.ghi']);
  });

  it('skips placeholders and prose', () => {
    const text =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} placeholder is the point
      'password=*** token: ${TOKEN} api_key=<your-key> secret: null password: changeme and the key: remember it';
    expect(found(text, 'secret_field')).toEqual([]);
  });
});

describe('detectPii', () => {
  it('reports labels, and a more specific finding wins over an overlapping one', () => {
    const r = detectPii('card 4111 1111 1111 1111, mail a@example.com');
    expect(r.flagged).toBe(true);
    expect(r.score).toBe(1);
    expect(r.labels).toEqual(['pii.payment_card', 'pii.email']);
    expect(detectPii('nothing to see here').flagged).toBe(false);
  });
});

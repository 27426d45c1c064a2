import { describe, expect, it } from 'vitest';
import { detectSecrets, looksRandom, shannonEntropy } from './index.js';

function found(text: string, entropy = true): Array<[string, string]> {
  return detectSecrets(text, { entropy }).spans.map((s) => [s.label, text.slice(s.start, s.end)]);
}

// Fake keys assembled at runtime so the test file itself does not look like it leaks credentials.
const rep = (s: string, n: number) => s.repeat(n).slice(0, n);
const OPENAI = `sk-proj-${rep('Ab3dEf6hIj9kLm2nOp5qRs8t', 48)}`;
const OPENAI_LEGACY = `sk-${rep('Xy7Zw4Vu1Ts8Rq5Po2Nm9Lk', 48)}`;
const ANTHROPIC = `sk-ant-api03-${rep('Qw3Er5Ty7Ui9Op1As2Df4Gh6', 93)}-${rep('Jk', 6)}AA`;
const AWS_ID = `AKIA${'IOSFODNN7EXAMPLE'}`;
const GITHUB = `ghp_${rep('aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0', 36)}`;
const GITHUB_PAT = `github_pat_${rep('11ABCDEFG0abcdefghijkl_', 82)}`;
const SLACK = `xoxb-${'123456789012-1234567890123-'}${rep('AbCdEfGhIjKlMnOpQrStUvWx', 24)}`;
const STRIPE = `sk_live_${rep('4eC39HqLyjWDarjtT1zdp7dc', 24)}`;
const GOOGLE = `AIza${rep('SyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI', 35)}`;

describe('provider keys', () => {
  it.each([
    ['secret.openai_key', OPENAI],
    ['secret.openai_key', OPENAI_LEGACY],
    ['secret.anthropic_key', ANTHROPIC],
    ['secret.aws_access_key', AWS_ID],
    ['secret.github_token', GITHUB],
    ['secret.github_token', GITHUB_PAT],
    ['secret.slack_token', SLACK],
    ['secret.stripe_key', STRIPE],
    ['secret.google_api_key', GOOGLE],
  ])('%s', (label, key) => {
    expect(found(`here is my key: ${key}, keep it safe`, false)).toEqual([[label, key]]);
  });

  it('finds an AWS secret access key only next to its name', () => {
    const secret = `wJalrXUtnFEMI/K7MDENG/bPxRfiCY${'EXAMPLEKEY'}`;
    expect(found(`aws_secret_access_key = ${secret}`, false)).toEqual([['secret.aws_secret_key', secret]]);
    expect(found(`random ${secret.replace(/\//g, 'x')}`, false)).toEqual([]);
  });

  it('does not take look-alikes for keys', () => {
    const text =
      'sk-short, task-force-alpha-bravo-charlie, ghp_short, xoxb-1, AKIA1234, AIzaShort, sk_live_x, the risk-assessment-framework-document';
    expect(found(text)).toEqual([]);
  });
});

describe('JWT', () => {
  const jwt =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

  it('finds a token whose header decodes to JSON with alg/typ', () => {
    expect(found(`Authorization header: ${jwt}`)).toEqual([['secret.jwt', jwt]]);
  });

  it('ignores dotted base64 that is not a JWT header', () => {
    const fake = `eyJub3RhIjoiaGVhZGVyIn0.${'eyJzdWIiOiIxIn0'}.c2ln`;
    expect(found(fake, false)).toEqual([]);
    expect(found('eyJ.abc.def and version eyJabc', false)).toEqual([]);
  });
});

describe('private keys', () => {
  const body = 'MIIEowIBAAKCAQEA7bq9c3bGx\nq2mV0Y9lHk3YbW1\n';
  it('finds a complete PEM block', () => {
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body}-----END RSA PRIVATE KEY-----`;
    expect(found(`key:\n${pem}\ndone`)).toEqual([['secret.private_key', pem]]);
  });

  it('finds a truncated block up to the end of its body', () => {
    const text = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}`;
    expect(found(text)[0]?.[0]).toBe('secret.private_key');
  });

  it('ignores public keys and certificates', () => {
    expect(found('-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----', false)).toEqual([]);
    expect(found('-----BEGIN CERTIFICATE-----\nMIIBIjANBg\n-----END CERTIFICATE-----', false)).toEqual([]);
  });
});

describe('passwords in URLs', () => {
  it('finds the password part only', () => {
    expect(found('DATABASE_URL=postgres://admin:s3cr3tP4ss@db.example.com:5432/app')).toEqual([
      ['secret.url_password', 's3cr3tP4ss'],
    ]);
  });

  it('skips documentation placeholders and URLs without a password', () => {
    expect(
      found(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} placeholder is the point
        'postgres://user:password@localhost/db redis://:${REDIS_PASSWORD}@cache https://user@example.com',
      ),
    ).toEqual([]);
  });
});

describe('high-entropy tokens', () => {
  it('finds random-looking tokens', () => {
    expect(found('token Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hj1 ok')).toEqual([
      ['secret.high_entropy', 'Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hj1'],
    ]);
  });

  it('finds hex secrets only with a secret word before them', () => {
    const hex = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    expect(found(`api_secret=${hex}`)).toEqual([['secret.high_entropy', hex]]);
    expect(found(`sha256 ${hex}`)).toEqual([]);
  });

  it('ignores UUIDs, git SHAs, identifiers, paths and words', () => {
    const text = [
      'id 123e4567-e89b-12d3-a456-426614174000',
      'commit 3f2a9c1e8b7d6f5a4c3b2a1f0e9d8c7b6a5f4e3d',
      'call getUserAccountSettingsById2 or MAX_CONNECTIONS_PER_HOST_DEFAULT',
      'see /usr/local/lib/python3/site-packages/numpy',
      'internationalization and antidisestablishmentarianism',
      'the_quick_brown_fox_jumps_over_the_lazy_dog_42',
    ].join('\n');
    expect(found(text)).toEqual([]);
  });

  it('computes entropy and randomness', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(looksRandom('Zx8Kq2Lm9Pw4Rt7Yv3Nb6Hj1')).toBe(true);
    expect(looksRandom('getUserAccountSettingsById2')).toBe(false);
  });
});

describe('detectSecrets', () => {
  it('prefers the specific label over high entropy for the same characters', () => {
    const r = detectSecrets(`key ${OPENAI}`);
    expect(r.labels).toEqual(['secret.openai_key']);
    expect(r.flagged).toBe(true);
    expect(detectSecrets('hello world').flagged).toBe(false);
  });
});

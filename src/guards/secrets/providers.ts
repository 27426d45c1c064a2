import type { Span } from '../types.js';

/**
 * API keys of common providers, by their documented prefixes and shapes. One scan finds where any
 * prefix occurs; each pattern's regex then runs only from its first possible position — instead of one
 * `includes` and one regex scan per provider over the whole text. Anthropic is listed before OpenAI:
 * both start with `sk-`.
 */
interface KeyPattern {
  label: string;
  re: RegExp;
}

const B = '(?<![A-Za-z0-9_-])';
const E = '(?![A-Za-z0-9_-])';

const P = {
  anthropic: 0,
  openai: 1,
  awsId: 2,
  awsSecret: 3,
  github: 4,
  githubPat: 5,
  gitlab: 6,
  slack: 7,
  slackWebhook: 8,
  stripe: 9,
  google: 10,
  huggingface: 11,
  npm: 12,
  sendgrid: 13,
} as const;

export const KEY_PATTERNS: readonly KeyPattern[] = [
  { label: 'secret.anthropic_key', re: new RegExp(`${B}sk-ant-[A-Za-z0-9_-]{20,200}${E}`, 'g') },
  {
    label: 'secret.openai_key',
    re: new RegExp(`${B}sk-(?!ant-)(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,200}${E}`, 'g'),
  },
  {
    label: 'secret.aws_access_key',
    re: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z2-7]{16}(?![A-Z0-9])/g,
  },
  {
    label: 'secret.aws_secret_key',
    re: /aws.{0,20}?(?:secret|sk).{0,20}?["'=:\s]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
  },
  { label: 'secret.github_token', re: new RegExp(`${B}gh[pousr]_[A-Za-z0-9]{36,255}${E}`, 'g') },
  { label: 'secret.github_token', re: new RegExp(`${B}github_pat_[A-Za-z0-9_]{22,255}${E}`, 'g') },
  { label: 'secret.gitlab_token', re: new RegExp(`${B}glpat-[A-Za-z0-9_-]{20,}${E}`, 'g') },
  { label: 'secret.slack_token', re: new RegExp(`${B}xox[abposr]-[A-Za-z0-9-]{10,250}${E}`, 'g') },
  {
    label: 'secret.slack_webhook',
    re: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9_/-]{20,}/g,
  },
  { label: 'secret.stripe_key', re: new RegExp(`${B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}${E}`, 'g') },
  { label: 'secret.google_api_key', re: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, 'g') },
  { label: 'secret.huggingface_token', re: new RegExp(`${B}hf_[A-Za-z0-9]{30,40}${E}`, 'g') },
  { label: 'secret.npm_token', re: new RegExp(`${B}npm_[A-Za-z0-9]{36}${E}`, 'g') },
  {
    label: 'secret.sendgrid_key',
    re: /(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
  },
];

const AWS_WORD = /aws/i;
/** How far before the trigger character a match may start. */
const BACK = 12;

/**
 * Every place a key prefix could start, in one native regex scan (its first-character set rejects
 * almost every position at once — several times faster than a JS loop over the characters).
 */
const TRIGGER =
  /sk-ant-|sk-|[sr]k_(?:live|test)_|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|hooks\.slack\.com|SG\.|hf_|npm_|A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|PKA|ROA|SCA|Iza)/g;

const TRIGGER_PATTERNS: Record<string, number[]> = {
  'sk-ant-': [P.anthropic],
  'sk-': [P.openai],
  'hooks.slack.com': [P.slackWebhook],
  'SG.': [P.sendgrid],
  hf_: [P.huggingface],
  npm_: [P.npm],
  'glpat-': [P.gitlab],
  github_pat_: [P.githubPat],
  AIza: [P.google],
};

function patternsFor(trigger: string): number[] {
  const known = TRIGGER_PATTERNS[trigger];
  if (known) return known;
  if (trigger.startsWith('gh')) return [P.github];
  if (trigger.startsWith('xox')) return [P.slack];
  if (trigger.endsWith('_')) return [P.stripe];
  return [P.awsId];
}

/** First position (or -1) at which each pattern could match. */
function triggers(text: string): Int32Array {
  const first = new Int32Array(KEY_PATTERNS.length).fill(-1);
  TRIGGER.lastIndex = 0;
  for (let m = TRIGGER.exec(text); m !== null; m = TRIGGER.exec(text)) {
    for (const p of patternsFor(m[0])) if (first[p] === -1) first[p] = Math.max(0, m.index - BACK);
  }
  if (AWS_WORD.test(text)) first[P.awsSecret] = 0;
  return first;
}

export function findProviderKeys(text: string, out: Span[]): void {
  const first = triggers(text);
  for (let p = 0; p < KEY_PATTERNS.length; p++) {
    const from = first[p] as number;
    if (from < 0) continue;
    const { re, label } = KEY_PATTERNS[p] as KeyPattern;
    re.lastIndex = from;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      // Patterns with a capture group report only the captured key (after its context words).
      const value = m[1] ?? m[0];
      const start = m.index + m[0].length - value.length;
      if (!out.some((s) => s.start <= start && start + value.length <= s.end)) {
        out.push({ start, end: start + value.length, label });
      }
    }
  }
}

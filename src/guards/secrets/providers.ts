import type { Span } from '../types.js';

/**
 * API keys of common providers, by their documented prefixes and shapes. Each pattern only runs when
 * its literal prefix occurs in the text (String#includes is far cheaper than a regex scan).
 * Anthropic is checked before OpenAI: both start with `sk-`.
 */
interface KeyPattern {
  label: string;
  /** Literal that every match contains. */
  prefix: string;
  re: RegExp;
}

const B = '(?<![A-Za-z0-9_-])';
const E = '(?![A-Za-z0-9_-])';

export const KEY_PATTERNS: readonly KeyPattern[] = [
  { label: 'secret.anthropic_key', prefix: 'sk-ant-', re: new RegExp(`${B}sk-ant-[A-Za-z0-9_-]{20,200}${E}`, 'g') },
  {
    label: 'secret.openai_key',
    prefix: 'sk-',
    re: new RegExp(`${B}sk-(?!ant-)(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,200}${E}`, 'g'),
  },
  {
    label: 'secret.aws_access_key',
    prefix: 'A',
    re: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z2-7]{16}(?![A-Z0-9])/g,
  },
  {
    label: 'secret.aws_secret_key',
    prefix: 'ws',
    re: /aws.{0,20}?(?:secret|sk).{0,20}?["'=:\s]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
  },
  { label: 'secret.github_token', prefix: 'gh', re: new RegExp(`${B}gh[pousr]_[A-Za-z0-9]{36,255}${E}`, 'g') },
  { label: 'secret.github_token', prefix: 'github_pat_', re: new RegExp(`${B}github_pat_[A-Za-z0-9_]{22,255}${E}`, 'g') },
  { label: 'secret.gitlab_token', prefix: 'glpat-', re: new RegExp(`${B}glpat-[A-Za-z0-9_-]{20,}${E}`, 'g') },
  { label: 'secret.slack_token', prefix: 'xox', re: new RegExp(`${B}xox[abposr]-[A-Za-z0-9-]{10,250}${E}`, 'g') },
  {
    label: 'secret.slack_webhook',
    prefix: 'hooks.slack.com',
    re: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9_/-]{20,}/g,
  },
  { label: 'secret.stripe_key', prefix: '_', re: new RegExp(`${B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}${E}`, 'g') },
  { label: 'secret.google_api_key', prefix: 'AIza', re: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, 'g') },
  { label: 'secret.huggingface_token', prefix: 'hf_', re: new RegExp(`${B}hf_[A-Za-z]{34,40}${E}`, 'g') },
  { label: 'secret.npm_token', prefix: 'npm_', re: new RegExp(`${B}npm_[A-Za-z0-9]{36}${E}`, 'g') },
  { label: 'secret.sendgrid_key', prefix: 'SG.', re: /(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g },
];

export function findProviderKeys(text: string, out: Span[]): void {
  for (const p of KEY_PATTERNS) {
    if (!text.includes(p.prefix)) continue;
    p.re.lastIndex = 0;
    for (let m = p.re.exec(text); m !== null; m = p.re.exec(text)) {
      // Patterns with a capture group report only the captured key (after its context words).
      const value = m[1] ?? m[0];
      const start = m.index + m[0].length - value.length;
      if (!out.some((s) => s.start <= start && start + value.length <= s.end)) {
        out.push({ start, end: start + value.length, label: p.label });
      }
    }
  }
}

import { describe, expect, it } from 'vitest';
import { maskConfig } from '../http/admin/config.js';
import { parseConfig } from './load.js';

const OIDC = {
  issuer: 'https://login.example.com',
  client_id: 'keel',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation, read by parseConfig
  client_secret: '${OIDC_SECRET}',
  redirect_uri: 'https://keel.example.com/auth/callback',
};
const ENV = { OIDC_SECRET: 'the-client-secret' };

function parse(oidc: Record<string, unknown>) {
  return parseConfig({ auth: { oidc: { ...OIDC, ...oidc } } }, ENV);
}

describe('auth.oidc', () => {
  it('is off by default, and fills defaults when set', () => {
    expect(parseConfig({}, {}).auth.oidc).toBeUndefined();
    expect(parse({}).auth.oidc).toEqual({
      ...OIDC,
      client_secret: 'the-client-secret',
      scopes: ['openid', 'profile', 'email'],
      role_claim: 'groups',
      name_claim: 'email',
      roles: { admin: [], operator: [], viewer: [] },
      session_ttl_s: 28_800,
      allow_http_issuer: false,
    });
  });

  it('refuses an http issuer unless allowed, scopes without openid, and another callback path', () => {
    expect(() => parse({ issuer: 'http://login.example.com' })).toThrow(/auth\.oidc\.issuer: must be https/);
    expect(parse({ issuer: 'http://localhost:9000', allow_http_issuer: true }).auth.oidc?.issuer).toBe(
      'http://localhost:9000',
    );
    expect(() => parse({ scopes: ['email'] })).toThrow(/auth\.oidc\.scopes: must include "openid"/);
    expect(() => parse({ redirect_uri: 'https://keel.example.com/callback' })).toThrow(
      /auth\.oidc\.redirect_uri: must end with \/auth\/callback/,
    );
    expect(() => parse({ roles: { owner: ['x'] } })).toThrow(/auth\.oidc\.roles/);
  });

  it('masks the client secret in the config the admin API shows', () => {
    const masked = maskConfig(parse({})) as { auth: { oidc: Record<string, unknown> } };
    expect(masked.auth.oidc.client_secret).toBe('***');
    expect(JSON.stringify(masked)).not.toContain('the-client-secret');
  });
});

import * as oidc from 'openid-client';
import type { PendingLogin } from '../../access/session-store.js';
import { groupsOf } from '../../access/sso-roles.js';
import type { OidcConfig } from '../../config/oidc.js';

/** What the IdP vouched for at a sign-in: the ID token's claims, with userinfo's where it lacked them. */
export interface SignedInClaims {
  issuer: string;
  claims: Record<string, unknown>;
}

export interface OidcClient {
  /** A new sign-in: the values to keep until the callback, and where to send the browser. */
  start(): Promise<{ login: PendingLogin; url: URL }>;
  /** Redeem the callback's code (state, nonce and PKCE checked); throws on any mismatch. */
  finish(callbackSearch: string, login: PendingLogin): Promise<SignedInClaims>;
}

/** Discovery and token calls give up after this long: a hung IdP fails the sign-in, not the process. */
const IDP_TIMEOUT_S = 10;

/**
 * The relying party, on openid-client. The IdP's metadata is discovered on the first sign-in (not at
 * start, so an IdP that is down does not keep Keel from serving /v1 or bearer-token /api) and kept;
 * a failed discovery is tried again on the next sign-in.
 */
export function createOidcClient(config: OidcConfig): OidcClient {
  let discovered: Promise<oidc.Configuration> | null = null;

  function configuration(): Promise<oidc.Configuration> {
    discovered ??= oidc
      .discovery(
        new URL(config.issuer),
        config.client_id,
        config.client_secret,
        config.client_secret ? oidc.ClientSecretBasic(config.client_secret) : oidc.None(),
        { execute: config.allow_http_issuer ? [oidc.allowInsecureRequests] : [], timeout: IDP_TIMEOUT_S },
      )
      .then((c) => {
        c.timeout = IDP_TIMEOUT_S;
        return c;
      });
    discovered.catch(() => {
      discovered = null;
    });
    return discovered;
  }

  return {
    async start() {
      const c = await configuration();
      const login: PendingLogin = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
      };
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: config.redirect_uri,
        scope: config.scopes.join(' '),
        code_challenge: await oidc.calculatePKCECodeChallenge(login.codeVerifier),
        code_challenge_method: 'S256',
        state: login.state,
        nonce: login.nonce,
      });
      return { login, url };
    },

    async finish(callbackSearch, login) {
      const c = await configuration();
      // The redirect URI as registered, not as this request reached Keel (a proxy may have rewritten it).
      const current = new URL(config.redirect_uri);
      current.search = callbackSearch;
      const tokens = await oidc.authorizationCodeGrant(c, current, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error('the IdP sent no ID token');
      const claims: Record<string, unknown> = { ...idClaims };
      // Many IdPs put groups (or the email) only in userinfo; ask there for what the ID token lacks.
      const lacking =
        groupsOf(claims, config.role_claim).length === 0 || claims[config.name_claim] === undefined;
      if (lacking && c.serverMetadata().userinfo_endpoint) {
        const info = await oidc.fetchUserInfo(c, tokens.access_token, idClaims.sub);
        for (const [k, v] of Object.entries(info)) if (claims[k] === undefined) claims[k] = v;
      }
      return { issuer: idClaims.iss, claims };
    },
  };
}

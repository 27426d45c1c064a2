import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestIdp {
  /** http://localhost:<port>: another site than Keel's 127.0.0.1, as a real IdP would be. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/** Test-only client credentials. */
const CLIENT_ID = 'keel-command-room';
const CLIENT_SECRET = 'test-idp-client-secret-0123456789';

/**
 * A real OpenID Connect provider (`oidc-provider`) on an ephemeral port, with its own login and
 * consent pages (devInteractions: any password is accepted) and one confidential client for Keel.
 * Groups are released under the `groups` scope and, as with many IdPs, only through userinfo.
 */
export async function startTestIdp(opts: {
  redirectUri: string;
  users: Record<string, { email: string; groups: string[] }>;
}): Promise<TestIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://localhost:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [opts.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], email: ['email'], groups: ['groups'] },
    scopes: ['openid', 'email', 'groups'],
    findAccount: (_ctx, sub) => {
      const user = opts.users[sub];
      return {
        accountId: sub,
        claims: () => ({ sub, email: user?.email ?? `${sub}@example.test`, groups: user?.groups ?? [] }),
      };
    },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ['test-idp-cookie-key-0123456789'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  // Its own development warnings are not the test's business.
  provider.on('server_error', () => {});
  server.on('request', provider.callback());
  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

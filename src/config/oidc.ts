import { z } from 'zod';

const groups = z.array(z.string().min(1)).default([]);

/**
 * Command Room sign-in with an OpenID Connect identity provider (`auth.oidc`): authorization code
 * with PKCE, the user's groups (from `role_claim`) mapped to an admin role. Absent: only bearer
 * tokens reach /api, as before.
 */
export const oidcSchema = z
  .object({
    /** The IdP's issuer URL; its /.well-known/openid-configuration is read on the first sign-in. */
    issuer: z.url(),
    client_id: z.string().min(1),
    /** Confidential client (client_secret_basic); omit for a public client (PKCE only). Use ${ENV}. */
    client_secret: z.string().min(1).optional(),
    /** Where the IdP sends the browser back: Keel's external URL + /auth/callback, registered at the IdP. */
    redirect_uri: z.url(),
    scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
    /** The ID token or userinfo claim holding the user's groups (a string or a list of strings). */
    role_claim: z.string().min(1).default('groups'),
    /** The claim that names the user in the audit log and the Command Room (falls back to `sub`). */
    name_claim: z.string().min(1).default('email'),
    /** Groups per role; a user gets the highest role any of their groups maps to, or is refused. */
    roles: z
      .object({ admin: groups, operator: groups, viewer: groups })
      .strict()
      .default({ admin: [], operator: [], viewer: [] }),
    /** A session ends this long after sign-in (the user signs in again). */
    session_ttl_s: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(28_800),
    /** Accept an http:// issuer. Only for a local test IdP: tokens would cross the network in clear. */
    allow_http_issuer: z.boolean().default(false),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (!o.scopes.includes('openid'))
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include "openid"' });
    if (new URL(o.issuer).protocol === 'http:' && !o.allow_http_issuer)
      ctx.addIssue({
        code: 'custom',
        path: ['issuer'],
        message: 'must be https (allow_http_issuer: true only for a local test IdP)',
      });
    if (!new URL(o.redirect_uri).pathname.endsWith('/auth/callback'))
      ctx.addIssue({ code: 'custom', path: ['redirect_uri'], message: 'must end with /auth/callback' });
  });

export type OidcConfig = z.infer<typeof oidcSchema>;

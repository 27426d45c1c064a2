import type { AdminRole } from './admin.js';

export interface RoleGroups {
  admin: readonly string[];
  operator: readonly string[];
  viewer: readonly string[];
}

/** What sign-in decided from a user's claims, and why (the audit entry records it). */
export interface RoleDecision {
  /** The highest role any of the user's groups maps to; null: none does, the user is refused. */
  role: AdminRole | null;
  /** The user's groups as read from the claim (at most MAX_GROUPS of them). */
  groups: string[];
  /** The groups that granted `role`. */
  matched: string[];
}

/** Groups read from one claim; an IdP that sends more is cut, the audit entry says how many were read. */
export const MAX_GROUPS = 500;

const ORDER: readonly AdminRole[] = ['admin', 'operator', 'viewer'];

/**
 * The claim's value: the literal claim name first (namespaced claims such as Auth0's
 * `https://example.com/groups` contain dots), else a dotted path into nested objects (Keycloak's
 * `realm_access.roles`). A string is one group; a list keeps its strings; anything else is none.
 */
export function groupsOf(claims: Readonly<Record<string, unknown>>, claim: string): string[] {
  let value: unknown = claims[claim];
  if (value === undefined && claim.includes('.')) {
    value = claims;
    for (const part of claim.split('.')) {
      value =
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? (value as Record<string, unknown>)[part]
          : undefined;
    }
  }
  if (typeof value === 'string') return value ? [value] : [];
  if (!Array.isArray(value)) return [];
  return value.filter((g): g is string => typeof g === 'string' && g.length > 0).slice(0, MAX_GROUPS);
}

/** The role a user's groups map to under `roles` (auth.oidc.roles): the highest that any group grants. */
export function decideRole(
  claims: Readonly<Record<string, unknown>>,
  claim: string,
  roles: RoleGroups,
): RoleDecision {
  const groups = groupsOf(claims, claim);
  const held = new Set(groups);
  for (const role of ORDER) {
    const matched = roles[role].filter((g) => held.has(g));
    if (matched.length > 0) return { role, groups, matched };
  }
  return { role: null, groups, matched: [] };
}

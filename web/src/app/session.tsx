import type { Role, Whoami } from '@keel/api';
import { createContext, useContext } from 'react';
import type { Api } from '../api/client';
import type { Gate } from '../api/routes';

export interface Session {
  api: Api;
  me: Whoami;
  /** Whether the signed-in role includes `role` (viewer < operator < admin), as the API's role table says. */
  can(role: Role): boolean;
  /** Whether a GET of `path` can succeed for this role, from the API's own role table. */
  gate(method: string, path: string): Gate;
  signOut(message?: string): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in session');
  return s;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAllows(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

export function isRole(v: unknown): v is Role {
  return v === 'viewer' || v === 'operator' || v === 'admin';
}

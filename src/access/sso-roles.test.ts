import { describe, expect, it } from 'vitest';
import { decideRole, groupsOf, MAX_GROUPS } from './sso-roles.js';

const ROLES = { admin: ['keel-admins'], operator: ['keel-ops', 'sre'], viewer: ['staff'] };

describe('groups claim', () => {
  it('reads a list, a single string, a namespaced claim and a dotted path', () => {
    expect(groupsOf({ groups: ['a', 'b'] }, 'groups')).toEqual(['a', 'b']);
    expect(groupsOf({ groups: 'a' }, 'groups')).toEqual(['a']);
    expect(groupsOf({ 'https://example.com/groups': ['a'] }, 'https://example.com/groups')).toEqual(['a']);
    expect(groupsOf({ realm_access: { roles: ['r'] } }, 'realm_access.roles')).toEqual(['r']);
  });

  it('reads nothing from missing or non-string values, and at most MAX_GROUPS', () => {
    expect(groupsOf({}, 'groups')).toEqual([]);
    expect(groupsOf({ groups: 7 }, 'groups')).toEqual([]);
    expect(groupsOf({ groups: { a: 1 } }, 'groups')).toEqual([]);
    expect(groupsOf({ groups: ['a', 3, null, '', 'b'] }, 'groups')).toEqual(['a', 'b']);
    expect(groupsOf({ realm_access: ['roles'] }, 'realm_access.roles')).toEqual([]);
    const many = Array.from({ length: MAX_GROUPS + 10 }, (_, i) => `g${i}`);
    expect(groupsOf({ groups: many }, 'groups')).toHaveLength(MAX_GROUPS);
  });
});

describe('role decision', () => {
  it('gives the highest role any group maps to, naming the groups that granted it', () => {
    expect(decideRole({ groups: ['staff', 'sre'] }, 'groups', ROLES)).toEqual({
      role: 'operator',
      groups: ['staff', 'sre'],
      matched: ['sre'],
    });
    expect(decideRole({ groups: ['keel-admins', 'staff'] }, 'groups', ROLES).role).toBe('admin');
    expect(decideRole({ groups: 'staff' }, 'groups', ROLES).role).toBe('viewer');
  });

  it('refuses a user whose groups map to no role, or who has no groups claim', () => {
    expect(decideRole({ groups: ['marketing'] }, 'groups', ROLES)).toEqual({
      role: null,
      groups: ['marketing'],
      matched: [],
    });
    expect(decideRole({ sub: 'x' }, 'groups', ROLES).role).toBeNull();
    // Group names match exactly: no case folding, no prefixes.
    expect(decideRole({ groups: ['Keel-Admins', 'keel-admins-old'] }, 'groups', ROLES).role).toBeNull();
  });
});

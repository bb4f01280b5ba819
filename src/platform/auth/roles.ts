export const ROLES = ['admin', 'analyst', 'responder', 'viewer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * Permissions name a capability, not a route; every route declares exactly one. `read` is the
 * portfolio read access everyone signed in has; writes are split by who does that work.
 */
export const PERMISSIONS = [
  'read',
  'inventory:write',
  'comments:write',
  'incidents:write',
  'audit:read',
  'tokens:manage',
  'users:manage',
  'settings:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  analyst: ['read', 'inventory:write', 'comments:write'],
  responder: ['read', 'comments:write', 'incidents:write'],
  viewer: ['read'],
  auditor: ['read', 'audit:read'],
};

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function grantsOf(role: Role): readonly Permission[] {
  return GRANTS[role];
}

export const ROLES = ['admin', 'analyst', 'responder', 'viewer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles the system gives to principals it creates itself, never to a user or token (isRole and
 * ROLES leave them out): `portal` is a vendor's portal session (see modules/portal).
 */
export type InternalRole = 'portal';
export type ActorRole = Role | InternalRole;

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
  'findings:triage',
  'risks:write',
  // Accepting a risk is a management decision taken by someone other than who asked for it
  // (the service refuses the requester); only admins hold it until a risk-owner role exists.
  'risks:approve',
  'audit:read',
  'tokens:manage',
  'users:manage',
  'settings:write',
  // Create, send, cancel and review assessments; edit questionnaire templates (issue 10).
  'assessments:write',
  // Open and work incidents (status, tasks, participants, evidence), run drills, block indicator
  // domains on the egress blocklist (issue 11).
  'incidents:write',
  // Write playbooks (every save is a new version) and drill schedules.
  'playbooks:write',
  // Ingest egress events, triage destinations (assign, sanction), work egress alerts and edit the
  // ICAP policy (issue 12).
  'egress:write',
  // A vendor's own assessments, answers and files through the portal; held only by the internal
  // portal role, so no user or token can act as a vendor and no portal session reaches anything else.
  'portal',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<ActorRole, readonly Permission[]> = {
  admin: PERMISSIONS.filter((p) => p !== 'portal'),
  analyst: ['read', 'inventory:write', 'comments:write', 'findings:triage', 'risks:write', 'assessments:write', 'incidents:write', 'playbooks:write', 'egress:write'],
  responder: ['read', 'comments:write', 'findings:triage', 'risks:write', 'incidents:write', 'egress:write'],
  viewer: ['read'],
  auditor: ['read', 'audit:read'],
  portal: ['portal'],
};

export function can(role: ActorRole, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function grantsOf(role: ActorRole): readonly Permission[] {
  return GRANTS[role];
}

/**
 * The role a token of `tokenRole` acts with when it belongs to a user whose role is now
 * `userRole`: the role with the most permissions that both grant, so a token never does more than
 * its user currently may (demoting the user narrows their tokens at once). Viewer's `read` is in
 * every role, so there is always one.
 */
export function narrowerRole(tokenRole: Role, userRole: Role): Role {
  const allowed = (role: Role) => GRANTS[role].every((p) => GRANTS[tokenRole].includes(p) && GRANTS[userRole].includes(p));
  return ROLES.filter(allowed).sort((a, b) => GRANTS[b].length - GRANTS[a].length)[0];
}

import type { ActorRole } from './auth/roles.js';

export type ActorType = 'user' | 'token' | 'system' | 'cli' | 'portal';

export interface Actor {
  type: ActorType;
  id: string | null;
  name: string;
  role: ActorRole;
  /** A portal session acts for this vendor only (every portal read and write is scoped to it). */
  vendorId?: string;
}

/** Who is acting and under which request: passed from the edge to every service call. */
export interface RequestContext {
  actor: Actor;
  requestId: string | null;
}

export const systemContext = (name = 'system'): RequestContext => ({
  actor: { type: 'system', id: null, name, role: 'admin' },
  requestId: null,
});

export const cliContext = (): RequestContext => ({
  actor: { type: 'cli', id: null, name: `cli:${process.env.USER ?? 'local'}`, role: 'admin' },
  requestId: null,
});

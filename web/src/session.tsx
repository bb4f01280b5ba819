import { createContext, useContext } from 'react';
import type { Permission, Session } from './types.js';

export interface SessionContextValue {
  session: Session;
  can: (permission: Permission) => boolean;
  signOut: () => void;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in page');
  return value;
}

import { createContext, useContext } from 'react';
import type { Me, Permission } from './api.js';

export const Session = createContext<Me | undefined>(undefined);

/** The user of this page (the shell renders pages only once logged in). */
export function useMe(): Me {
  const me = useContext(Session);
  if (!me) throw new Error('useMe outside a session');
  return me;
}

/** Whether to offer an action: the API decides each request, this only keeps buttons away from those refused. */
export function useCan(permission: Permission): boolean {
  return useMe().permissions.includes(permission);
}

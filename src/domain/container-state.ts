import type { ContainerState } from '../generated/prisma/client.js';

/** design.md §5: the container state machine. COMPLETE and CANCELLED are terminal. */
const NEXT: Record<ContainerState, readonly ContainerState[]> = {
  QUEUED: ['LOCKED', 'CANCELLED'],
  LOCKED: ['QUEUED', 'RUNNING', 'CANCELLED'],
  RUNNING: ['COMPLETE', 'CANCELLED'],
  COMPLETE: [],
  CANCELLED: [],
};

export function canTransition(from: ContainerState, to: ContainerState): boolean {
  return NEXT[from].includes(to);
}

export const isFinal = (s: ContainerState) => s === 'COMPLETE' || s === 'CANCELLED';
/** States in which a dispatcher holds the lock and a generated token may exist. */
export const ACTIVE_STATES: readonly ContainerState[] = ['LOCKED', 'RUNNING'];
export const isActive = (s: ContainerState) => ACTIVE_STATES.includes(s);

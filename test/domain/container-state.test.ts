import { ACTIVE_STATES, canTransition, isActive, isFinal } from '../../src/domain/container-state.js';
import { CONTAINER_MOVES as ALLOWED, CONTAINER_STATES as STATES } from '../helpers/lifecycle.js';

describe('container state machine (design.md §5)', () => {
  const pairs = STATES.flatMap((from) => STATES.map((to) => [from, to] as const));
  test.each(pairs)('%s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(ALLOWED.has(`${from}>${to}`));
  });

  test('COMPLETE and CANCELLED are terminal and final; LOCKED and RUNNING are active', () => {
    for (const s of STATES) {
      expect(isFinal(s)).toBe(s === 'COMPLETE' || s === 'CANCELLED');
      expect(isActive(s)).toBe(s === 'LOCKED' || s === 'RUNNING');
      if (isFinal(s)) expect(STATES.filter((to) => canTransition(s, to))).toEqual([]);
    }
    // The list queries use (src/auth/container-binding.ts) is the predicate's.
    expect([...ACTIVE_STATES].sort()).toEqual(STATES.filter(isActive).sort());
  });
});

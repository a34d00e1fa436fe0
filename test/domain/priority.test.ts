import { requestPriorityValue } from '../../src/domain/priority.js';

describe('request priority value (design.md §3): (priority << 50) - createdAt ms', () => {
  const t = new Date('2024-05-01T12:00:00.123Z');

  test('is exactly the formula, in 64-bit integers', () => {
    expect(requestPriorityValue(1, t)).toBe((1n << 50n) - BigInt(t.getTime()));
    expect(requestPriorityValue(1000, t)).toBe(1000n * 2n ** 50n - BigInt(t.getTime()));
    // Beyond 2^53: still exact as a bigint.
    expect(requestPriorityValue(1000, t) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  test('a higher priority always wins, whatever the creation times', () => {
    const old = new Date(0);
    const far = new Date('2999-12-31T23:59:59.999Z');
    expect(requestPriorityValue(2, far) > requestPriorityValue(1, old)).toBe(true);
    expect(requestPriorityValue(1000, far) > requestPriorityValue(999, old)).toBe(true);
  });

  test('at equal priority the earlier request wins, by one per millisecond', () => {
    const later = new Date(t.getTime() + 1);
    expect(requestPriorityValue(5, t) - requestPriorityValue(5, later)).toBe(1n);
  });

  test('priority 0 gives a non-positive value (never a claim)', () => {
    expect(requestPriorityValue(0, t) <= 0n).toBe(true);
  });
});

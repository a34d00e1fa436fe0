import type { JsonObject } from '../../src/domain/canonical.js';
import {
  checkRuntimeConstraints,
  MAX_BYTES,
  RUNTIME_CONSTRAINT_BOUNDS,
} from '../../src/domain/runtime-constraints.js';
import { rejection } from '../helpers/assert.js';

/** runtimeConstraints holding `value` at `path` (one or two keys deep). */
function at(path: readonly string[], value: unknown): JsonObject {
  return (path.length === 1 ? { [path[0]!]: value } : { [path[0]!]: { [path[1]!]: value } }) as JsonObject;
}

describe('runtime constraint bounds (design.md §3, Validation)', () => {
  test('the documented bounds', () => {
    expect(MAX_BYTES).toBe(2 ** 50);
    expect(Object.fromEntries(RUNTIME_CONSTRAINT_BOUNDS.map(([p, b]) => [p.join('.'), b]))).toEqual({
      vcpus: [1, 1024],
      ram: [1, 2 ** 50],
      keep_cache_ram: [0, 2 ** 50],
      keep_cache_disk: [0, 2 ** 50],
      'cuda.device_count': [0, 1024],
      'gpu.device_count': [0, 1024],
      'gpu.vram': [0, 2 ** 50],
    });
  });

  const edges = RUNTIME_CONSTRAINT_BOUNDS.flatMap(([path, [min, max]]) => [
    [path.join('.'), path, min],
    [path.join('.'), path, max],
  ]);
  test.each(edges)('%s = %d is accepted', (_name, path, v) => {
    expect(() => checkRuntimeConstraints(at(path as string[], v))).not.toThrow();
  });

  const bad = RUNTIME_CONSTRAINT_BOUNDS.flatMap(([path, [min, max]]) =>
    [min - 1, max + 1, 1.5, 1e308, -1e308, '1', null, true].map((v) => [path.join('.'), path, v, min, max]),
  );
  test.each(bad)('%s = %p is refused, naming runtimeConstraints and the key', (name, path, v, min, max) => {
    expect(rejection(() => checkRuntimeConstraints(at(path as string[], v)))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'runtimeConstraints',
      message: `runtimeConstraints.${name} must be an integer from ${min} to ${max}`,
    });
  });

  test('absent constraints are not checked here (a commit needs vcpus and ram: checkCommittable)', () => {
    expect(() => checkRuntimeConstraints({})).not.toThrow();
    expect(() => checkRuntimeConstraints({ API: true, cuda: {}, gpu: { stack: 'cuda' } })).not.toThrow();
  });

  test.each(['cuda', 'gpu'])('%s must be an object when present', (group) => {
    expect(rejection(() => checkRuntimeConstraints({ [group]: 4 })).message).toBe(
      `runtimeConstraints.${group} must be a JSON object`,
    );
  });

  test('keys are own keys: a constraint named like an Object.prototype member is no constraint', () => {
    expect(() => checkRuntimeConstraints(JSON.parse('{"__proto__": {"vcpus": 1e308}}'))).not.toThrow();
    expect(() => checkRuntimeConstraints(Object.create({ vcpus: 1e308 }))).not.toThrow();
  });
});

import { canonicalJson, objectOrEmpty, secretMountsMd5 } from '../../src/domain/canonical.js';
import { type ReuseFields, reuseHash } from '../../src/domain/reuse.js';

const base: ReuseFields = {
  command: ['echo', 'hello'],
  cwd: '.',
  environment: { A: '1', B: '2' },
  outputPath: '/out',
  containerImage: 'arvados/jobs:latest',
  mounts: {
    '/in': { kind: 'collection', portable_data_hash: 'abc+1', opts: { x: 1, y: [1, { q: 1, p: 2 }] } },
  },
  runtimeConstraints: { vcpus: 1, ram: 1000, keep_cache_ram: 5 },
  secretMountsMd5: secretMountsMd5({}),
  runtimeUserUuid: 'zzzzz-tpzed-aaaaaaaaaaaaaaa',
  runtimeAuthScopes: ['all'],
};

describe('canonical JSON', () => {
  test('sorts object keys at every depth, inside arrays too, and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
  });

  test('null, undefined and non-objects become {} for object fields', () => {
    expect(objectOrEmpty(null)).toEqual({});
    expect(objectOrEmpty(undefined)).toEqual({});
    expect(objectOrEmpty([1])).toEqual({});
    expect(objectOrEmpty({ a: 1 })).toEqual({ a: 1 });
  });
});

describe('secretMountsMd5 (design.md §5)', () => {
  test('is the MD5 of the key-sorted JSON; {} and null are the same', () => {
    expect(secretMountsMd5(null)).toBe(secretMountsMd5({}));
    expect(secretMountsMd5({})).toBe('99914b932bd37a50b983c5e7c90ae93b'); // md5('{}')
    const a = { '/s': { kind: 'text', content: 'x' }, '/t': { kind: 'text', content: 'y' } };
    const b = { '/t': { content: 'y', kind: 'text' }, '/s': { content: 'x', kind: 'text' } };
    expect(secretMountsMd5(a)).toBe(secretMountsMd5(b));
    expect(secretMountsMd5(a)).not.toBe(secretMountsMd5({ ...a, '/s': { kind: 'text', content: 'z' } }));
    expect(secretMountsMd5(a)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('reuse hash (design.md §8)', () => {
  const h = reuseHash(base);

  test('is stable and a SHA-256 hex digest', () => {
    expect(reuseHash({ ...base })).toBe(h);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
  });

  const changes: [string, Partial<ReuseFields>][] = [
    ['command', { command: ['echo', 'bye'] }],
    ['command order', { command: ['hello', 'echo'] }],
    ['cwd', { cwd: '/tmp' }],
    ['environment value', { environment: { A: '1', B: '3' } }],
    ['environment key', { environment: { A: '1', C: '2' } }],
    ['outputPath', { outputPath: '/out2' }],
    ['containerImage', { containerImage: 'arvados/jobs:other' }],
    [
      'mounts (nested value)',
      {
        mounts: {
          '/in': { kind: 'collection', portable_data_hash: 'abc+1', opts: { x: 2, y: [1, { q: 1, p: 2 }] } },
        },
      },
    ],
    ['runtimeConstraints', { runtimeConstraints: { vcpus: 2, ram: 1000, keep_cache_ram: 5 } }],
    ['secretMountsMd5', { secretMountsMd5: secretMountsMd5({ '/s': { kind: 'text', content: 'x' } }) }],
    ['runtimeUserUuid', { runtimeUserUuid: 'zzzzz-tpzed-bbbbbbbbbbbbbbb' }],
    ['runtimeAuthScopes', { runtimeAuthScopes: ['query:*'] }],
    ['runtimeAuthScopes (added scope)', { runtimeAuthScopes: ['all', 'query:me'] }],
  ];
  test.each(changes)('a different %s gives a different hash', (_name, change) => {
    expect(reuseHash({ ...base, ...change })).not.toBe(h);
  });

  test('key order never matters, nested included', () => {
    const reordered: ReuseFields = {
      runtimeAuthScopes: ['all'],
      runtimeUserUuid: base.runtimeUserUuid,
      secretMountsMd5: base.secretMountsMd5,
      runtimeConstraints: { keep_cache_ram: 5, ram: 1000, vcpus: 1 },
      mounts: {
        '/in': { opts: { y: [1, { p: 2, q: 1 }], x: 1 }, portable_data_hash: 'abc+1', kind: 'collection' },
      },
      containerImage: base.containerImage,
      outputPath: base.outputPath,
      environment: { B: '2', A: '1' },
      cwd: base.cwd,
      command: base.command,
    };
    expect(reuseHash(reordered)).toBe(h);
  });

  test('scopes are compared sorted', () => {
    const a = reuseHash({ ...base, runtimeAuthScopes: ['query:me', 'mutation:*', 'query:*'] });
    const b = reuseHash({ ...base, runtimeAuthScopes: ['query:*', 'query:me', 'mutation:*'] });
    expect(a).toBe(b);
  });

  test('null and {} are equal for environment, mounts and runtimeConstraints', () => {
    const empty = { ...base, environment: {}, mounts: {}, runtimeConstraints: {} };
    expect(reuseHash({ ...base, environment: null, mounts: null, runtimeConstraints: null })).toBe(
      reuseHash(empty),
    );
    expect(
      reuseHash({ ...base, environment: undefined, mounts: undefined, runtimeConstraints: undefined }),
    ).toBe(reuseHash(empty));
  });

  test('fields outside the matched set (the runtime token, scheduling, name, priority) never count', () => {
    const extra = {
      ...base,
      runtimeToken: 'v2/zzzzz-gj3su-aaaaaaaaaaaaaaa/secret',
      schedulingParameters: { partitions: ['x'] },
      name: 'n',
      priority: 7,
    };
    expect(reuseHash(extra as ReuseFields)).toBe(h);
  });
});

import {
  type ContainerRequestInput,
  checkCommittable,
  checkModifiable,
  checkSecretMountKeys,
  checkStateChange,
  type InputField,
  modifiableFields,
  validateFields,
} from '../../src/domain/container-request-input.js';
import type { ContainerRequestState } from '../../src/generated/prisma/client.js';
import { rejection } from '../helpers/assert.js';

// One valid new value for every client-settable field.
const SAMPLE: Required<{ [K in InputField]: ContainerRequestInput[K] }> = {
  name: 'n',
  description: 'd',
  properties: { p: 1 },
  state: 'COMMITTED',
  priority: 2,
  command: ['true'],
  containerImage: 'img',
  cwd: '/tmp',
  environment: { X: '1' },
  mounts: { '/m': { kind: 'tmp' } },
  outputPath: '/o',
  runtimeConstraints: { vcpus: 1, ram: 1 },
  schedulingParameters: { partitions: ['a'] },
  useExisting: false,
  containerCountMax: 2,
  runtimeToken: 'v2/zzzzz-gj3su-aaaaaaaaaaaaaaa/supersecretvalue',
  secretMounts: { '/s': { kind: 'text', content: 'supersecretvalue' } },
};
const ALL_FIELDS = Object.keys(SAMPLE) as InputField[];

describe('state changes of a container request (design.md §3)', () => {
  const STATES: ContainerRequestState[] = ['UNCOMMITTED', 'COMMITTED', 'FINAL'];
  const ALLOWED = new Set([
    'UNCOMMITTED>UNCOMMITTED',
    'UNCOMMITTED>COMMITTED',
    'COMMITTED>COMMITTED',
    'COMMITTED>FINAL',
    'FINAL>FINAL',
  ]);
  const pairs = STATES.flatMap((from) => STATES.map((to) => [from, to] as const));
  test.each(pairs)('%s → %s', (from, to) => {
    if (ALLOWED.has(`${from}>${to}`)) {
      expect(() => checkStateChange(from, to)).not.toThrow();
    } else {
      expect(rejection(() => checkStateChange(from, to))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'state',
        message: `State cannot change from ${from} to ${to}`,
      });
    }
  });
});

describe('per-state whitelist (design.md §3)', () => {
  const ALLOWED: Record<ContainerRequestState, InputField[]> = {
    UNCOMMITTED: ALL_FIELDS,
    COMMITTED: ['name', 'description', 'properties', 'state', 'priority', 'containerCountMax'],
    FINAL: ['name', 'description', 'properties', 'state'],
  };
  const cases = (Object.keys(ALLOWED) as ContainerRequestState[]).flatMap((state) =>
    ALL_FIELDS.map((f) => [state, f] as const),
  );

  test.each(cases)('in %s, %s', (state, field) => {
    const input = { [field]: SAMPLE[field] } as ContainerRequestInput;
    if (ALLOWED[state].includes(field)) {
      expect(() => checkModifiable(input, state)).not.toThrow();
    } else {
      const r = rejection(() => checkModifiable(input, state));
      expect(r).toEqual({
        code: 'BAD_USER_INPUT',
        field,
        message: `${field} cannot be modified in state '${state}'`,
      });
      expect(r.message).not.toContain('supersecretvalue');
    }
  });

  test('modifiableFields: everything while UNCOMMITTED, the lists otherwise', () => {
    expect(modifiableFields('UNCOMMITTED')).toBe('all');
    expect([...(modifiableFields('COMMITTED') as Set<string>)].sort()).toEqual([...ALLOWED.COMMITTED].sort());
    expect([...(modifiableFields('FINAL') as Set<string>)].sort()).toEqual([...ALLOWED.FINAL].sort());
  });

  test('an omitted (undefined) field is not a change; null is', () => {
    expect(() => checkModifiable({ name: 'x', command: undefined }, 'FINAL')).not.toThrow();
    expect(rejection(() => checkModifiable({ cwd: null }, 'COMMITTED')).field).toBe('cwd');
  });

  test('one disallowed field among allowed ones rejects the whole update', () => {
    expect(rejection(() => checkModifiable({ name: 'x', priority: 3, mounts: {} }, 'COMMITTED')).field).toBe(
      'mounts',
    );
  });
});

describe('field validation', () => {
  test('valid values are returned as the columns to write', () => {
    const { state: _s, runtimeToken: _t, ...rest } = SAMPLE;
    expect(validateFields(SAMPLE)).toEqual(rest);
  });

  test('null object fields become {} (null and {} are the same)', () => {
    expect(
      validateFields({
        environment: null,
        mounts: null,
        properties: null,
        runtimeConstraints: null,
        secretMounts: null,
      }),
    ).toEqual({
      environment: {},
      mounts: {},
      properties: {},
      runtimeConstraints: {},
      secretMounts: {},
    });
  });

  const invalid: [string, ContainerRequestInput, string][] = [
    ['empty command', { command: [] }, 'command'],
    ['command not a list', { command: 'echo' as unknown as string[] }, 'command'],
    ['command element not a string', { command: ['echo', 1 as unknown as string] }, 'command'],
    ['empty containerImage', { containerImage: '' }, 'containerImage'],
    ['blank containerImage', { containerImage: '   ' }, 'containerImage'],
    ['empty cwd', { cwd: '' }, 'cwd'],
    ['empty outputPath', { outputPath: '' }, 'outputPath'],
    ['name not a string', { name: 5 as unknown as string }, 'name'],
    ['priority below 0', { priority: -1 }, 'priority'],
    ['priority above 1000', { priority: 1001 }, 'priority'],
    ['priority not an integer', { priority: 1.5 }, 'priority'],
    ['containerCountMax 0', { containerCountMax: 0 }, 'containerCountMax'],
    ['properties a list', { properties: [1] }, 'properties'],
    ['environment a list', { environment: ['A=1'] }, 'environment'],
    ['environment with a number value', { environment: { A: 1 } }, 'environment'],
    ['environment with a null value', { environment: { A: null } }, 'environment'],
    ['environment with an object value', { environment: { A: { b: 'c' } } }, 'environment'],
    ['mounts a string', { mounts: 'x' }, 'mounts'],
    ['a mount without kind', { mounts: { '/m': { path: 'x' } } }, 'mounts'],
    ['a mount with a non-string kind', { mounts: { '/m': { kind: 1 } } }, 'mounts'],
    ['a mount with an empty kind', { mounts: { '/m': { kind: '' } } }, 'mounts'],
    ['a mount that is not an object', { mounts: { '/m': 'tmp' } }, 'mounts'],
    ['a mount with an empty path', { mounts: { '': { kind: 'tmp' } } }, 'mounts'],
    [
      'a secret mount without kind',
      { secretMounts: { '/s': { content: 'supersecretvalue' } } },
      'secretMounts',
    ],
    ['runtimeConstraints a list', { runtimeConstraints: [1] }, 'runtimeConstraints'],
    ['schedulingParameters a string', { schedulingParameters: 'x' }, 'schedulingParameters'],
    ['useExisting not a boolean', { useExisting: 'yes' as unknown as boolean }, 'useExisting'],
  ];
  test.each(invalid)('%s: BAD_USER_INPUT on its field', (_name, input, field) => {
    const r = rejection(() => validateFields(input));
    expect(r.code).toBe('BAD_USER_INPUT');
    expect(r.field).toBe(field);
    expect(r.message).not.toContain('supersecretvalue');
  });

  test.each(
    'state command containerImage cwd outputPath useExisting containerCountMax'.split(' ') as InputField[],
  )('an explicit null for %s (never null) is refused, naming it', (field) => {
    expect(rejection(() => validateFields({ ...SAMPLE, [field]: null }))).toEqual({
      code: 'BAD_USER_INPUT',
      field,
      message: `${field} cannot be null (leave it out to keep it as it is)`,
    });
  });

  test('null stays a value for the nullable fields (name, description, priority, runtimeToken)', () => {
    expect(validateFields({ name: null, description: null, priority: null, runtimeToken: null })).toEqual({
      name: null,
      description: null,
      priority: null,
    });
  });

  test('runtimeConstraints out of bounds are refused even while UNCOMMITTED', () => {
    expect(rejection(() => validateFields({ runtimeConstraints: { vcpus: 1e308 } }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'runtimeConstraints',
      message: 'runtimeConstraints.vcpus must be an integer from 1 to 1024',
    });
  });

  // Keys are data: a mount point named like an Object.prototype member is only a mount point.
  const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
  const keyed = (k: string, v: unknown) => JSON.parse(`{${JSON.stringify(k)}:${JSON.stringify(v)}}`);
  test.each(PROTO_NAMES)('a mount point named %s is kept as an own key', (k) => {
    const out = validateFields({
      mounts: keyed(k, { kind: 'tmp' }),
      secretMounts: keyed(k, { kind: 'text', content: 'supersecretvalue' }),
    });
    expect(Object.keys(out.mounts!)).toEqual([k]);
    expect(Object.keys(out.secretMounts!)).toEqual([k]);
  });
  test.each(PROTO_NAMES)('a secret mount named %s repeats no key of mounts that lack it', (k) => {
    expect(() =>
      checkSecretMountKeys({ mounts: { '/a': { kind: 'tmp' } }, secretMounts: keyed(k, { kind: 'text' }) }),
    ).not.toThrow();
    expect(
      rejection(() => checkSecretMountKeys({ mounts: keyed(k, {}), secretMounts: keyed(k, {}) })).field,
    ).toBe('secretMounts');
  });
  test('a mount named __proto__ must be a mount like any other (no prototype to borrow "kind" from)', () => {
    expect(rejection(() => validateFields({ mounts: keyed('__proto__', { path: 'x' }) })).field).toBe(
      'mounts',
    );
  });

  test('secretMounts keys must not repeat keys of mounts', () => {
    expect(() =>
      checkSecretMountKeys({ mounts: { '/a': { kind: 'tmp' } }, secretMounts: { '/b': { kind: 'text' } } }),
    ).not.toThrow();
    expect(() => checkSecretMountKeys({ mounts: null, secretMounts: null })).not.toThrow();
    const r = rejection(() =>
      checkSecretMountKeys({
        mounts: { '/a': { kind: 'tmp' } },
        secretMounts: { '/a': { kind: 'text', content: 'supersecretvalue' } },
      }),
    );
    expect(r).toMatchObject({ code: 'BAD_USER_INPUT', field: 'secretMounts' });
    expect(r.message).not.toContain('supersecretvalue');
  });

  describe('commit needs a priority and positive integer vcpus and ram', () => {
    test('valid', () => {
      expect(() => checkCommittable({ priority: 0, runtimeConstraints: { vcpus: 1, ram: 1 } })).not.toThrow();
    });
    test('priority null', () => {
      expect(
        rejection(() => checkCommittable({ priority: null, runtimeConstraints: { vcpus: 1, ram: 1 } })).field,
      ).toBe('priority');
    });
    const bad: [string, unknown][] = [
      ['none', {}],
      ['null', null],
      ['no ram', { vcpus: 1 }],
      ['no vcpus', { ram: 1 }],
      ['vcpus 0', { vcpus: 0, ram: 1 }],
      ['ram negative', { vcpus: 1, ram: -1 }],
      ['vcpus fractional', { vcpus: 1.5, ram: 1 }],
      ['ram a string', { vcpus: 1, ram: '1' }],
    ];
    test.each(bad)('runtimeConstraints %s', (_name, runtimeConstraints) => {
      expect(rejection(() => checkCommittable({ priority: 1, runtimeConstraints }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'runtimeConstraints',
      });
    });
  });
});

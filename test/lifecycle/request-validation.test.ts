import { createRequest, requestInput, updateRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { readRequest, tag } from '../helpers/lifecycle.js';

const SECRET = 'zzvalidationsecretzz';
const CREATE = `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }`;

describeBackends('container request validation: BAD_USER_INPUT with extensions.field', (gw) => {
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    user = await gw().newUser();
  });
  const total = async () =>
    ok(await gw().gql('{ containerRequests { totalCount } }', {}, user.token)).containerRequests.totalCount;

  const createCases: [string, Record<string, unknown>, string][] = [
    ['empty command', { command: [] }, 'command'],
    ['empty containerImage', { containerImage: '' }, 'containerImage'],
    ['empty outputPath', { outputPath: '' }, 'outputPath'],
    ['empty cwd', { cwd: '' }, 'cwd'],
    ['priority -1', { priority: -1 }, 'priority'],
    ['priority 1001', { priority: 1001 }, 'priority'],
    ['committed without priority', { priority: null }, 'priority'],
    ['committed without runtimeConstraints', { runtimeConstraints: undefined }, 'runtimeConstraints'],
    ['committed without ram', { runtimeConstraints: { vcpus: 1 } }, 'runtimeConstraints'],
    ['committed without vcpus', { runtimeConstraints: { ram: 1000 } }, 'runtimeConstraints'],
    ['committed with ram 0', { runtimeConstraints: { vcpus: 1, ram: 0 } }, 'runtimeConstraints'],
    ['committed with fractional vcpus', { runtimeConstraints: { vcpus: 1.5, ram: 1 } }, 'runtimeConstraints'],
    ['committed with string vcpus', { runtimeConstraints: { vcpus: '1', ram: 1 } }, 'runtimeConstraints'],
    ['runtimeConstraints a list', { runtimeConstraints: [1] }, 'runtimeConstraints'],
    [
      'secretMounts keys overlapping mounts',
      { mounts: { '/x': { kind: 'tmp' } }, secretMounts: { '/x': { kind: 'text', content: SECRET } } },
      'secretMounts',
    ],
    ['a mount without kind', { mounts: { '/x': { capacity: 1 } } }, 'mounts'],
    ['a mount with a numeric kind', { mounts: { '/x': { kind: 7 } } }, 'mounts'],
    ['mounts a list', { mounts: [{ kind: 'tmp' }] }, 'mounts'],
    ['a secret mount without kind', { secretMounts: { '/s': { content: SECRET } } }, 'secretMounts'],
    ['environment with a number', { environment: { A: 1 } }, 'environment'],
    ['environment with a boolean', { environment: { A: true } }, 'environment'],
    ['environment a list', { environment: ['A=1'] }, 'environment'],
    ['properties a list', { properties: [1] }, 'properties'],
    ['schedulingParameters a string', { schedulingParameters: 'fast' }, 'schedulingParameters'],
    ['containerCountMax 0', { containerCountMax: 0 }, 'containerCountMax'],
    ['state FINAL', { state: 'FINAL' }, 'state'],
    ['state null', { state: null }, 'state'],
    ['cwd null', { cwd: null }, 'cwd'],
    ['useExisting null', { useExisting: null }, 'useExisting'],
    ['containerCountMax null', { containerCountMax: null }, 'containerCountMax'],
    ['vcpus 1e308', { runtimeConstraints: { vcpus: 1e308, ram: 1 } }, 'runtimeConstraints'],
    ['vcpus 1025', { runtimeConstraints: { vcpus: 1025, ram: 1 } }, 'runtimeConstraints'],
    ['ram above 2^50', { runtimeConstraints: { vcpus: 1, ram: 2 ** 50 + 1 } }, 'runtimeConstraints'],
    [
      'keep_cache_ram negative',
      { runtimeConstraints: { vcpus: 1, ram: 1, keep_cache_ram: -1 } },
      'runtimeConstraints',
    ],
    [
      'keep_cache_disk 1e300',
      { runtimeConstraints: { vcpus: 1, ram: 1, keep_cache_disk: 1e300 } },
      'runtimeConstraints',
    ],
    [
      'uncommitted with vcpus 1e308',
      { state: 'UNCOMMITTED', runtimeConstraints: { vcpus: 1e308 } },
      'runtimeConstraints',
    ],
    ['runtimeToken garbage', { runtimeToken: `not-a-token-${SECRET}` }, 'runtimeToken'],
    [
      'runtimeToken of an unknown local token',
      { runtimeToken: `v2/zzzzz-gj3su-000000000000000/${SECRET}` },
      'runtimeToken',
    ],
  ];
  test.each(createCases)('create with %s: nothing written', async (_name, overrides, field) => {
    const before = await total();
    const r = await gw().gql(
      CREATE,
      { i: requestInput({ command: ['echo', tag()], ...overrides }) },
      user.token,
    );
    expectError(r, 'BAD_USER_INPUT', { field });
    expect(r.body).not.toContain(SECRET);
    expect(await total()).toBe(before);
  });

  test('an UNCOMMITTED request needs neither priority nor runtimeConstraints', async () => {
    const cr = await createRequest(gw(), user.token, {
      command: ['echo', tag()],
      state: 'UNCOMMITTED',
      priority: null,
      runtimeConstraints: null,
    });
    expect(cr).toMatchObject({ state: 'UNCOMMITTED', priority: null });
  });

  test.each(['containerCount', 'containerUuid', 'requestingContainerUuid'])(
    '%s is not client-settable',
    async (field) => {
      const before = await total();
      const r = await gw().gql(
        CREATE,
        {
          i: requestInput({
            command: ['echo', tag()],
            [field]: field === 'containerCount' ? 5 : 'zzzzz-dz642-000000000000000',
          }),
        },
        user.token,
      );
      expectError(r, 'BAD_USER_INPUT');
      expect(await total()).toBe(before);
      const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], state: 'UNCOMMITTED' });
      expectError(
        await updateRequest(gw(), user.token, cr.uuid, {
          [field]: field === 'containerCount' ? 5 : 'zzzzz-dz642-000000000000000',
        }),
        'BAD_USER_INPUT',
      );
    },
  );

  describe('updates of an UNCOMMITTED request change nothing when refused', () => {
    let cr: Record<string, unknown>;
    beforeEach(async () => {
      const made = await createRequest(gw(), user.token, {
        command: ['echo', tag()],
        state: 'UNCOMMITTED',
        runtimeConstraints: {},
        mounts: { '/in': { kind: 'tmp' } },
        secretMounts: { '/s': { kind: 'text', content: SECRET } },
      });
      cr = await readRequest(gw(), user.token, made.uuid);
    });

    const updateCases: [string, Record<string, unknown>, string][] = [
      [
        'secretMounts repeating a key of the stored mounts',
        { secretMounts: { '/in': { kind: 'text', content: SECRET } } },
        'secretMounts',
      ],
      [
        'mounts repeating a key of the stored secretMounts',
        { mounts: { '/s': { kind: 'tmp' } } },
        'secretMounts',
      ],
      ['commit without vcpus and ram', { state: 'COMMITTED' }, 'runtimeConstraints'],
      [
        'commit while clearing the priority',
        { state: 'COMMITTED', priority: null, runtimeConstraints: { vcpus: 1, ram: 1 } },
        'priority',
      ],
      ['empty command', { command: [], name: 'x' }, 'command'],
      ['environment with an object value', { environment: { A: { b: 1 } } }, 'environment'],
      ['priority 2000', { priority: 2000 }, 'priority'],
      ['state null', { state: null }, 'state'],
      ['state null with another change', { state: null, name: 'x' }, 'state'],
      ['vcpus 1e308', { runtimeConstraints: { vcpus: 1e308, ram: 1 } }, 'runtimeConstraints'],
      ['ram 2^53', { runtimeConstraints: { vcpus: 1, ram: 2 ** 53 } }, 'runtimeConstraints'],
      [
        'an invalid runtimeToken',
        { runtimeToken: `v2/zzzzz-gj3su-000000000000000/${SECRET}`, name: 'x' },
        'runtimeToken',
      ],
      [
        'a container-bound runtimeToken',
        { runtimeToken: `v2/zzzzz-gj3su-000000000000000/${SECRET}/zzzzz-dz642-000000000000000` },
        'runtimeToken',
      ],
    ];
    test.each(updateCases)('%s', async (_name, input, field) => {
      const r = await updateRequest(gw(), user.token, cr.uuid as string, input);
      expectError(r, 'BAD_USER_INPUT', { field });
      expect(r.body).not.toContain(SECRET);
      expect(await readRequest(gw(), user.token, cr.uuid as string)).toEqual(cr);
    });
  });

  test('runtime token failure says only "Runtime token failed validation"', async () => {
    const r = await gw().gql(
      CREATE,
      {
        i: requestInput({
          command: ['echo', tag()],
          runtimeToken: `v2/zzzzz-gj3su-000000000000000/${SECRET}`,
        }),
      },
      user.token,
    );
    expectError(r, 'BAD_USER_INPUT', { message: 'Runtime token failed validation', field: 'runtimeToken' });
  });
});

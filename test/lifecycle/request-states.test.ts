import { createRequest, updateRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { CR_ALL, readContainer, readRequest, tag } from '../helpers/lifecycle.js';

type CrState = 'UNCOMMITTED' | 'COMMITTED' | 'FINAL';
const STATES: CrState[] = ['UNCOMMITTED', 'COMMITTED', 'FINAL'];

const SECRET = 'zzsecretmountcontentzz';

describeBackends('container request states and the per-state whitelist', (gw) => {
  let user: { uuid: string; token: string };
  let spareToken: string; // a second valid token of the user: a runtimeToken value
  beforeAll(async () => {
    user = await gw().newUser();
    spareToken = (
      await gw().gql(`mutation { createApiClientAuthorization(input: {}) { apiToken } }`, {}, user.token)
    ).data.createApiClientAuthorization.apiToken;
  });

  /** A request of its own (unique command) in `state`. */
  async function requestIn(state: CrState, overrides: Record<string, unknown> = {}) {
    const cr = await createRequest(gw(), user.token, {
      command: ['echo', tag()],
      state: state === 'UNCOMMITTED' ? 'UNCOMMITTED' : 'COMMITTED',
      ...overrides,
    });
    if (state === 'FINAL') ok(await updateRequest(gw(), user.token, cr.uuid, { state: 'FINAL' }));
    return readRequest(gw(), user.token, cr.uuid);
  }

  describe('transitions', () => {
    test('create as UNCOMMITTED (the default) or COMMITTED', async () => {
      const u = await createRequest(gw(), user.token, { command: ['echo', tag()], state: undefined });
      expect(u).toMatchObject({ state: 'UNCOMMITTED', containerUuid: null, containerCount: 0 });
      const c = await createRequest(gw(), user.token, { command: ['echo', tag()] });
      expect(c).toMatchObject({ state: 'COMMITTED', containerCount: 1 });
      expect(c.containerUuid).toMatch(/^zzzzz-dz642-/);
    });

    test('create as FINAL: BAD_USER_INPUT, nothing written', async () => {
      const count = async () =>
        ok(await gw().gql('{ containerRequests { totalCount } }', {}, user.token)).containerRequests
          .totalCount;
      const before = await count();
      const r = await gw().gql(
        `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }`,
        {
          i: {
            command: ['x'],
            containerImage: 'i',
            outputPath: '/o',
            state: 'FINAL',
            priority: 1,
            runtimeConstraints: { vcpus: 1, ram: 1 },
          },
        },
        user.token,
      );
      expectError(r, 'BAD_USER_INPUT', {
        message: 'State cannot change from UNCOMMITTED to FINAL',
        field: 'state',
      });
      expect(await count()).toBe(before);
    });

    const pairs = STATES.flatMap((from) => STATES.map((to) => [from, to] as const));
    const allowed = new Set([
      'UNCOMMITTED>UNCOMMITTED',
      'UNCOMMITTED>COMMITTED',
      'COMMITTED>COMMITTED',
      'COMMITTED>FINAL',
      'FINAL>FINAL',
    ]);
    test.each(pairs)('%s → %s', async (from, to) => {
      const before = await requestIn(from);
      const r = await updateRequest(gw(), user.token, before.uuid as string, { state: to });
      const after = await readRequest(gw(), user.token, before.uuid as string);
      if (allowed.has(`${from}>${to}`)) {
        expect(r.errors).toBeUndefined();
        expect(after.state).toBe(to);
      } else {
        expectError(r, 'BAD_USER_INPUT', {
          message: `State cannot change from ${from} to ${to}`,
          field: 'state',
        });
        expect(after).toEqual(before);
      }
    });

    test('commit by update: a container, containerCount 1', async () => {
      const cr = await requestIn('UNCOMMITTED');
      const r = ok(
        await updateRequest(gw(), user.token, cr.uuid as string, { state: 'COMMITTED' }),
      ).updateContainerRequest;
      expect(r).toMatchObject({ state: 'COMMITTED', containerCount: 1 });
      expect((await readContainer(gw(), user.token, r.containerUuid)).state).toBe('QUEUED');
    });

    test('COMMITTED → FINAL by the user copies nothing and drops its claim on the container', async () => {
      const cr = await requestIn('COMMITTED');
      expect(
        BigInt((await readContainer(gw(), user.token, cr.containerUuid as string)).priority),
      ).toBeGreaterThan(0n);
      ok(await updateRequest(gw(), user.token, cr.uuid as string, { state: 'FINAL' }));
      expect(await readRequest(gw(), user.token, cr.uuid as string)).toMatchObject({
        state: 'FINAL',
        log: null,
        output: null,
      });
      expect((await readContainer(gw(), user.token, cr.containerUuid as string)).priority).toBe('0');
    });
  });

  describe('whitelist', () => {
    // A valid new value for every input field, different from requestIn's.
    const NEW_VALUES: Record<string, unknown> = {
      name: 'renamed',
      description: 'described',
      properties: { k: 'v' },
      priority: 7,
      command: ['echo', 'changed'],
      containerImage: 'other/image:1',
      cwd: '/work',
      environment: { VAR: 'value' },
      mounts: { '/tmp': { kind: 'tmp', capacity: 100 } },
      outputPath: '/elsewhere',
      runtimeConstraints: { vcpus: 4, ram: 4_000_000 },
      schedulingParameters: { partitions: ['fast'] },
      useExisting: false,
      containerCountMax: 5,
      runtimeToken: 'SPARE',
      secretMounts: { '/secret': { kind: 'text', content: SECRET } },
    };
    const newValueOf = (field: string) => (field === 'runtimeToken' ? spareToken : NEW_VALUES[field]);
    const FIELDS = Object.keys(NEW_VALUES);
    const ALLOWED: Record<CrState, string[]> = {
      UNCOMMITTED: FIELDS,
      COMMITTED: ['name', 'description', 'properties', 'priority', 'containerCountMax'],
      FINAL: ['name', 'description', 'properties'],
    };

    test('UNCOMMITTED: every input field at once, then commit', async () => {
      const cr = await requestIn('UNCOMMITTED');
      const input = Object.fromEntries(FIELDS.map((f) => [f, newValueOf(f)]));
      const r = await gw().gql(
        `mutation($u: ID!, $i: UpdateContainerRequestInput!) { updateContainerRequest(uuid: $u, input: $i) { ${CR_ALL} } }`,
        { u: cr.uuid, i: input },
        user.token,
      );
      const { runtimeToken: _t, secretMounts: _s, ...visible } = NEW_VALUES;
      expect(ok(r).updateContainerRequest).toMatchObject({ ...visible, state: 'UNCOMMITTED' });
      expect(r.body).not.toContain(SECRET);
      expect(r.body).not.toContain(spareToken.split('/')[2]);
      const committed = ok(
        await updateRequest(gw(), user.token, cr.uuid as string, { state: 'COMMITTED' }),
      ).updateContainerRequest;
      expect(committed.state).toBe('COMMITTED');
    });

    const cases = (['COMMITTED', 'FINAL'] as const).flatMap((state) =>
      FIELDS.map((f) => [state, f] as const),
    );
    test.each(cases)('%s: %s', async (state, field) => {
      const before = await requestIn(state);
      const r = await updateRequest(gw(), user.token, before.uuid as string, { [field]: newValueOf(field) });
      const after = await readRequest(gw(), user.token, before.uuid as string);
      if (ALLOWED[state].includes(field)) {
        expect(r.errors).toBeUndefined();
        expect(after[field]).toEqual(NEW_VALUES[field]);
      } else {
        expectError(r, 'BAD_USER_INPUT', {
          message: `${field} cannot be modified in state '${state}'`,
          field,
        });
        expect(r.body).not.toContain(SECRET);
        expect(r.body).not.toContain(spareToken.split('/')[2]);
        // Nothing changed, modifiedAt included.
        expect(after).toEqual(before);
      }
    });

    test('an allowed field next to a refused one is not written either', async () => {
      const before = await requestIn('COMMITTED');
      const r = await updateRequest(gw(), user.token, before.uuid as string, {
        name: 'sneaky',
        priority: 9,
        cwd: '/elsewhere',
      });
      expectError(r, 'BAD_USER_INPUT', { field: 'cwd' });
      expect(await readRequest(gw(), user.token, before.uuid as string)).toEqual(before);
    });

    test('COMMITTED: the priority change reaches the container', async () => {
      const cr = await requestIn('COMMITTED', { priority: 1 });
      ok(await updateRequest(gw(), user.token, cr.uuid as string, { priority: 3 }));
      const c = await readContainer(gw(), user.token, cr.containerUuid as string);
      expect(c.priority).toBe(String(3 * 2 ** 50 - Date.parse(cr.createdAt as string)));
    });

    test('modifiedByUserUuid and modifiedAt follow an allowed update', async () => {
      const before = await requestIn('FINAL');
      ok(await updateRequest(gw(), user.token, before.uuid as string, { name: 'late rename' }));
      const after = await readRequest(gw(), user.token, before.uuid as string);
      expect(after.modifiedByUserUuid).toBe(user.uuid);
      expect(Date.parse(after.modifiedAt as string)).toBeGreaterThanOrEqual(
        Date.parse(before.modifiedAt as string),
      );
    });
  });
});

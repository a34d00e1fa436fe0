// Input is data: a mount point named like an Object.prototype member is a mount point like any
// other, and an explicit null for a field that cannot be null is refused, not read as "omitted".
import { createRequest, getContainer, lock, updateContainer, updateRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { containerIn, containerToken, readRequest, tag } from '../helpers/lifecycle.js';

const SECRET = 'zzkeysecretzz';
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** An object whose own keys are `keys` (JSON.parse makes `__proto__` an own key, as a request body does). */
function withKeys(keys: string[], value: (k: string) => unknown): Record<string, unknown> {
  return JSON.parse(`{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(value(k))}`).join(',')}}`);
}

describeBackends('input is data', (gw) => {
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    user = await gw().newUser();
  });

  describe('mount points named like Object.prototype members', () => {
    test('are kept in mounts and secretMounts, through commit, the container and its secret mounts', async () => {
      const mounts = withKeys(['/in', ...PROTO_NAMES], () => ({ kind: 'tmp', capacity: 1 }));
      const secretMounts = withKeys(
        ['/s', ...PROTO_NAMES.map((k) => `${k}/x`), 'propertyIsEnumerable'],
        (k) => ({
          kind: 'text',
          content: `${SECRET}${k}`,
        }),
      );
      const { cr, containerUuid, dispatcher } = await containerIn(gw(), user.token, 'LOCKED', {
        overrides: { mounts, secretMounts },
      });
      const stored = await readRequest(gw(), user.token, cr.uuid as string);
      expect(Object.keys(stored.mounts as object).sort()).toEqual(Object.keys(mounts).sort());
      expect(Object.hasOwn(stored.mounts as object, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(stored.mounts)).toBe(Object.prototype);

      const c = ok(
        await gw().gql(
          `query($u: ID!) { container(uuid: $u) { mounts mountsTyped { mountPoint kind capacity } } }`,
          { u: containerUuid },
          user.token,
        ),
      ).container;
      expect(Object.keys(c.mounts).sort()).toEqual(Object.keys(mounts).sort());
      expect(c.mountsTyped.map((m: { mountPoint: string }) => m.mountPoint)).toEqual(
        Object.keys(mounts).sort(),
      );
      expect(c.mountsTyped.every((m: { kind: string }) => m.kind === 'tmp')).toBe(true);

      // The container's own token reads its secret mounts: sealed at rest, opened with every key.
      await ok(await updateContainer(gw(), dispatcher, containerUuid, { state: 'RUNNING' }));
      const own = await containerToken(gw(), dispatcher, containerUuid);
      const opened = ok(
        await gw().gql(`query($u: ID!) { containerSecretMounts(uuid: $u) }`, { u: containerUuid }, own),
      ).containerSecretMounts;
      expect(Object.keys(opened).sort()).toEqual(Object.keys(secretMounts).sort());
      expect(opened['__proto__/x']).toEqual({ kind: 'text', content: `${SECRET}__proto__/x` });
    });

    test('a secret mount under __proto__ is kept, sealed, and read back by the container', async () => {
      const secretMounts = withKeys(['__proto__'], () => ({ kind: 'text', content: SECRET }));
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING', {
        overrides: { secretMounts },
      });
      const own = await containerToken(gw(), dispatcher, containerUuid);
      const opened = ok(
        await gw().gql(`query($u: ID!) { containerSecretMounts(uuid: $u) }`, { u: containerUuid }, own),
      ).containerSecretMounts;
      expect(Object.keys(opened)).toEqual(['__proto__']);
      expect(Object.hasOwn(opened, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(opened, '__proto__')?.value).toEqual({
        kind: 'text',
        content: SECRET,
      });
    });

    test.each(PROTO_NAMES)('a secret mount named %s is no duplicate of mounts without it', async (name) => {
      const cr = await createRequest(gw(), user.token, {
        command: ['echo', tag()],
        mounts: { '/in': { kind: 'tmp' } },
        secretMounts: withKeys([name], () => ({ kind: 'text', content: SECRET })),
      });
      expect(cr.state).toBe('COMMITTED');
    });

    test.each(PROTO_NAMES)(
      'a real duplicate named %s is still refused, naming secretMounts',
      async (name) => {
        const r = await gw().gql(
          `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }`,
          {
            i: {
              command: ['echo', tag()],
              containerImage: 'img',
              outputPath: '/out',
              mounts: withKeys([name], () => ({ kind: 'tmp' })),
              secretMounts: withKeys([name], () => ({ kind: 'text', content: SECRET })),
            },
          },
          user.token,
        );
        expectError(r, 'BAD_USER_INPUT', { field: 'secretMounts' });
        expect(r.body).not.toContain(SECRET);
      },
    );

    test('an update adding a secret mount named toString to stored mounts without it is accepted', async () => {
      const cr = await createRequest(gw(), user.token, {
        command: ['echo', tag()],
        state: 'UNCOMMITTED',
        mounts: { '/in': { kind: 'tmp' } },
      });
      ok(
        await updateRequest(gw(), user.token, cr.uuid, {
          secretMounts: withKeys(['toString', 'constructor'], () => ({ kind: 'text', content: SECRET })),
        }),
      );
      ok(
        await updateRequest(gw(), user.token, cr.uuid, {
          mounts: withKeys(['__proto__'], () => ({ kind: 'tmp' })),
        }),
      );
      const stored = await readRequest(gw(), user.token, cr.uuid);
      expect(Object.keys(stored.mounts as object)).toEqual(['__proto__']);
    });
  });

  test('every JSON column keeps a __proto__ key: properties, environment, runtimeStatus', async () => {
    const { cr, containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING', {
      overrides: {
        properties: withKeys(['__proto__', 'constructor'], (k) => k),
        environment: withKeys(['__proto__'], () => 'x'),
      },
    });
    ok(
      await updateContainer(gw(), dispatcher, containerUuid, {
        runtimeStatus: withKeys(['__proto__'], () => ({ activity: 'x' })),
      }),
    );
    const stored = await readRequest(gw(), user.token, cr.uuid as string);
    expect(Object.keys(stored.properties as object).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.keys(stored.environment as object)).toEqual(['__proto__']);
    const c = ok(
      await gw().gql(
        `query($u: ID!) { container(uuid: $u) { environment runtimeStatus } }`,
        { u: containerUuid },
        user.token,
      ),
    ).container;
    expect(Object.keys(c.environment)).toEqual(['__proto__']);
    expect(Object.keys(c.runtimeStatus)).toEqual(['__proto__']);
  });

  describe('updateContainer: an explicit null for state or priority is refused', () => {
    test.each([
      ['state', { state: null }],
      ['priority', { priority: null }],
      ['state', { state: null, progress: 0.5 }],
      ['priority', { priority: null, progress: 0.5 }],
    ])('%s: null (%j)', async (field, input) => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING');
      const before = ok(await getContainer(gw(), dispatcher, containerUuid)).container;
      const r = await updateContainer(gw(), dispatcher, containerUuid, input);
      expectError(r, 'BAD_USER_INPUT', { field });
      expect(ok(await getContainer(gw(), dispatcher, containerUuid)).container).toEqual(before);
    });

    test('nullable fields may still be cleared with null', async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING');
      const c = ok(
        await updateContainer(gw(), dispatcher, containerUuid, { progress: null, log: null, output: null }),
      ).updateContainer;
      expect(c.state).toBe('RUNNING');
    });

    test('priority null is refused on a QUEUED container too', async () => {
      const { containerUuid } = await containerIn(gw(), user.token, 'QUEUED');
      expectError(
        await updateContainer(gw(), gw().rootToken, containerUuid, { priority: null }),
        'BAD_USER_INPUT',
        {
          field: 'priority',
        },
      );
      expect(ok(await lock(gw(), gw().rootToken, containerUuid)).lockContainer.state).toBe('LOCKED');
    });
  });
});

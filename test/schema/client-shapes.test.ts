// What clients see of the schema: partial results beside a NOT_FOUND lookup, exact BigInt
// priorities, list orders for requests (top level and under a container), and typed views
// of runtimeConstraints and mounts beside the JSON fields.

import { createRequest, lock, updateContainer, updateRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { type Data, describeBackends } from '../helpers/gateway.js';
import { clockPast, readRequest, tag } from '../helpers/lifecycle.js';
import { sql } from '../helpers/sql.js';

const MISSING = 'zzzzz-xvhdp-000000000000000';

describeBackends('client-facing shapes', (gw) => {
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    user = await gw().newUser();
  });

  describe('nullable lookups: one NOT_FOUND does not take the rest of the response with it', () => {
    test('{ me containerRequest(missing) }: me, a null request and a NOT_FOUND error at its path', async () => {
      const r = await gw().gql(
        `query($u: ID!) { me { uuid } containerRequest(uuid: $u) { uuid } }`,
        { u: MISSING },
        user.token,
      );
      expect(r.data).toEqual({ me: { uuid: user.uuid }, containerRequest: null });
      expect(r.errors).toHaveLength(1);
      expect(r.errors![0]).toMatchObject({ path: ['containerRequest'], extensions: { code: 'NOT_FOUND' } });
    });

    test('the same for container, containerAuth, currentContainer and containerSecretMounts', async () => {
      const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
      const r = await gw().gql(
        `query($c: ID!) { me { uuid } container(uuid: "zzzzz-dz642-000000000000000") { uuid }
           containerAuth(uuid: $c) { uuid } currentContainer { uuid } containerSecretMounts(uuid: $c)
           mine: container(uuid: $c) { uuid } }`,
        { c: cr.containerUuid },
        user.token,
      );
      expect(r.data).toEqual({
        me: { uuid: user.uuid },
        container: null,
        containerAuth: null,
        currentContainer: null,
        containerSecretMounts: null,
        mine: { uuid: cr.containerUuid },
      });
      const codes = Object.fromEntries(r.errors!.map((e) => [String(e.path![0]), e.extensions!.code]));
      expect(codes).toEqual({
        container: 'NOT_FOUND',
        containerAuth: 'FORBIDDEN',
        currentContainer: 'NOT_FOUND',
        containerSecretMounts: 'FORBIDDEN',
      });
    });
  });

  describe('BigInt priority', () => {
    test('a container priority is an exact decimal string, also above 2^53', async () => {
      const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], priority: 1000 });
      const r = ok(
        await gw().gql(
          `query($u: ID!) { containerRequest(uuid: $u) { createdAt container { priority } } }`,
          { u: cr.uuid },
          user.token,
        ),
      ).containerRequest;
      const exact = (1000n << 50n) - BigInt(Date.parse(r.createdAt));
      expect(exact).toBeGreaterThan(2n ** 53n);
      expect(r.container.priority).toBe(exact.toString());
      // The stored value, read by the database driver, is the same number.
      const [row] = await sql<{ priority: bigint }>(
        gw(),
        'SELECT priority FROM containers WHERE uuid = $1',
        cr.containerUuid,
      );
      expect(BigInt(row!.priority)).toBe(exact);
    });

    test('as input: a string or an integer, exact; anything else is BAD_USER_INPUT naming the field', async () => {
      const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
      ok(await lock(gw(), gw().rootToken, cr.containerUuid));
      const big = '9007199254740993'; // 2^53 + 1: a Float would round it
      const set = (priority: unknown) =>
        updateContainer(gw(), gw().rootToken, cr.containerUuid, { priority });
      expect(ok(await set(big)).updateContainer.priority).toBe(big);
      expect(ok(await set(7)).updateContainer.priority).toBe('7');
      const literal = await gw().gql(
        `mutation($u: ID!) { updateContainer(uuid: $u, input: {priority: 9223372036854775807}) { priority } }`,
        { u: cr.containerUuid },
      );
      expect(ok(literal).updateContainer.priority).toBe('9223372036854775807');
      const atLeast = ok(
        await gw().gql(`{ containers(filter: {minPriority: "9223372036854775807"}) { nodes { uuid } } }`),
      ).containers.nodes;
      expect(atLeast).toEqual([{ uuid: cr.containerUuid }]);
      for (const bad of ['9223372036854775808', '1.5', 1.5, 'high', 2 ** 60])
        expectError(await set(bad), 'BAD_USER_INPUT', { field: 'priority' });
      const badLiteral = await gw().gql(
        `mutation($u: ID!) { updateContainer(uuid: $u, input: {priority: 1.5}) { priority } }`,
        { u: cr.containerUuid },
      );
      expectError(badLiteral, 'BAD_USER_INPUT', { field: 'priority' });
      expectError(await set('-1'), 'BAD_USER_INPUT', { field: 'priority' });
    });

    test('minPriority: a bad BigInt variable is BAD_USER_INPUT naming the input field it gives', async () => {
      const q = `query($m: BigInt) { containers(filter: {minPriority: $m}) { totalCount } }`;
      expectError(await gw().gql(q, { m: 'x' }), 'BAD_USER_INPUT', { field: 'minPriority' });
    });
  });

  test('containerRequests and Container.containerRequests take orderBy: created and modified time, both ways', async () => {
    const owner = await gw().newUser();
    const t = tag();
    const made: Data[] = [];
    for (const n of [0, 1, 2]) {
      const cr = await readRequest(
        gw(),
        owner.token,
        (await createRequest(gw(), owner.token, { command: ['echo', t], name: `r${n}` })).uuid,
      );
      made.push(cr);
      await clockPast(cr.modifiedAt as string);
    }
    // The oldest changes last: it is first by modification time, last by creation time.
    ok(await updateRequest(gw(), owner.token, made[0].uuid, { name: 'changed' }));
    const byCreation = made.map((c) => c.uuid);
    const list = async (orderBy: unknown) =>
      ok(
        await gw().gql(
          `query($o: ContainerRequestOrder) { containerRequests(orderBy: $o) { nodes { uuid } } }`,
          { o: orderBy },
          owner.token,
        ),
      ).containerRequests.nodes.map((n: Data) => n.uuid);
    expect(await list({ field: 'CREATED_AT', direction: 'ASC' })).toEqual(byCreation);
    expect(await list({ field: 'CREATED_AT', direction: 'DESC' })).toEqual([...byCreation].reverse());
    expect(await list(null)).toEqual([...byCreation].reverse());
    expect((await list({ field: 'MODIFIED_AT', direction: 'DESC' }))[0]).toBe(made[0].uuid);
    expect((await list({ field: 'MODIFIED_AT', direction: 'ASC' })).at(-1)).toBe(made[0].uuid);
    // The three share one container (identical requests reuse it): its list orders the same way.
    const nested = async (orderBy: unknown) =>
      ok(
        await gw().gql(
          `query($c: ID!, $o: ContainerRequestOrder) { container(uuid: $c) { containerRequests(orderBy: $o) { nodes { uuid } } } }`,
          { c: made[0].containerUuid, o: orderBy },
          owner.token,
        ),
      ).container.containerRequests.nodes.map((n: Data) => n.uuid);
    expect(new Set(made.map((c) => c.containerUuid)).size).toBe(1);
    expect(await nested({ field: 'CREATED_AT', direction: 'ASC' })).toEqual(byCreation);
    expect(await nested(null)).toEqual([...byCreation].reverse());
  });

  test('runtimeConstraintsTyped and mountsTyped read the JSON fields with types, on requests and containers', async () => {
    const rc = {
      vcpus: 2,
      ram: 2 ** 40,
      keep_cache_ram: 1024,
      API: true,
      cuda: { device_count: 1, driver_version: '11.0', hardware_capability: '7.5' },
      gpu: { stack: 'cuda', device_count: 2, driver_version: 535, hardware_target: ['8.0'], vram: 2 ** 33 },
    };
    const mounts = {
      '/tmp': { kind: 'tmp', capacity: 1_000_000 },
      '/in': { kind: 'collection', portable_data_hash: 'abc+1', path: 'sub', writable: false },
      '/cfg': { kind: 'json', content: { a: [1] } },
    };
    const cr = await createRequest(gw(), user.token, {
      command: ['echo', tag()],
      runtimeConstraints: rc,
      mounts,
    });
    const typed = `runtimeConstraints runtimeConstraintsTyped { vcpus ram keepCacheRam keepCacheDisk api
      cuda { deviceCount driverVersion hardwareCapability } gpu { stack deviceCount driverVersion hardwareTarget vram } }
      mountsTyped { mountPoint kind portableDataHash uuid path writable capacity content commit gitUrl excludeFromOutput }`;
    const r = ok(
      await gw().gql(
        `query($u: ID!) { containerRequest(uuid: $u) { ${typed} container { ${typed} } } }`,
        { u: cr.uuid },
        user.token,
      ),
    ).containerRequest;
    const expected = {
      runtimeConstraints: rc,
      runtimeConstraintsTyped: {
        vcpus: 2,
        ram: String(2 ** 40),
        keepCacheRam: '1024',
        keepCacheDisk: null,
        api: true,
        cuda: { deviceCount: 1, driverVersion: '11.0', hardwareCapability: '7.5' },
        // A value of the wrong type reads as null rather than failing the field.
        gpu: {
          stack: 'cuda',
          deviceCount: 2,
          driverVersion: null,
          hardwareTarget: ['8.0'],
          vram: String(2 ** 33),
        },
      },
      mountsTyped: [
        { mountPoint: '/cfg', kind: 'json', content: { a: [1] } },
        { mountPoint: '/in', kind: 'collection', portableDataHash: 'abc+1', path: 'sub', writable: false },
        { mountPoint: '/tmp', kind: 'tmp', capacity: '1000000' },
      ].map((m) => ({
        portableDataHash: null,
        uuid: null,
        path: null,
        writable: null,
        capacity: null,
        content: null,
        commit: null,
        gitUrl: null,
        excludeFromOutput: null,
        ...m,
      })),
    };
    expect(r).toEqual({ ...expected, container: expected });
  });
});

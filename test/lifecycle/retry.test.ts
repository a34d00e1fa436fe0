import { createRequest, lock, updateContainer, updateRequest } from '../helpers/api.js';
import { errorCode, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { readContainer, readRequest, tag } from '../helpers/lifecycle.js';

describeBackends('retry after cancel (design.md §5)', (gw) => {
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    user = await gw().newUser();
  });

  test('up to containerCountMax new QUEUED containers, then FINAL', async () => {
    const me = await gw().newUser(); // its own user: the QUEUED count below is this test's
    const cr = await createRequest(gw(), me.token, {
      command: ['echo', tag()],
      containerCountMax: 3,
      priority: 2,
    });
    const seen: string[] = [cr.containerUuid];
    expect(cr.containerCount).toBe(1);

    // Cancelled from QUEUED, then from RUNNING: each time a new QUEUED container takes the request.
    for (const [count, via] of [
      [2, 'QUEUED'],
      [3, 'RUNNING'],
    ] as const) {
      const current = seen[seen.length - 1]!;
      if (via === 'RUNNING') {
        ok(await lock(gw(), gw().rootToken, current));
        ok(await updateContainer(gw(), gw().rootToken, current, { state: 'RUNNING' }));
      }
      ok(await updateContainer(gw(), gw().rootToken, current, { state: 'CANCELLED', log: `log-${count}` }));
      const now = await readRequest(gw(), me.token, cr.uuid);
      expect(now).toMatchObject({ state: 'COMMITTED', containerCount: count, log: null });
      expect(seen).not.toContain(now.containerUuid);
      seen.push(now.containerUuid as string);
      const next = await readContainer(gw(), me.token, now.containerUuid as string);
      expect(next).toMatchObject({
        state: 'QUEUED',
        lockedByUuid: null,
        authUuid: null,
        runtimeUserUuid: me.uuid,
        runtimeAuthScopes: ['all'],
      });
      // The new container carries the request's claim.
      expect(next.priority).toBe(String(2 * 2 ** 50 - Date.parse(now.createdAt as string)));
      // No request points at the cancelled container any more: only admins see it (design.md §5 visibility).
      expect((await readContainer(gw(), gw().rootToken, current)).state).toBe('CANCELLED');
      expect(
        errorCode(
          await gw().gql(`query($u: ID!) { container(uuid: $u) { uuid } }`, { u: current }, me.token),
        ),
      ).toBe('NOT_FOUND');
    }

    // containerCount has reached containerCountMax: the third cancel finalizes the request.
    const last = seen[2]!;
    ok(
      await updateContainer(gw(), gw().rootToken, last, {
        state: 'CANCELLED',
        log: 'last-log',
        output: 'partial',
      }),
    );
    expect(await readRequest(gw(), me.token, cr.uuid)).toMatchObject({
      state: 'FINAL',
      containerCount: 3,
      containerUuid: last,
      log: 'last-log',
      output: 'partial',
    });
    for (const u of seen) expect((await readContainer(gw(), gw().rootToken, u)).state).toBe('CANCELLED');
    // No fourth container was made for it: nothing of the user's is QUEUED.
    const queued = ok(
      await gw().gql(`{ containers(filter: {state: QUEUED}) { totalCount } }`, {}, me.token),
    ).containers;
    expect(queued.totalCount).toBe(0);
  });

  test('the new container copies the request fields', async () => {
    const input = {
      command: ['echo', tag()],
      cwd: '/w',
      environment: { E: 'v' },
      mounts: { '/m': { kind: 'tmp' } },
      runtimeConstraints: { vcpus: 2, ram: 2000 },
      schedulingParameters: { partitions: ['p'] },
      outputPath: '/o',
      containerImage: 'img:9',
    };
    const cr = await createRequest(gw(), user.token, input);
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'CANCELLED' }));
    const moved = await readRequest(gw(), user.token, cr.uuid);
    const fields = `command cwd environment mounts runtimeConstraints schedulingParameters outputPath containerImage runtimeUserUuid runtimeAuthScopes`;
    const read = async (u: unknown) =>
      ok(await gw().gql(`query($u: ID!) { container(uuid: $u) { ${fields} } }`, { u }, gw().rootToken))
        .container;
    expect(await read(moved.containerUuid)).toEqual(await read(cr.containerUuid));
    expect(await read(moved.containerUuid)).toMatchObject(input);
  });

  test('a request with priority 0 is not retried: it is finalized', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], priority: 1 });
    ok(await lock(gw(), gw().rootToken, cr.containerUuid));
    ok(await updateRequest(gw(), user.token, cr.uuid, { priority: 0 }));
    expect(await readRequest(gw(), user.token, cr.uuid)).toMatchObject({ state: 'COMMITTED', priority: 0 });
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'CANCELLED' }));
    expect(await readRequest(gw(), user.token, cr.uuid)).toMatchObject({
      state: 'FINAL',
      containerCount: 1,
      containerUuid: cr.containerUuid,
    });
  });

  test('containerCountMax 1: the first cancel finalizes', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], containerCountMax: 1 });
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'CANCELLED' }));
    expect(await readRequest(gw(), user.token, cr.uuid)).toMatchObject({
      state: 'FINAL',
      containerCount: 1,
      containerUuid: cr.containerUuid,
    });
  });

  test('raising containerCountMax while COMMITTED allows more retries', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], containerCountMax: 1 });
    ok(await updateRequest(gw(), user.token, cr.uuid, { containerCountMax: 2 }));
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'CANCELLED' }));
    const now = await readRequest(gw(), user.token, cr.uuid);
    expect(now).toMatchObject({ state: 'COMMITTED', containerCount: 2 });
    expect(now.containerUuid).not.toBe(cr.containerUuid);
  });

  test('several requests on the cancelled container: those with priority > 0 move together to one new container', async () => {
    const t = tag();
    const a = await createRequest(gw(), user.token, { command: ['echo', t], priority: 1 });
    const b = await createRequest(gw(), user.token, { command: ['echo', t], priority: 2 });
    const c = await createRequest(gw(), user.token, { command: ['echo', t], priority: 3 });
    expect(new Set([a.containerUuid, b.containerUuid, c.containerUuid]).size).toBe(1);
    ok(await updateRequest(gw(), user.token, c.uuid, { priority: 0 }));
    ok(await updateContainer(gw(), gw().rootToken, a.containerUuid, { state: 'CANCELLED' }));
    const [ra, rb, rc] = [
      await readRequest(gw(), user.token, a.uuid),
      await readRequest(gw(), user.token, b.uuid),
      await readRequest(gw(), user.token, c.uuid),
    ];
    expect(ra).toMatchObject({ state: 'COMMITTED', containerCount: 2 });
    expect(rb).toMatchObject({ state: 'COMMITTED', containerCount: 2, containerUuid: ra.containerUuid });
    expect(ra.containerUuid).not.toBe(a.containerUuid);
    expect(rc).toMatchObject({ state: 'FINAL', containerCount: 1, containerUuid: a.containerUuid });
    expect((await readContainer(gw(), user.token, ra.containerUuid as string)).priority).toBe(
      String(2 * 2 ** 50 - Date.parse(rb.createdAt as string)),
    );
  });
});

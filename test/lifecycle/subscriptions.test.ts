import { createRequest, lock, updateContainer, updateRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';
import { sseClient } from '../helpers/sse.js';

describeBackends('subscriptions over SSE', (gw) => {
  let user: { uuid: string; token: string };
  const open = sseClient(gw);
  beforeAll(async () => {
    user = await gw().newUser();
  });

  test('containerRequestUpdated: an event after the change commits, with the new state', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], state: 'UNCOMMITTED' });
    const sub = await open(
      `subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid state name containerUuid } }`,
      { u: cr.uuid },
      user.token,
    );
    expect(sub.status).toBe(200);
    expect(sub.contentType).toMatch(/^text\/event-stream/);
    await sub.ready();

    ok(await updateRequest(gw(), user.token, cr.uuid, { name: 'renamed' }));
    expect((await sub.next()).data.containerRequestUpdated).toMatchObject({
      uuid: cr.uuid,
      state: 'UNCOMMITTED',
      name: 'renamed',
    });

    ok(await updateRequest(gw(), user.token, cr.uuid, { state: 'COMMITTED' }));
    const committed = (await sub.next()).data.containerRequestUpdated;
    expect(committed).toMatchObject({ uuid: cr.uuid, state: 'COMMITTED' });
    expect(committed.containerUuid).toMatch(/^zzzzz-dz642-/);
  });

  test('containerUpdated: events for lock and run, to the owner of a request on it', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const sub = await open(
      `subscription($u: ID!) { containerUpdated(uuid: $u) { uuid state lockedByUuid } }`,
      { u: cr.containerUuid },
      user.token,
    );
    await sub.ready();

    ok(await lock(gw(), gw().rootToken, cr.containerUuid));
    const locked = (await sub.next()).data.containerUpdated;
    expect(locked).toMatchObject({ uuid: cr.containerUuid, state: 'LOCKED' });
    expect(locked.lockedByUuid).toMatch(/^zzzzz-gj3su-/);

    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'RUNNING' }));
    expect((await sub.next()).data.containerUpdated).toMatchObject({
      uuid: cr.containerUuid,
      state: 'RUNNING',
    });
  });

  test("a container's completion reaches a request subscriber as FINAL", async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    ok(await lock(gw(), gw().rootToken, cr.containerUuid));
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'RUNNING' }));
    const sub = await open(
      `subscription($u: ID!) { containerRequestUpdated(uuid: $u) { state output } }`,
      { u: cr.uuid },
      user.token,
    );
    await sub.ready();
    ok(
      await updateContainer(gw(), gw().rootToken, cr.containerUuid, {
        state: 'COMPLETE',
        exitCode: 0,
        output: 'out',
      }),
    );
    expect((await sub.next()).data.containerRequestUpdated).toEqual({ state: 'FINAL', output: 'out' });
  });

  test('another user subscribing to a request or container they cannot see: NOT_FOUND', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const other = await gw().newUser();
    for (const [query, u] of [
      [`subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid } }`, cr.uuid],
      [`subscription($u: ID!) { containerUpdated(uuid: $u) { uuid } }`, cr.containerUuid],
    ] as const) {
      const sub = await open(query, { u }, other.token);
      const first = await sub.next();
      expect(first.data ?? null).toBeNull();
      expect(first.errors[0].extensions.code).toBe('NOT_FOUND');
      sub.close();
    }
  });

  test('an admin may subscribe to anything', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const sub = await open(
      `subscription($u: ID!) { containerUpdated(uuid: $u) { state } }`,
      { u: cr.containerUuid },
      gw().rootToken,
    );
    await sub.ready();
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'CANCELLED' }));
    expect((await sub.next()).data.containerUpdated).toEqual({ state: 'CANCELLED' });
  });
});

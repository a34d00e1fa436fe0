import { createRequest, lock, updateContainer, updateRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';
import { sseClient } from '../helpers/sse.js';

const DELETE = `mutation($u: ID!) { deleteContainerRequest(uuid: $u) { deletedId } }`;

describeBackends('subscriptions over SSE', (gw) => {
  let user: { uuid: string; token: string };
  const open = sseClient(gw);
  beforeAll(async () => {
    user = await gw().newUser();
  });

  test('containerRequestUpdated: the current state first, then an event after each change commits', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], state: 'UNCOMMITTED' });
    const sub = await open(
      `subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid state name containerUuid } }`,
      { u: cr.uuid },
      user.token,
    );
    expect(sub.status).toBe(200);
    expect(sub.contentType).toMatch(/^text\/event-stream/);
    await sub.ready();
    expect((await sub.next()).data.containerRequestUpdated).toEqual({
      uuid: cr.uuid,
      state: 'UNCOMMITTED',
      name: 'test request',
      containerUuid: null,
    });

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

  test("containerRequestUpdated also fires when the request's container changes, and completes after FINAL", async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const sub = await open(
      `subscription($u: ID!) { containerRequestUpdated(uuid: $u) { state output container { state progress log } } }`,
      { u: cr.uuid },
      user.token,
    );
    await sub.ready();
    expect((await sub.next()).data.containerRequestUpdated).toMatchObject({
      state: 'COMMITTED',
      container: { state: 'QUEUED' },
    });
    ok(await lock(gw(), gw().rootToken, cr.containerUuid));
    expect((await sub.next()).data.containerRequestUpdated.container.state).toBe('LOCKED');
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'RUNNING' }));
    expect((await sub.next()).data.containerRequestUpdated.container.state).toBe('RUNNING');
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { progress: 0.5, log: 'half way' }));
    expect((await sub.next()).data.containerRequestUpdated.container).toEqual({
      state: 'RUNNING',
      progress: 0.5,
      log: 'half way',
    });
    ok(
      await updateContainer(gw(), gw().rootToken, cr.containerUuid, {
        state: 'COMPLETE',
        exitCode: 0,
        output: 'out',
      }),
    );
    expect((await sub.next()).data.containerRequestUpdated).toMatchObject({ state: 'FINAL', output: 'out' });
    await sub.completes();
  });

  test("another container's changes are not this request's", async () => {
    const mine = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const other = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const sub = await open(
      `subscription($u: ID!) { containerRequestUpdated(uuid: $u) { name } }`,
      { u: mine.uuid },
      user.token,
    );
    await sub.ready();
    await sub.next(); // current state
    ok(await lock(gw(), gw().rootToken, other.containerUuid));
    ok(await updateRequest(gw(), user.token, mine.uuid, { name: 'next' }));
    // The first event after the current state is the rename, not the other container's lock.
    expect((await sub.next()).data.containerRequestUpdated).toEqual({ name: 'next' });
  });

  test('a late subscriber to a FINAL request gets its final state, then the stream completes', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], useExisting: false });
    ok(await lock(gw(), gw().rootToken, cr.containerUuid));
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'RUNNING' }));
    ok(
      await updateContainer(gw(), gw().rootToken, cr.containerUuid, {
        state: 'COMPLETE',
        exitCode: 0,
        output: 'late',
      }),
    );
    // One after the other: the second may come on the connection the first one used.
    const sub = await open(
      `subscription($u: ID!) { containerRequestUpdated(uuid: $u) { state output } }`,
      { u: cr.uuid },
      user.token,
    );
    expect((await sub.next()).data.containerRequestUpdated).toEqual({ state: 'FINAL', output: 'late' });
    await sub.completes();
    const container = await open(
      `subscription($u: ID!) { containerUpdated(uuid: $u) { state exitCode } }`,
      { u: cr.containerUuid },
      user.token,
    );
    expect((await container.next()).data.containerUpdated).toEqual({ state: 'COMPLETE', exitCode: 0 });
    await container.completes();
  });

  test('containerUpdated: current state, then lock and run, to the owner of a request on it', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const sub = await open(
      `subscription($u: ID!) { containerUpdated(uuid: $u) { uuid state lockedByUuid } }`,
      { u: cr.containerUuid },
      user.token,
    );
    await sub.ready();
    expect((await sub.next()).data.containerUpdated).toEqual({
      uuid: cr.containerUuid,
      state: 'QUEUED',
      lockedByUuid: null,
    });

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

  test('a deleted request: its stream ends with NOT_FOUND', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], state: 'UNCOMMITTED' });
    const sub = await open(
      `subscription($u: ID!) { containerRequestUpdated(uuid: $u) { state } }`,
      { u: cr.uuid },
      user.token,
    );
    await sub.ready();
    expect((await sub.next()).data.containerRequestUpdated).toEqual({ state: 'UNCOMMITTED' });
    ok(await gw().gql(DELETE, { u: cr.uuid }, user.token));
    const last = await sub.next();
    expect(last.data?.containerRequestUpdated ?? null).toBeNull();
    expect(last.errors[0].extensions.code).toBe('NOT_FOUND');
    await sub.completes();
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

  test('an admin may subscribe to anything; a cancelled container completes the stream', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const sub = await open(
      `subscription($u: ID!) { containerUpdated(uuid: $u) { state } }`,
      { u: cr.containerUuid },
      gw().rootToken,
    );
    await sub.ready();
    expect((await sub.next()).data.containerUpdated).toEqual({ state: 'QUEUED' });
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'CANCELLED' }));
    expect((await sub.next()).data.containerUpdated).toEqual({ state: 'CANCELLED' });
    await sub.completes();
  });
});

import { containerAuth, createRequest, getRequest, lock, unlock, updateContainer } from '../helpers/api.js';
import { errorCode, expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { readContainer } from '../helpers/lifecycle.js';

describeBackends('a dispatcher drives a request to FINAL', (gw) => {
  test('list QUEUED, lock, containerAuth, RUNNING, COMPLETE', async () => {
    const user = await gw().newUser();
    const cr = await createRequest(gw(), user.token);
    expect(cr.state).toBe('COMMITTED');
    expect(cr.containerUuid).toMatch(/^zzzzz-dz642-/);

    const dispatcher = gw().rootToken;
    const queue = await gw().gql(
      `{ containers(filter: {state: QUEUED, minPriority: 1}) { totalCount nodes { uuid priority } } }`,
      {},
      dispatcher,
    );
    expect(queue.errors).toBeUndefined();
    const uuids = queue.data.containers.nodes.map((n: { uuid: string }) => n.uuid);
    expect(uuids).toContain(cr.containerUuid);

    const locked = await lock(gw(), dispatcher, cr.containerUuid);
    expect(locked.errors).toBeUndefined();
    expect(locked.data.lockContainer.state).toBe('LOCKED');
    expect(locked.data.lockContainer.authUuid).toMatch(/^zzzzz-gj3su-/);

    const auth = await containerAuth(gw(), dispatcher, cr.containerUuid);
    expect(auth.errors).toBeUndefined();
    const containerToken = auth.data.containerAuth.apiToken as string;
    expect(auth.data.containerAuth.userUuid).toBe(user.uuid);
    expect(auth.data.containerAuth.scopes).toEqual(['all']);

    const running = await updateContainer(gw(), dispatcher, cr.containerUuid, { state: 'RUNNING' });
    expect(running.data.updateContainer.state).toBe('RUNNING');

    // The container's own token works while RUNNING.
    const me = await gw().gql('{ currentContainer { uuid state } }', {}, containerToken);
    expect(me.data.currentContainer).toEqual({ uuid: cr.containerUuid, state: 'RUNNING' });
    const progress = await updateContainer(gw(), containerToken, cr.containerUuid, { progress: 0.5 });
    expect(progress.errors).toBeUndefined();

    const done = await updateContainer(gw(), dispatcher, cr.containerUuid, {
      state: 'COMPLETE',
      exitCode: 0,
      log: 'log-pdh',
      output: 'out-pdh',
    });
    expect(done.errors).toBeUndefined();
    expect(done.data.updateContainer).toMatchObject({
      state: 'COMPLETE',
      exitCode: 0,
      lockedByUuid: null,
      authUuid: null,
    });

    const final = await getRequest(gw(), user.token, cr.uuid);
    expect(final.data.containerRequest).toMatchObject({ state: 'FINAL', log: 'log-pdh', output: 'out-pdh' });

    // The generated token expired when the container left RUNNING.
    const after = await gw().gql('{ me { uuid } }', {}, containerToken);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
  });

  test('the generated token, plain and container-bound: usable while LOCKED and RUNNING, rejected after COMPLETE', async () => {
    const user = await gw().newUser();
    const dispatcher = (await gw().newUser({ isAdmin: true })).token;
    const cr = await createRequest(gw(), user.token, {
      command: ['echo', 'bound', Math.random().toString(36)],
    });
    ok(await lock(gw(), dispatcher, cr.containerUuid));
    const token = ok(await containerAuth(gw(), dispatcher, cr.containerUuid)).containerAuth
      .apiToken as string;
    const bound = `${token}/${cr.containerUuid}`;
    const current = '{ currentContainer { uuid state } }';

    for (const t of [token, bound])
      expect(ok(await gw().gql(current, {}, t)).currentContainer).toEqual({
        uuid: cr.containerUuid,
        state: 'LOCKED',
      });
    ok(await updateContainer(gw(), dispatcher, cr.containerUuid, { state: 'RUNNING' }));
    for (const t of [token, bound]) {
      expect(ok(await gw().gql(current, {}, t)).currentContainer).toEqual({
        uuid: cr.containerUuid,
        state: 'RUNNING',
      });
      // It acts as the runtime user: it sees the user's request.
      expect(ok(await getRequest(gw(), t, cr.uuid)).containerRequest.uuid).toBe(cr.uuid);
    }
    // The container reports its own result with its token.
    ok(await updateContainer(gw(), bound, cr.containerUuid, { progress: 0.9, output: 'from-inside' }));
    ok(await updateContainer(gw(), dispatcher, cr.containerUuid, { state: 'COMPLETE', exitCode: 0 }));

    for (const t of [token, bound]) expectError(await gw().gql(current, {}, t), 'UNAUTHENTICATED');
    expectError(await updateContainer(gw(), token, cr.containerUuid, { progress: 1 }), 'UNAUTHENTICATED');
    // The lock is gone: containerAuth no longer answers the dispatcher.
    expectError(await containerAuth(gw(), dispatcher, cr.containerUuid), 'FORBIDDEN', {
      message: 'Not locked by your token',
    });
    expect(ok(await getRequest(gw(), user.token, cr.uuid)).containerRequest).toMatchObject({
      state: 'FINAL',
      output: 'from-inside',
    });
  });

  test('the generated token is rejected after unlock, and the next lock hands out a new one', async () => {
    const user = await gw().newUser();
    const dispatcher = gw().rootToken;
    const cr = await createRequest(gw(), user.token, {
      command: ['echo', 'unlock', Math.random().toString(36)],
    });
    ok(await lock(gw(), dispatcher, cr.containerUuid));
    const first = ok(await containerAuth(gw(), dispatcher, cr.containerUuid)).containerAuth;
    expect(ok(await gw().gql('{ me { uuid } }', {}, first.apiToken)).me.uuid).toBe(user.uuid);

    ok(await unlock(gw(), dispatcher, cr.containerUuid));
    expectError(await gw().gql('{ me { uuid } }', {}, first.apiToken), 'UNAUTHENTICATED');
    expectError(
      await gw().gql('{ me { uuid } }', {}, `${first.apiToken}/${cr.containerUuid}`),
      'UNAUTHENTICATED',
    );
    expectError(await containerAuth(gw(), dispatcher, cr.containerUuid), 'FORBIDDEN');
    // Expired, not deleted: an admin still finds the token row, with expiresAt set.
    const row = ok(
      await gw().gql(
        `query($id: ID!) { node(id: $id) { ... on ApiClientAuthorization { expiresAt } } }`,
        { id: first.uuid },
        dispatcher,
      ),
    );
    expect(row.node.expiresAt).not.toBeNull();

    ok(await lock(gw(), dispatcher, cr.containerUuid));
    const second = ok(await containerAuth(gw(), dispatcher, cr.containerUuid)).containerAuth;
    expect(second.uuid).not.toBe(first.uuid);
    expect((await readContainer(gw(), dispatcher, cr.containerUuid)).authUuid).toBe(second.uuid);
    expect(
      ok(await gw().gql('{ currentContainer { uuid } }', {}, second.apiToken)).currentContainer.uuid,
    ).toBe(cr.containerUuid);
    expectError(await gw().gql('{ me { uuid } }', {}, first.apiToken), 'UNAUTHENTICATED');
  });
});

import { describeBackends } from '../helpers/gateway.js';
import { code, containerAuth, createRequest, getRequest, lock, updateContainer } from '../helpers/requests.js';

describeBackends('a dispatcher drives a request to FINAL', (gw) => {
  test('list QUEUED, lock, containerAuth, RUNNING, COMPLETE', async () => {
    const user = await gw().newUser();
    const cr = await createRequest(gw(), user.token);
    expect(cr.state).toBe('COMMITTED');
    expect(cr.containerUuid).toMatch(/^zzzzz-dz642-/);

    const dispatcher = gw().rootToken;
    const queue = await gw().gql(`{ containers(filter: {state: QUEUED, minPriority: 1}) { totalCount nodes { uuid priority } } }`, {}, dispatcher);
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

    const done = await updateContainer(gw(), dispatcher, cr.containerUuid, { state: 'COMPLETE', exitCode: 0, log: 'log-pdh', output: 'out-pdh' });
    expect(done.errors).toBeUndefined();
    expect(done.data.updateContainer).toMatchObject({ state: 'COMPLETE', exitCode: 0, lockedByUuid: null, authUuid: null });

    const final = await getRequest(gw(), user.token, cr.uuid);
    expect(final.data.containerRequest).toMatchObject({ state: 'FINAL', log: 'log-pdh', output: 'out-pdh' });

    // The generated token expired when the container left RUNNING.
    const after = await gw().gql('{ me { uuid } }', {}, containerToken);
    expect(code(after)).toBe('UNAUTHENTICATED');
  });
});

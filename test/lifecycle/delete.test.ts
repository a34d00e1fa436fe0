import { createRequest, lock, updateContainer, updateRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { readContainer, readRequest, tag } from '../helpers/lifecycle.js';

const DELETE = `mutation($u: ID!) { deleteContainerRequest(uuid: $u) { deletedId deletedTypename } }`;

describeBackends('deleteContainerRequest', (gw) => {
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    user = await gw().newUser();
  });
  const gone = async (uuid: string) =>
    expectError(
      await gw().gql(`query($u: ID!) { containerRequest(uuid: $u) { uuid } }`, { u: uuid }, gw().rootToken),
      'NOT_FOUND',
    );

  test.each(['UNCOMMITTED', 'COMMITTED', 'FINAL'] as const)(
    'the owner deletes a %s request',
    async (state) => {
      const cr = await createRequest(gw(), user.token, {
        command: ['echo', tag()],
        state: state === 'UNCOMMITTED' ? 'UNCOMMITTED' : 'COMMITTED',
      });
      if (state === 'FINAL') ok(await updateRequest(gw(), user.token, cr.uuid, { state: 'FINAL' }));
      // What a client cache needs to evict it: its id and its type.
      expect(ok(await gw().gql(DELETE, { u: cr.uuid }, user.token)).deleteContainerRequest).toEqual({
        deletedId: cr.uuid,
        deletedTypename: 'ContainerRequest',
      });
      await gone(cr.uuid);
      // Twice: it no longer exists.
      expectError(await gw().gql(DELETE, { u: cr.uuid }, user.token), 'NOT_FOUND');
    },
  );

  test('another user: NOT_FOUND, and the request stays', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const other = await gw().newUser();
    expectError(await gw().gql(DELETE, { u: cr.uuid }, other.token), 'NOT_FOUND');
    expect((await readRequest(gw(), user.token, cr.uuid)).state).toBe('COMMITTED');
  });

  test('an admin may delete any request', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], state: 'UNCOMMITTED' });
    expect(ok(await gw().gql(DELETE, { u: cr.uuid }, gw().rootToken)).deleteContainerRequest.deletedId).toBe(
      cr.uuid,
    );
    await gone(cr.uuid);
  });

  test("deleting a COMMITTED request drops its claim on the container's priority", async () => {
    const t = tag();
    const high = await readRequest(
      gw(),
      user.token,
      (await createRequest(gw(), user.token, { command: ['echo', t], priority: 3 })).uuid,
    );
    const low = await readRequest(
      gw(),
      user.token,
      (await createRequest(gw(), user.token, { command: ['echo', t], priority: 1 })).uuid,
    );
    const container = high.containerUuid as string;
    expect(low.containerUuid).toBe(container);
    const priorityOf = async () => (await readContainer(gw(), gw().rootToken, container)).priority;
    expect(await priorityOf()).toBe(String(3 * 2 ** 50 - Date.parse(high.createdAt as string)));

    ok(await gw().gql(DELETE, { u: high.uuid }, user.token));
    expect(await priorityOf()).toBe(String(1 * 2 ** 50 - Date.parse(low.createdAt as string)));
    ok(await gw().gql(DELETE, { u: low.uuid }, user.token));
    expect(await priorityOf()).toBe('0');
    // Nobody wants it any more: withdrawn work is cancelled at once (design.md §3); with no
    // request pointing at it, only admins see it.
    expect((await readContainer(gw(), gw().rootToken, container)).state).toBe('CANCELLED');
    expectError(
      await gw().gql(`query($u: ID!) { container(uuid: $u) { uuid } }`, { u: container }, user.token),
      'NOT_FOUND',
    );
  });

  test('deleting the request of a RUNNING container sets its priority to 0 (the dispatcher cancels)', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], priority: 2 });
    ok(await lock(gw(), gw().rootToken, cr.containerUuid));
    ok(await updateContainer(gw(), gw().rootToken, cr.containerUuid, { state: 'RUNNING' }));
    ok(await gw().gql(DELETE, { u: cr.uuid }, user.token));
    expect(await readContainer(gw(), gw().rootToken, cr.containerUuid)).toMatchObject({
      state: 'RUNNING',
      priority: '0',
    });
  });
});

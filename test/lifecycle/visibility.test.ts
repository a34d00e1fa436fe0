import { createRequest, lock, unlock, updateContainer, updateRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { type Data, describeBackends } from '../helpers/gateway.js';
import { clockPast, containerIn, readContainer, readRequest, tag } from '../helpers/lifecycle.js';
import { newToken } from '../helpers/tokens.js';

describeBackends('visibility: owners and admins (design.md §3, §5, §9)', (gw) => {
  let a: { uuid: string; token: string };
  let b: { uuid: string; token: string };
  let admin: { uuid: string; token: string };
  let aCr: Data;
  let aRunning: { cr: Data; containerUuid: string };
  beforeAll(async () => {
    [a, b, admin] = [await gw().newUser(), await gw().newUser(), await gw().newUser({ isAdmin: true })];
    aCr = await createRequest(gw(), a.token, { command: ['echo', tag()], name: 'secret-plan' });
    aRunning = await containerIn(gw(), a.token, 'RUNNING');
    await createRequest(gw(), b.token, { command: ['echo', tag()], name: 'b-own' });
  });

  const crQuery = `query($u: ID!) { containerRequest(uuid: $u) { uuid } }`;
  const cQuery = `query($u: ID!) { container(uuid: $u) { uuid } }`;
  const nodeQuery = `query($id: ID!) { node(id: $id) { id } }`;

  test("B gets NOT_FOUND for A's request and its container, and node(id:) is null", async () => {
    expectError(await gw().gql(crQuery, { u: aCr.uuid }, b.token), 'NOT_FOUND');
    expectError(await gw().gql(cQuery, { u: aCr.containerUuid }, b.token), 'NOT_FOUND');
    expect(ok(await gw().gql(nodeQuery, { id: aCr.uuid }, b.token)).node).toBeNull();
    expect(ok(await gw().gql(nodeQuery, { id: aCr.containerUuid }, b.token)).node).toBeNull();
    // The same answers as for uuids that do not exist.
    expectError(await gw().gql(crQuery, { u: 'zzzzz-xvhdp-000000000000000' }, b.token), 'NOT_FOUND');
    expectError(await gw().gql(cQuery, { u: 'zzzzz-dz642-000000000000000' }, b.token), 'NOT_FOUND');
  });

  test("B's mutations on A's objects: NOT_FOUND, never FORBIDDEN, and nothing changes", async () => {
    expectError(await updateRequest(gw(), b.token, aCr.uuid, { name: 'mine now' }), 'NOT_FOUND');
    expectError(
      await gw().gql(
        `mutation($u: ID!) { deleteContainerRequest(uuid: $u) { deletedId } }`,
        { u: aCr.uuid },
        b.token,
      ),
      'NOT_FOUND',
    );
    expectError(await lock(gw(), b.token, aCr.containerUuid), 'NOT_FOUND');
    expectError(await unlock(gw(), b.token, aRunning.containerUuid), 'NOT_FOUND');
    expectError(await updateContainer(gw(), b.token, aRunning.containerUuid, { progress: 0.1 }), 'NOT_FOUND');
    expectError(
      await gw().gql(
        `query($u: ID!) { containerAuth(uuid: $u) { uuid } }`,
        { u: aRunning.containerUuid },
        b.token,
      ),
      'NOT_FOUND',
    );
    expectError(
      await gw().gql(
        `query($u: ID!) { containerSecretMounts(uuid: $u) }`,
        { u: aRunning.containerUuid },
        b.token,
      ),
      'NOT_FOUND',
    );
    const still = ok(
      await gw().gql(`query($u: ID!) { containerRequest(uuid: $u) { name } }`, { u: aCr.uuid }, a.token),
    );
    expect(still.containerRequest.name).toBe('secret-plan');
    expect((await readContainer(gw(), a.token, aRunning.containerUuid)).progress).toBeNull();
  });

  test("B's lists exclude A's objects, totalCount included", async () => {
    const crs = ok(
      await gw().gql(
        `{ containerRequests(first: 1000) { totalCount nodes { uuid ownerUuid } } }`,
        {},
        b.token,
      ),
    ).containerRequests;
    expect(crs.nodes.map((n: Data) => n.ownerUuid)).toEqual(crs.nodes.map(() => b.uuid));
    expect(crs.totalCount).toBe(crs.nodes.length);
    expect(crs.nodes.map((n: Data) => n.uuid)).not.toContain(aCr.uuid);
    const cs = ok(
      await gw().gql(`{ containers(first: 1000) { totalCount nodes { uuid } } }`, {}, b.token),
    ).containers;
    expect(cs.totalCount).toBe(cs.nodes.length);
    expect(cs.nodes.map((n: Data) => n.uuid)).not.toContain(aCr.containerUuid);
    expect(cs.nodes.map((n: Data) => n.uuid)).not.toContain(aRunning.containerUuid);
    // Filters cannot reach across either.
    const byContainer = ok(
      await gw().gql(
        `query($c: ID!) { containerRequests(filter: {containerUuid: $c}) { totalCount } }`,
        { c: aCr.containerUuid },
        b.token,
      ),
    );
    expect(byContainer.containerRequests.totalCount).toBe(0);
    const byName = ok(
      await gw().gql(
        `{ containerRequests(filter: {nameContains: "secret-plan"}) { totalCount } }`,
        {},
        b.token,
      ),
    );
    expect(byName.containerRequests.totalCount).toBe(0);
  });

  test('admins see everything', async () => {
    expect(ok(await gw().gql(crQuery, { u: aCr.uuid }, admin.token)).containerRequest.uuid).toBe(aCr.uuid);
    expect(ok(await gw().gql(cQuery, { u: aCr.containerUuid }, admin.token)).container.uuid).toBe(
      aCr.containerUuid,
    );
    expect(ok(await gw().gql(nodeQuery, { id: aCr.uuid }, admin.token)).node.id).toBe(aCr.uuid);
    expect(ok(await gw().gql(nodeQuery, { id: aCr.containerUuid }, admin.token)).node.id).toBe(
      aCr.containerUuid,
    );
    const all = ok(
      await gw().gql(
        `{ containerRequests(first: 1000) { totalCount nodes { ownerUuid } } }`,
        {},
        admin.token,
      ),
    ).containerRequests;
    const owners = new Set(all.nodes.map((n: Data) => n.ownerUuid));
    expect(owners.has(a.uuid) && owners.has(b.uuid)).toBe(true);
    const aOnly = ok(await gw().gql(`{ containerRequests(first: 1000) { totalCount } }`, {}, a.token))
      .containerRequests.totalCount;
    const bOnly = ok(await gw().gql(`{ containerRequests(first: 1000) { totalCount } }`, {}, b.token))
      .containerRequests.totalCount;
    expect(all.totalCount).toBeGreaterThanOrEqual(aOnly + bOnly);
  });

  test('A sees its own request and container, also through node(id:)', async () => {
    expect(ok(await gw().gql(nodeQuery, { id: aCr.uuid }, a.token)).node.id).toBe(aCr.uuid);
    const c = ok(
      await gw().gql(
        `query($u: ID!) { containerRequest(uuid: $u) { container { uuid state } } }`,
        { u: aCr.uuid },
        a.token,
      ),
    );
    expect(c.containerRequest.container).toEqual({ uuid: aCr.containerUuid, state: 'QUEUED' });
  });

  test('Container.containerRequests lists only the requests the caller can see', async () => {
    const t = tag();
    const mine = await createRequest(gw(), a.token, { command: ['echo', t] });
    await clockPast((await readRequest(gw(), a.token, mine.uuid)).createdAt as string); // a strict newest-first order
    // B's request runs as A (A's runtime token): the same container.
    const theirs = await createRequest(gw(), b.token, {
      command: ['echo', t],
      runtimeToken: await newToken(gw(), a.token),
    });
    expect(theirs.containerUuid).toBe(mine.containerUuid);
    const q = `query($u: ID!) { container(uuid: $u) { containerRequests { totalCount nodes { uuid } } } }`;
    const list = async (token: string) =>
      ok(await gw().gql(q, { u: mine.containerUuid }, token)).container.containerRequests;
    expect(await list(a.token)).toEqual({ totalCount: 1, nodes: [{ uuid: mine.uuid }] });
    // B sees the container (its own request points at it), but only its own request.
    expect(await list(b.token)).toEqual({ totalCount: 1, nodes: [{ uuid: theirs.uuid }] });
    // Admins see both, newest first.
    expect(await list(admin.token)).toEqual({
      totalCount: 2,
      nodes: [{ uuid: theirs.uuid }, { uuid: mine.uuid }],
    });
    // Seeing the container gives B no right to change it.
    expectError(await updateContainer(gw(), b.token, mine.containerUuid, { progress: 0.3 }), 'FORBIDDEN');
    expectError(await lock(gw(), b.token, mine.containerUuid), 'FORBIDDEN');
  });
});

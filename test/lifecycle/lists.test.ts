import { createRequest, lock, updateContainer, updateRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { type Data, describeBackends } from '../helpers/gateway.js';
import { containerToken, readRequest, tag } from '../helpers/lifecycle.js';
import { tokenUuid } from '../helpers/tokens.js';

type Row = { uuid: string; createdAt: string };
/** Newest first, ties by uuid descending: the order the API promises. */
const newestFirst = (rows: Row[]) =>
  [...rows]
    .sort(
      (x, y) =>
        Date.parse(y.createdAt) - Date.parse(x.createdAt) || (y.uuid < x.uuid ? -1 : y.uuid > x.uuid ? 1 : 0),
    )
    .map((r) => r.uuid);

describeBackends('list filters and Relay pagination', (gw) => {
  // One user's fixture: every list below is scoped to it by visibility.
  let user: { uuid: string; token: string };
  let dispatcher: string;
  const crs: Record<string, Data> = {};
  beforeAll(async () => {
    user = await gw().newUser();
    dispatcher = (await gw().newUser({ isAdmin: true })).token;
    const t = tag();
    const make = async (key: string, input: Record<string, unknown>, token = user.token) => {
      const made = await createRequest(gw(), token, { command: ['echo', key, t], ...input });
      crs[key] = await readRequest(gw(), user.token, made.uuid);
    };
    await make('draft', { name: 'Alpha draft', state: 'UNCOMMITTED' });
    await make('queued', { name: 'BETA queued', priority: 1 });
    await make('cancelled', { name: 'beta-gamma cancelled', priority: 0 });
    await make('running', { name: 'runner', priority: 2 });
    ok(await lock(gw(), dispatcher, crs.running.containerUuid));
    ok(await updateContainer(gw(), dispatcher, crs.running.containerUuid, { state: 'RUNNING' }));
    await make(
      'child',
      { name: 'child of runner' },
      await containerToken(gw(), dispatcher, crs.running.containerUuid),
    );
    await make('final', { name: 'done' });
    ok(await updateRequest(gw(), user.token, crs.final.uuid, { state: 'FINAL' }));
    crs.final = await readRequest(gw(), user.token, crs.final.uuid);
  });

  const listRequests = async (filter: Record<string, unknown>) =>
    ok(
      await gw().gql(
        `query($f: ContainerRequestFilter) { containerRequests(filter: $f) { totalCount nodes { uuid } } }`,
        { f: filter },
        user.token,
      ),
    ).containerRequests;
  const listContainers = async (filter: Record<string, unknown>) =>
    ok(
      await gw().gql(
        `query($f: ContainerFilter) { containers(filter: $f) { totalCount nodes { uuid } } }`,
        { f: filter },
        user.token,
      ),
    ).containers;
  const uuids = (keys: string[]) => newestFirst(keys.map((k) => crs[k]));
  const cuuids = (keys: string[]) => keys.map((k) => crs[k].containerUuid as string);

  test('containerRequests: no filter', async () => {
    const all = await listRequests({});
    expect(all.nodes.map((n: Data) => n.uuid)).toEqual(uuids(Object.keys(crs)));
    expect(all.totalCount).toBe(6);
  });

  test.each([
    ['UNCOMMITTED', ['draft']],
    ['COMMITTED', ['queued', 'cancelled', 'running', 'child']],
    ['FINAL', ['final']],
  ])('containerRequests filter state %s', async (state, keys) => {
    const r = await listRequests({ state });
    expect(r.nodes.map((n: Data) => n.uuid)).toEqual(uuids(keys));
    expect(r.totalCount).toBe(keys.length);
  });

  test('containerRequests filter containerUuid and requestingContainerUuid', async () => {
    expect((await listRequests({ containerUuid: crs.queued.containerUuid })).nodes).toEqual([
      { uuid: crs.queued.uuid },
    ]);
    expect(crs.child.requestingContainerUuid).toBe(crs.running.containerUuid);
    expect(await listRequests({ requestingContainerUuid: crs.running.containerUuid })).toEqual({
      totalCount: 1,
      nodes: [{ uuid: crs.child.uuid }],
    });
  });

  test('containerRequests filter nameContains (case-insensitive) and combined filters', async () => {
    const beta = await listRequests({ nameContains: 'beta' });
    expect(beta.nodes.map((n: Data) => n.uuid)).toEqual(uuids(['queued', 'cancelled']));
    expect(beta.totalCount).toBe(2);
    expect((await listRequests({ nameContains: 'ALPHA' })).nodes).toEqual([{ uuid: crs.draft.uuid }]);
    expect(await listRequests({ nameContains: 'beta', containerUuid: crs.cancelled.containerUuid })).toEqual({
      totalCount: 1,
      nodes: [{ uuid: crs.cancelled.uuid }],
    });
    expect(await listRequests({ nameContains: 'beta', state: 'FINAL' })).toEqual({
      totalCount: 0,
      nodes: [],
    });
  });

  test('containers filter state, minPriority, lockedByUuid', async () => {
    const set = (r: { nodes: { uuid: string }[] }) => new Set(r.nodes.map((n) => n.uuid));
    // 'cancelled' was committed at priority 0 (held: its container waits, QUEUED); the FINAL
    // request withdrew its container, which was cancelled with it (design.md §3).
    expect(set(await listContainers({ state: 'QUEUED' }))).toEqual(
      new Set(cuuids(['queued', 'cancelled', 'child'])),
    );
    expect(set(await listContainers({ state: 'CANCELLED' }))).toEqual(new Set(cuuids(['final'])));
    expect(set(await listContainers({ state: 'RUNNING' }))).toEqual(new Set(cuuids(['running'])));
    expect(set(await listContainers({ minPriority: 1 }))).toEqual(
      new Set(cuuids(['queued', 'running', 'child'])),
    );
    expect(set(await listContainers({ state: 'QUEUED', minPriority: 1 }))).toEqual(
      new Set(cuuids(['queued', 'child'])),
    );
    const locked = await listContainers({ lockedByUuid: await tokenUuid(gw(), dispatcher) });
    expect(locked).toEqual({ totalCount: 1, nodes: [{ uuid: crs.running.containerUuid }] });
    expect(await listContainers({ lockedByUuid: await tokenUuid(gw(), gw().rootToken) })).toEqual({
      totalCount: 0,
      nodes: [],
    });
  });

  test('containers filter minPriority beyond the 64-bit range: BAD_USER_INPUT', async () => {
    for (const minPriority of [1e30, -1e30]) {
      const r = await gw().gql(
        `query($f: ContainerFilter) { containers(filter: $f) { totalCount nodes { uuid } } }`,
        { f: { minPriority } },
        user.token,
      );
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'minPriority' });
    }
  });

  test('containers: newest first', async () => {
    const r = ok(
      await gw().gql(`{ containers { totalCount nodes { uuid createdAt } } }`, {}, user.token),
    ).containers;
    expect(r.totalCount).toBe(5);
    expect(r.nodes.map((n: Row) => n.uuid)).toEqual(newestFirst(r.nodes));
  });

  test('containerRequests: first/after pages, hasNextPage, endCursor', async () => {
    const q = `query($after: String) { containerRequests(first: 4, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { uuid } } } }`;
    const page1 = ok(await gw().gql(q, {}, user.token)).containerRequests;
    const page2 = ok(await gw().gql(q, { after: page1.pageInfo.endCursor }, user.token)).containerRequests;
    const all = uuids(Object.keys(crs));
    expect(page1.edges.map((e: Data) => e.node.uuid)).toEqual(all.slice(0, 4));
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page1.pageInfo.endCursor).toBe(page1.edges[3].cursor);
    expect(page1.totalCount).toBe(6);
    expect(page2.edges.map((e: Data) => e.node.uuid)).toEqual(all.slice(4));
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect(page2.totalCount).toBe(6);
  });

  test('pagination with a filter, one at a time to the end', async () => {
    const q = `query($after: String) { containerRequests(first: 1, after: $after, filter: {state: COMMITTED}) {
      pageInfo { hasNextPage endCursor } nodes { uuid } } }`;
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = ok(await gw().gql(q, { after }, user.token)).containerRequests;
      seen.push(...page.nodes.map((n: Data) => n.uuid));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(uuids(['queued', 'cancelled', 'running', 'child']));
  });

  test('containers: first/after pages', async () => {
    const q = `query($after: String) { containers(first: 2, after: $after) { pageInfo { hasNextPage endCursor } nodes { uuid createdAt } } }`;
    const seen: Row[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = ok(await gw().gql(q, { after }, user.token)).containers;
      pages++;
      seen.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen.map((r) => r.uuid)).toEqual(newestFirst(seen));
    expect(new Set(seen.map((r) => r.uuid))).toEqual(
      new Set(cuuids(['queued', 'cancelled', 'running', 'child', 'final'])),
    );
  });
});

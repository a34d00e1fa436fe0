// The dispatch queue: `containers(orderBy: {field: PRIORITY, direction: DESC})` pages the QUEUED
// containers highest priority first (ties by uuid), on the (state, priority, uuid) index; and
// `containerQueueUpdated` tells a dispatcher about new work and about the containers it holds.

import { createRequest, lock, updateContainer, updateRequest } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import {
  type Data,
  describeBackends,
  eachBackend,
  filledGateway,
  type TestGateway,
} from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';
import { sql } from '../helpers/sql.js';
import { sseClient } from '../helpers/sse.js';
import { issueToken } from '../helpers/tokens.js';

const PAGE = `query($f: ContainerFilter, $o: ContainerOrder, $after: String) {
  containers(filter: $f, orderBy: $o, first: 3, after: $after) { pageInfo { hasNextPage endCursor } nodes { uuid priority } } }`;

/** Every page of a list, followed by its cursors. */
async function allPages(gw: TestGateway, token: string, filter: unknown, order: unknown): Promise<string[]> {
  const out: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Data = ok(await gw.gql(PAGE, { f: filter, o: order, after }, token)).containers;
    out.push(...page.nodes.map((n: { uuid: string }) => n.uuid));
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

/** The oracle: QUEUED containers with priority ≥ 1, sorted in JavaScript on exact 64-bit priorities. */
async function queuedByPriority(gw: TestGateway, direction: 'ASC' | 'DESC'): Promise<string[]> {
  const rows = await sql<{ uuid: string; priority: bigint }>(
    gw,
    `SELECT uuid, priority FROM containers WHERE state = 'QUEUED' AND priority >= 1`,
  );
  const sign = direction === 'DESC' ? -1 : 1;
  rows.sort(
    (a, b) =>
      sign * (a.priority === b.priority ? (a.uuid < b.uuid ? -1 : 1) : a.priority < b.priority ? -1 : 1),
  );
  return rows.map((r) => r.uuid);
}

describeBackends('the dispatch queue', (gw) => {
  let user: { uuid: string; token: string };
  const open = sseClient(gw, { ready: true });
  beforeAll(async () => {
    user = await gw().newUser();
  });
  const subscribe = (token: string) =>
    open('subscription { containerQueueUpdated { uuid state priority lockedByUuid } }', {}, token);

  test('orderBy PRIORITY pages the queue highest first (ties by uuid), both directions, across pages', async () => {
    const t = tag();
    const made: string[] = [];
    for (const priority of [3, 1, 7, 3, 1000, 2, 7])
      made.push(
        (await createRequest(gw(), user.token, { command: ['echo', t, `${made.length}`], priority }))
          .containerUuid,
      );
    // Equal container priorities (only an admin can make them): the tie-break decides.
    for (const uuid of made.slice(0, 3))
      ok(await updateContainer(gw(), gw().rootToken, uuid, { priority: 5 }));
    // Not in the queue: a locked one and a cancelled request's container (priority 0).
    ok(await lock(gw(), gw().rootToken, made[6]!));
    const cancelled = await createRequest(gw(), user.token, {
      command: ['echo', t, 'cancelled'],
      priority: 0,
    });

    const queue = { state: 'QUEUED', minPriority: 1 };
    const desc = await allPages(gw(), gw().rootToken, queue, { field: 'PRIORITY', direction: 'DESC' });
    expect(desc).toEqual(await queuedByPriority(gw(), 'DESC'));
    expect(desc[0]).toBe(made[4]); // priority 1000
    expect(desc).not.toContain(made[6]);
    expect(desc).not.toContain(cancelled.containerUuid);
    expect(await allPages(gw(), gw().rootToken, queue, { field: 'PRIORITY', direction: 'ASC' })).toEqual(
      await queuedByPriority(gw(), 'ASC'),
    );

    // The other orders, and no orderBy = newest first as before.
    const rows = await sql<{ uuid: string; created_at: Date }>(
      gw(),
      `SELECT uuid, created_at FROM containers`,
    );
    const byCreated = rows
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.uuid < b.uuid ? -1 : 1))
      .map((r) => r.uuid);
    expect(await allPages(gw(), gw().rootToken, null, { field: 'CREATED_AT', direction: 'ASC' })).toEqual(
      byCreated,
    );
    expect(await allPages(gw(), gw().rootToken, null, { field: 'CREATED_AT', direction: 'DESC' })).toEqual(
      [...byCreated].reverse(),
    );
    expect(await allPages(gw(), gw().rootToken, null, null)).toEqual([...byCreated].reverse());
  });

  test('orderBy: an unknown field or a missing direction is BAD_USER_INPUT naming the input field', async () => {
    const q = 'query($o: ContainerOrder) { containers(orderBy: $o) { nodes { uuid } } }';
    expectError(await gw().gql(q, { o: { field: 'NAME', direction: 'DESC' } }), 'BAD_USER_INPUT', {
      field: 'field',
    });
    expectError(await gw().gql(q, { o: { field: 'PRIORITY' } }), 'BAD_USER_INPUT', { field: 'direction' });
  });

  test('containerQueueUpdated: new work and priority changes of queued containers; not others’ locked work', async () => {
    const dispatcher = (await gw().newUser({ isAdmin: true })).token;
    const other = (await gw().newUser({ isAdmin: true })).token;
    const sub = await subscribe(dispatcher);
    const t = tag();

    const a = await createRequest(gw(), user.token, { command: ['echo', t, 'a'], priority: 2 });
    expect((await sub.next()).data.containerQueueUpdated).toMatchObject({
      uuid: a.containerUuid,
      state: 'QUEUED',
      lockedByUuid: null,
    });
    ok(await updateRequest(gw(), user.token, a.uuid, { priority: 9 }));
    const raised = (await sub.next()).data.containerQueueUpdated;
    expect(raised).toMatchObject({ uuid: a.containerUuid, state: 'QUEUED' });
    expect(BigInt(raised.priority)).toBeGreaterThan(2n << 50n);

    // Another dispatcher locks and runs it: none of that concerns this one (it is not work any
    // more, and not ours). The next event is the next piece of work.
    ok(await lock(gw(), other, a.containerUuid));
    ok(await updateContainer(gw(), other, a.containerUuid, { state: 'RUNNING' }));
    ok(await updateContainer(gw(), other, a.containerUuid, { progress: 0.5 }));
    // A request of priority 0 queues a container no one wants: not work either.
    await createRequest(gw(), user.token, { command: ['echo', t, 'unwanted'], priority: 0 });
    const b = await createRequest(gw(), user.token, { command: ['echo', t, 'b'], priority: 1 });
    expect((await sub.next()).data.containerQueueUpdated).toMatchObject({
      uuid: b.containerUuid,
      state: 'QUEUED',
    });
  });

  test('containerQueueUpdated: every change of a container the token holds, the one that releases it included', async () => {
    const dispatcher = (await gw().newUser({ isAdmin: true })).token;
    const t = tag();
    const held = await createRequest(gw(), user.token, { command: ['echo', t, 'held'], priority: 3 });
    ok(await lock(gw(), dispatcher, held.containerUuid));
    const sub = await subscribe(dispatcher); // it held the lock before subscribing
    const dispatcherTokenUuid = ok(
      await gw().gql('{ currentApiClientAuthorization { uuid } }', {}, dispatcher),
    ).currentApiClientAuthorization.uuid;

    ok(await updateContainer(gw(), dispatcher, held.containerUuid, { state: 'RUNNING' }));
    expect((await sub.next()).data.containerQueueUpdated).toMatchObject({
      uuid: held.containerUuid,
      state: 'RUNNING',
      lockedByUuid: dispatcherTokenUuid,
    });
    // The owner cancels: the priority falls to 0, the dispatcher hears it.
    ok(await updateRequest(gw(), user.token, held.uuid, { priority: 0 }));
    expect((await sub.next()).data.containerQueueUpdated).toMatchObject({
      uuid: held.containerUuid,
      state: 'RUNNING',
      priority: '0',
    });
    // Someone else (an admin) cancels it: the lock is released, and that change is still sent.
    ok(await updateContainer(gw(), gw().rootToken, held.containerUuid, { state: 'CANCELLED' }));
    expect((await sub.next()).data.containerQueueUpdated).toMatchObject({
      uuid: held.containerUuid,
      state: 'CANCELLED',
      lockedByUuid: null,
    });
    // Once released, it is no concern: the next event is new work.
    const next = await createRequest(gw(), user.token, { command: ['echo', t, 'next'], priority: 1 });
    expect((await sub.next()).data.containerQueueUpdated).toMatchObject({
      uuid: next.containerUuid,
      state: 'QUEUED',
    });
  });

  test('a user sees only the queue events of containers they can see', async () => {
    const stranger = await gw().newUser();
    const sub = await subscribe(stranger.token);
    const t = tag();
    await createRequest(gw(), user.token, { command: ['echo', t, 'not yours'], priority: 5 });
    const own = await createRequest(gw(), stranger.token, { command: ['echo', t, 'yours'], priority: 5 });
    expect((await sub.next()).data.containerQueueUpdated).toMatchObject({ uuid: own.containerUuid });
  });

  test('a token narrowed to the dispatcher scopes can hold the subscription; one without the scope is FORBIDDEN', async () => {
    const admin = (await gw().newUser({ isAdmin: true })).token;
    const narrowed = await issueToken(gw(), admin, {
      scopes: ['subscription:containerQueueUpdated', 'query:containers'],
    });
    const sub = await subscribe(narrowed.apiToken);
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], priority: 4 });
    expect((await sub.next()).data.containerQueueUpdated.uuid).toBe(cr.containerUuid);

    const without = await issueToken(gw(), admin, { scopes: ['query:containers'] });
    expectError(
      await gw().gql('subscription { containerQueueUpdated { uuid } }', {}, without.apiToken),
      'FORBIDDEN',
    );
  });
});

const FILLED = 100_000;

eachBackend(`the queue page on a table of ${FILLED} containers`, (backend) => {
  const log: { query: string; params: string }[] = [];
  let gw: TestGateway;
  const filled = filledGateway(backend, log, FILLED);
  beforeAll(() => {
    gw = filled.gw;
  });

  test('the first page highest priority first reads the (state, priority, uuid) index, no sort of the queue', async () => {
    log.length = 0;
    const page = ok(
      await gw.gql(
        `{ containers(filter: {state: QUEUED, minPriority: 1}, orderBy: {field: PRIORITY, direction: DESC}, first: 100) { nodes { uuid priority } } }`,
      ),
    ).containers.nodes;
    expect(page).toHaveLength(100);
    expect(page[0].priority).toBe(String(FILLED)); // the highest QUEUED filler (g % 5 = 0)
    const selects = log.filter(
      (e) => /^\s*SELECT/i.test(e.query) && /"containers"/.test(e.query) && /ORDER BY/i.test(e.query),
    );
    expect(selects).toHaveLength(1);
    const plan = await gw.gateway.services.db.prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN ${selects[0]!.query}`,
      ...JSON.parse(selects[0]!.params),
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('containers_state_priority_uuid_idx');
    expect(text).not.toMatch(/Seq Scan|\bSort\b/);
  });
});

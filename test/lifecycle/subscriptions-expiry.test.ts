// design.md §2 "an expired token is invalid everywhere", for subscriptions: the token is checked
// again at every event, and a lapsed one ends the stream with one UNAUTHENTICATED event
// (src/schema/changes.ts says why it ends rather than going quiet).
import { expireToken, isTokenCurrent, sweepExpiredTokens } from '../../src/domain/tokens.js';
import { dataOf, homeAndRemote, sleep } from '../federation/clusters.js';
import { createRequest, lock, updateRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends, eachBackend, type TestGateway } from '../helpers/gateway.js';
import { tag } from '../helpers/lifecycle.js';
import { type SseSubscription, sseClient } from '../helpers/sse.js';
import { issueToken, tokenUuid, uuidOf } from '../helpers/tokens.js';

const CR_SUB = `subscription($u: ID!) { containerRequestUpdated(uuid: $u) { uuid name } }`;
const C_SUB = `subscription($u: ID!) { containerUpdated(uuid: $u) { uuid state } }`;

/** The one event a lapsed subscriber gets: UNAUTHENTICATED, no data; then the stream ends. */
async function expectLapsed(sub: SseSubscription, field: string): Promise<void> {
  const last = await sub.next();
  expect(last.data?.[field] ?? null).toBeNull();
  expect(last.errors).toHaveLength(1);
  expect(last.errors[0]).toMatchObject({
    message: 'Invalid or expired token',
    extensions: { code: 'UNAUTHENTICATED' },
  });
  await sub.completes();
}

/** A token of the caller's own user, expiring at `expiresAt`. */
async function tokenExpiringAt(gw: TestGateway, token: string, expiresAt: Date): Promise<string> {
  return (await issueToken(gw, token, { expiresAt })).apiToken;
}

describeBackends('subscriptions end when the token lapses', (gw) => {
  let user: { uuid: string; token: string };
  const open = sseClient(gw, { ready: true, current: true });
  beforeAll(async () => {
    user = await gw().newUser();
  });
  const prisma = () => gw().gateway.services.db.prisma;

  test('isTokenCurrent: a missing row, an expiry at or before now: no; no expiry or a later one: yes', async () => {
    const now = new Date();
    const uuid = await tokenUuid(
      gw(),
      await tokenExpiringAt(gw(), user.token, new Date(now.getTime() + 60_000)),
    );
    expect(await isTokenCurrent(prisma(), uuid, now)).toBe(true);
    expect(await isTokenCurrent(prisma(), uuid, new Date(now.getTime() + 59_999))).toBe(true);
    expect(await isTokenCurrent(prisma(), uuid, new Date(now.getTime() + 60_000))).toBe(false);
    expect(await isTokenCurrent(prisma(), await tokenUuid(gw(), user.token), new Date(8.64e15))).toBe(true); // never expires
    expect(await isTokenCurrent(prisma(), 'zzzzz-gj3su-nosuchtoken0000')).toBe(false);
  });

  test('a token expired in the database: its request subscriber gets UNAUTHENTICATED and the end; a valid one gets the event', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], state: 'UNCOMMITTED' });
    const doomed = await tokenExpiringAt(gw(), user.token, new Date(Date.now() + 3_600_000));
    const lapsing = await open(CR_SUB, { u: cr.uuid }, doomed);
    const valid = await open(CR_SUB, { u: cr.uuid }, user.token);

    // While the token is current, both subscribers see changes.
    ok(await updateRequest(gw(), user.token, cr.uuid, { name: 'one' }));
    expect((await lapsing.next()).data.containerRequestUpdated).toEqual({ uuid: cr.uuid, name: 'one' });
    expect((await valid.next()).data.containerRequestUpdated).toEqual({ uuid: cr.uuid, name: 'one' });

    await expireToken(prisma(), await tokenUuid(gw(), doomed));
    ok(await updateRequest(gw(), user.token, cr.uuid, { name: 'two' }));
    expect((await valid.next()).data.containerRequestUpdated).toEqual({ uuid: cr.uuid, name: 'two' });
    await expectLapsed(lapsing, 'containerRequestUpdated');

    // The valid stream goes on.
    ok(await updateRequest(gw(), user.token, cr.uuid, { name: 'three' }));
    expect((await valid.next()).data.containerRequestUpdated).toEqual({ uuid: cr.uuid, name: 'three' });
  });

  test('a token that reaches its expiresAt while subscribed to a container', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()] });
    const expiresAt = new Date(Date.now() + 1500);
    const shortLived = await tokenExpiringAt(gw(), user.token, expiresAt);
    const lapsing = await open(C_SUB, { u: cr.containerUuid }, shortLived);
    const valid = await open(C_SUB, { u: cr.containerUuid }, user.token);

    await sleep(Math.max(0, expiresAt.getTime() - Date.now()) + 20);
    ok(await lock(gw(), gw().rootToken, cr.containerUuid));
    expect((await valid.next()).data.containerUpdated).toEqual({ uuid: cr.containerUuid, state: 'LOCKED' });
    await expectLapsed(lapsing, 'containerUpdated');
  });

  test('a token swept away (row deleted) ends the stream too', async () => {
    const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], state: 'UNCOMMITTED' });
    const doomed = await tokenExpiringAt(gw(), user.token, new Date(Date.now() + 3_600_000));
    const uuid = await tokenUuid(gw(), doomed);
    const lapsing = await open(CR_SUB, { u: cr.uuid }, doomed);
    const valid = await open(CR_SUB, { u: cr.uuid }, user.token);

    const now = new Date();
    await expireToken(prisma(), uuid, now);
    expect(await sweepExpiredTokens(prisma(), now)).toBeGreaterThanOrEqual(1);
    expect(
      await prisma().apiClientAuthorization.findUnique({ where: { uuid }, select: { uuid: true } }),
    ).toBeNull();

    ok(await updateRequest(gw(), user.token, cr.uuid, { name: 'after sweep' }));
    expect((await valid.next()).data.containerRequestUpdated).toEqual({ uuid: cr.uuid, name: 'after sweep' });
    await expectLapsed(lapsing, 'containerRequestUpdated');
  });
});

// Another cluster's token: its cached copy at B lapses after the TTL, and so does the stream,
// though the home would still vouch for it; subscribing again asks the home again.
const TTL_SECONDS = 2;
eachBackend(`a remote token's subscription ends with its cache TTL`, (backend) => {
  const clusters = homeAndRemote(backend, TTL_SECONDS);
  const open = sseClient(() => clusters.B, { ready: true, current: true });

  test('past the TTL: UNAUTHENTICATED and the end for the remote subscriber, the event for a local admin', async () => {
    const u = await clusters.A.newUser();
    const cr = dataOf(
      await clusters.B.gql(
        `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }`,
        {
          i: { command: ['echo', tag()], containerImage: 'img', outputPath: '/out', state: 'UNCOMMITTED' },
        },
        u.token,
      ),
      clusters.B,
    ).createContainerRequest;
    const remote = await open(CR_SUB, { u: cr.uuid }, u.token);
    const admin = await open(CR_SUB, { u: cr.uuid }, clusters.B.rootToken);

    const row = await clusters.B.gateway.services.db.prisma.apiClientAuthorization.findUniqueOrThrow({
      where: { uuid: uuidOf(u.token) },
    });
    await sleep(Math.max(0, row.expiresAt!.getTime() - Date.now()) + 20);
    ok(await updateRequest(clusters.B, clusters.B.rootToken, cr.uuid, { name: 'past the TTL' }));
    expect((await admin.next()).data.containerRequestUpdated).toEqual({
      uuid: cr.uuid,
      name: 'past the TTL',
    });
    await expectLapsed(remote, 'containerRequestUpdated');

    // Subscribing again re-validates at home (still valid there) and events flow again.
    const calls = clusters.slotA.remoteCalls.length;
    const again = await open(CR_SUB, { u: cr.uuid }, u.token);
    expect(clusters.slotA.remoteCalls.length).toBe(calls + 1);
    ok(await updateRequest(clusters.B, clusters.B.rootToken, cr.uuid, { name: 'renewed' }));
    expect((await again.next()).data.containerRequestUpdated).toEqual({ uuid: cr.uuid, name: 'renewed' });
  });
});

// Three real gateways on loopback, each with its own database: aaaaa and bbbbb know each
// other; zbork is a cluster that vouches for a user of another cluster (zbbbb), which bbbbb
// must refuse.
import { digestSecret, saltSecret } from '../../src/format/salt.js';
import { errorCode } from '../helpers/assert.js';
import { eachBackend, type TestGateway } from '../helpers/gateway.js';
import { plantToken, secretOf, uuidOf } from '../helpers/tokens.js';
import {
  dataOf,
  expectNoSecretsInLogs,
  LoopbackSlot,
  madeUpToken,
  randomTail,
  startCluster,
} from './clusters.js';

const ME = '{ me { uuid email fullName isAdmin isActive } }';
const CURRENT = '{ currentApiClientAuthorization { uuid userUuid scopes expiresAt } }';

eachBackend(`federation between two clusters`, (backend) => {
  let slotA: LoopbackSlot, slotB: LoopbackSlot, slotZ: LoopbackSlot;
  let A: TestGateway, B: TestGateway, Z: TestGateway;
  // Every secret a test hands out, raw or salted: none may reach a log line.
  const secrets: string[] = [];
  const remember = (token: string) => {
    secrets.push(secretOf(token));
    return token;
  };

  beforeAll(async () => {
    [slotA, slotB, slotZ] = await Promise.all([
      LoopbackSlot.open(),
      LoopbackSlot.open(),
      LoopbackSlot.open(),
    ]);
    A = await startCluster(backend, 'aaaaa', slotA, { bbbbb: slotB.graphqlUrl });
    B = await startCluster(backend, 'bbbbb', slotB, { aaaaa: slotA.graphqlUrl, zbork: slotZ.graphqlUrl });
    Z = await startCluster(backend, 'zbork', slotZ, {});
    remember(A.rootToken);
    remember(B.rootToken);
    remember(Z.rootToken);
  });

  afterAll(async () => {
    for (const s of [slotA, slotB, slotZ]) await s?.close();
    for (const g of [A, B, Z]) await g?.close();
  });

  const newUserAt = async (gw: TestGateway, opts: Parameters<TestGateway['newUser']>[0] = {}) => {
    const u = await gw.newUser(opts);
    remember(u.token);
    return u;
  };
  const callsFromB = () => slotA.remoteCalls.filter((c) => c === 'bbbbb').length;

  test("A's admin token works at B as a non-admin copy of the A user", async () => {
    const before = callsFromB();
    const r = await B.gql(ME, {}, A.rootToken);
    expect(r.errors).toBeUndefined();
    expect(r.data.me).toMatchObject({
      uuid: 'aaaaa-tpzed-000000000000000',
      isAdmin: false,
      isActive: true,
      fullName: 'System user',
    });
    expect(callsFromB() - before).toBe(1);
    // At home it is still the admin.
    expect((await A.gql(ME)).data.me.isAdmin).toBe(true);
  });

  test("a user of A appears at B with A's uuid and profile, over real HTTP", async () => {
    const u = await newUserAt(A);
    const atHome = (await A.gql(ME, {}, u.token)).data.me;
    const res = await fetch(slotB.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${u.token}` },
      body: JSON.stringify({ query: ME }),
    });
    const json = await res.json();
    expect(json.errors).toBeUndefined();
    expect(json.data.me).toEqual({ ...atHome, isAdmin: false });
    expect(json.data.me.uuid.startsWith('aaaaa-tpzed-')).toBe(true);
    const copy = await B.gateway.services.db.prisma.user.findUniqueOrThrow({ where: { uuid: u.uuid } });
    expect(copy).toMatchObject({
      email: atHome.email,
      fullName: atHome.fullName,
      isAdmin: false,
      isActive: true,
    });
  });

  test('the second request is answered from the cache, without a remote call', async () => {
    const u = await newUserAt(A);
    await B.gql(ME, {}, u.token);
    const before = callsFromB();
    for (let i = 0; i < 3; i++) expect(dataOf(await B.gql(ME, {}, u.token), B).me.uuid).toBe(u.uuid);
    expect(callsFromB()).toBe(before);
  });

  test('the cached token has the remote scopes and an expiry capped at the TTL', async () => {
    const u = await newUserAt(A);
    const mk = async (expiresAt: Date) => {
      const r = await A.gql(
        `mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { apiToken } }`,
        {
          i: { userUuid: u.uuid, scopes: ['query:me'], expiresAt: expiresAt.toISOString() },
        },
      );
      return remember(r.data.createApiClientAuthorization.apiToken as string);
    };
    const inAnHour = new Date(Date.now() + 3600_000);
    const inAMinute = new Date(Date.now() + 60_000);
    const long = await mk(inAnHour);
    const short = await mk(inAMinute);

    const before = Date.now();
    const r = await B.gql(CURRENT, {}, long);
    expect(r.errors).toBeUndefined();
    expect(r.data.currentApiClientAuthorization).toMatchObject({
      uuid: uuidOf(long),
      userUuid: u.uuid,
      scopes: ['query:me'],
    });
    const exp = Date.parse(r.data.currentApiClientAuthorization.expiresAt);
    // Default TTL 300 s: capped well before the home's hour.
    expect(exp).toBeGreaterThanOrEqual(before + 300_000 - 1000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 300_000 + 1000);
    const row = await B.gateway.services.db.prisma.apiClientAuthorization.findUniqueOrThrow({
      where: { uuid: uuidOf(long) },
    });
    expect(row.remoteValidatedAt).not.toBeNull();

    const s = await B.gql(CURRENT, {}, short);
    expect(Date.parse(s.data.currentApiClientAuthorization.expiresAt)).toBe(inAMinute.getTime());

    // Scopes hold at B: query:me does not allow a mutation.
    const m = await B.gql(`mutation { createApiClientAuthorization(input: {}) { uuid } }`, {}, long);
    expect(errorCode(m)).toBe('FORBIDDEN');
  });

  test("the salted form works at B, and B stores only the salted secret's digest", async () => {
    const u = await newUserAt(A);
    const salted = remember(`v2/${uuidOf(u.token)}/${saltSecret(secretOf(u.token), 'bbbbb')}`);
    const r = await B.gql(ME, {}, salted);
    expect(r.errors).toBeUndefined();
    expect(r.data.me.uuid).toBe(u.uuid);
    const row = await B.gateway.services.db.prisma.apiClientAuthorization.findUniqueOrThrow({
      where: { uuid: uuidOf(u.token) },
    });
    // Only compared, never needed back: the digest, and no secret at all, not even sealed.
    expect(row.secretDigest).toBe(digestSecret(secretOf(salted)));
    expect(row.sealedSecret).toBeNull();
  });

  test('a token salted for another cluster is refused at B', async () => {
    const u = await newUserAt(A);
    const forC = remember(`v2/${uuidOf(u.token)}/${saltSecret(secretOf(u.token), 'ccccc')}`);
    const r = await B.gql(ME, {}, forC);
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
  });

  test('home side: the salted secret is accepted only for the cluster named in X-Arvados-Remote-Cluster', async () => {
    const u = await newUserAt(A);
    const salted = `v2/${uuidOf(u.token)}/${saltSecret(secretOf(u.token), 'bbbbb')}`;
    const hdr = (id: string) => ({ 'x-arvados-remote-cluster': id });
    // The salted form answers only what B asks (salted-at-home.test.ts); the raw token anything.
    expect(
      (await A.gql(CURRENT, {}, salted, hdr('bbbbb'))).data?.currentApiClientAuthorization.userUuid,
    ).toBe(u.uuid);
    expect((await A.gql(ME, {}, u.token, hdr('bbbbb'))).data?.me.uuid).toBe(u.uuid); // raw too
    expect(errorCode(await A.gql(CURRENT, {}, salted))).toBe('UNAUTHENTICATED');
    expect(errorCode(await A.gql(CURRENT, {}, salted, hdr('ccccc')))).toBe('UNAUTHENTICATED');
  });

  test('the bare secret (v1 form) of a cached remote token is not a token at B', async () => {
    const u = await newUserAt(A);
    expect(dataOf(await B.gql(ME, {}, u.token), B).me.uuid).toBe(u.uuid);
    const r = await B.gql(ME, {}, secretOf(u.token));
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
  });

  test('a wrong secret for a cached token is refused (it asks home, never rides on the cache)', async () => {
    const u = await newUserAt(A);
    expect(dataOf(await B.gql(ME, {}, u.token), B).me.uuid).toBe(u.uuid);
    const wrong = `v2/${uuidOf(u.token)}/${randomTail()}${randomTail()}`;
    const r = await B.gql(ME, {}, wrong);
    expect(r.errors?.[0]).toMatchObject({
      message: 'Invalid or expired token',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    // The right one still works.
    expect(dataOf(await B.gql(ME, {}, u.token), B).me.uuid).toBe(u.uuid);
  });

  test("a remote user cannot mint a local token at B (it would outlive a revocation at home), nor can B's admin mint one for them", async () => {
    const u = await newUserAt(A);
    const M =
      'mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { uuid apiToken } }';
    expect(dataOf(await B.gql(ME, {}, u.token), B).me.uuid).toBe(u.uuid); // cached at B from here on
    const before = await B.gateway.services.db.prisma.apiClientAuthorization.count();
    const own = await B.gql(M, { i: {} }, u.token);
    expect(errorCode(own)).toBe('FORBIDDEN');
    const byAdmin = await B.gql(M, { i: { userUuid: u.uuid } });
    expect(errorCode(byAdmin)).toBe('FORBIDDEN');
    // Only the cached copy of u's token exists at B, nothing minted.
    expect(await B.gateway.services.db.prisma.apiClientAuthorization.count()).toBe(before);
  });

  test('an unknown token of A is refused; B stays up', async () => {
    const r = await B.gql(ME, {}, madeUpToken('aaaaa'));
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
    expect((await B.gql(ME)).data.me.uuid).toBe('bbbbb-tpzed-000000000000000');
  });

  test('a local unknown token, or one of an unconfigured cluster, makes no remote call', async () => {
    const before = slotA.remoteCalls.length + slotZ.remoteCalls.length;
    for (const t of [madeUpToken('bbbbb'), madeUpToken('ccccc')]) {
      expect(errorCode(await B.gql(ME, {}, t))).toBe('UNAUTHENTICATED');
    }
    expect(slotA.remoteCalls.length + slotZ.remoteCalls.length).toBe(before);
  });

  test('an inactive user of A is copied inactive and may only call me', async () => {
    const u = await newUserAt(A, { isActive: false });
    const r = await B.gql(ME, {}, u.token);
    expect(r.errors).toBeUndefined();
    expect(r.data.me).toMatchObject({ uuid: u.uuid, isActive: false, isAdmin: false });
    const other = await B.gql(`mutation { createApiClientAuthorization(input: {}) { uuid } }`, {}, u.token);
    expect(errorCode(other)).toBe('FORBIDDEN');
  });

  test('each refresh copies the profile again and resets admin to false', async () => {
    const u = await newUserAt(A);
    await B.gql(ME, {}, u.token);
    const pa = A.gateway.services.db.prisma;
    const pb = B.gateway.services.db.prisma;
    await pa.user.update({
      where: { uuid: u.uuid },
      data: { email: 'renamed@example.com', fullName: 'Renamed', isActive: false },
    });
    await pb.user.update({ where: { uuid: u.uuid }, data: { isAdmin: true } });
    // Cached: no refresh yet.
    expect(dataOf(await B.gql(ME, {}, u.token), B).me.email).not.toBe('renamed@example.com');
    // The TTL runs out (simulated by expiring the cached row): B asks A again.
    await pb.apiClientAuthorization.update({
      where: { uuid: uuidOf(u.token) },
      data: { expiresAt: new Date() },
    });
    const r = await B.gql(ME, {}, u.token);
    expect(r.data.me).toEqual({
      uuid: u.uuid,
      email: 'renamed@example.com',
      fullName: 'Renamed',
      isAdmin: false,
      isActive: false,
    });
  });

  test('50 concurrent requests with the same new remote token make one remote call', async () => {
    const u = await newUserAt(A);
    const before = callsFromB();
    const results = await Promise.all(Array.from({ length: 50 }, () => B.gql(ME, {}, u.token)));
    for (const r of results) expect(dataOf(r, B).me.uuid).toBe(u.uuid);
    expect(callsFromB() - before).toBe(1);
  });

  test('zbork vouching for a zbbbb user is refused; its own users are fine', async () => {
    const stranger = `zbbbb-tpzed-${randomTail()}`;
    const { apiToken } = await plantToken(
      Z,
      { uuid: stranger, email: 'stranger@example.com' },
      { clusterId: 'zbork' },
    );
    remember(apiToken);
    // At home (zbork) the token is valid and names the zbbbb user...
    expect((await Z.gql(ME, {}, apiToken)).data.me.uuid).toBe(stranger);
    // ...but bbbbb refuses to let zbork speak for zbbbb.
    const r = await B.gql(ME, {}, apiToken);
    expect(errorCode(r)).toBe('UNAUTHENTICATED');
    expect(await B.gateway.services.db.prisma.user.findUnique({ where: { uuid: stranger } })).toBeNull();
    expect(
      await B.gateway.services.db.prisma.apiClientAuthorization.findUnique({
        where: { uuid: uuidOf(apiToken) },
      }),
    ).toBeNull();
    expect(B.logs.some((l) => l.includes('"cluster":"zbork"') && l.includes('another cluster'))).toBe(true);

    const own = await newUserAt(Z);
    expect(dataOf(await B.gql(ME, {}, own.token), B).me.uuid).toBe(own.uuid);
  });

  test('no log line of any cluster carries a token secret', () => {
    expect(B.logs.some((l) => l.includes('remote token not accepted'))).toBe(true);
    for (const g of [A, B, Z]) expectNoSecretsInLogs(g.logs, secrets);
  });
});

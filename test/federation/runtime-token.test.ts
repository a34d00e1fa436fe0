// A user of cluster aaaaa runs work on cluster bbbbb: a container request at B whose runtime
// token is A's (raw or salted for B), validated by A at create, at commit and again when B's
// dispatcher asks containerAuth for it.

import { expireToken } from '../../src/domain/tokens.js';
import { saltSecret } from '../../src/format/salt.js';
import {
  containerAuth,
  createRequest,
  getContainer,
  lock,
  requestInput,
  updateContainer,
  updateRequest,
} from '../helpers/api.js';
import { errorCode } from '../helpers/assert.js';
import { eachBackend, type TestGateway } from '../helpers/gateway.js';
import { secretOf, uuidOf } from '../helpers/tokens.js';
import {
  dataOf,
  expectNoSecretsInLogs,
  homeAndRemote,
  type LoopbackSlot,
  madeUpToken,
  sleep,
} from './clusters.js';

const TTL_SECONDS = 2;

eachBackend(`runtime tokens from another cluster`, (backend) => {
  const secrets: string[] = [];

  const clusters = homeAndRemote(backend, TTL_SECONDS);
  let slotA: LoopbackSlot;
  let A: TestGateway, B: TestGateway;
  beforeAll(() => {
    ({ slotA, A, B } = clusters);
  });

  const userOfA = async (scopes?: string[]) => {
    const u = await A.newUser({ scopes });
    secrets.push(secretOf(u.token), saltSecret(secretOf(u.token), 'bbbbb'));
    return u;
  };
  const submitterAtB = async () => {
    const u = await B.newUser();
    secrets.push(secretOf(u.token));
    return u;
  };
  const saltedForB = (token: string) => `v2/${uuidOf(token)}/${saltSecret(secretOf(token), 'bbbbb')}`;
  /** Lets B's cached copy of a remote token run out, so the next validation asks A. */
  const expireCacheAtB = (token: string) =>
    B.gateway.services.db.prisma.apiClientAuthorization.updateMany({
      where: { uuid: uuidOf(token) },
      data: { expiresAt: new Date() },
    });

  test.each([
    ['raw', (t: string) => t],
    ['salted for B', saltedForB],
  ])(
    '%s: committed as the A user, handed back by containerAuth, usable by the container at B',
    async (_form, asPresented) => {
      const runner = await userOfA(['query:*', 'mutation:updateContainer']);
      const runtimeToken = asPresented(runner.token);
      const submitter = await submitterAtB();
      const cr = await createRequest(B, submitter.token, { runtimeToken });
      expect(cr.state).toBe('COMMITTED');
      const dispatcher = B.rootToken;
      const c = await getContainer(B, dispatcher, cr.containerUuid);
      expect(c.data.container).toMatchObject({
        runtimeUserUuid: runner.uuid,
        runtimeAuthScopes: ['mutation:updateContainer', 'query:*'],
      });

      const locked = await lock(B, dispatcher, cr.containerUuid);
      expect(locked.data.lockContainer).toMatchObject({ state: 'LOCKED', authUuid: null });
      // Re-validated now, by asking A (the cached copy has run out).
      await expireCacheAtB(runner.token);
      const calls = slotA.remoteCalls.length;
      const auth = await containerAuth(B, dispatcher, cr.containerUuid);
      expect(auth.errors).toBeUndefined();
      expect(auth.data.containerAuth).toMatchObject({
        uuid: uuidOf(runner.token),
        apiToken: runtimeToken,
        userUuid: runner.uuid,
      });
      expect(slotA.remoteCalls.length).toBe(calls + 1);

      expect(
        (await updateContainer(B, dispatcher, cr.containerUuid, { state: 'RUNNING' })).errors,
      ).toBeUndefined();
      // The container, with the token it was handed (container-bound), works at B as the A user.
      const bound = `${runtimeToken}/${cr.containerUuid}`;
      const me = await B.gql('{ me { uuid isAdmin } currentContainer { uuid state } }', {}, bound);
      expect(me.errors).toBeUndefined();
      expect(me.data).toEqual({
        me: { uuid: runner.uuid, isAdmin: false },
        currentContainer: { uuid: cr.containerUuid, state: 'RUNNING' },
      });
      expect((await updateContainer(B, bound, cr.containerUuid, { progress: 0.5 })).errors).toBeUndefined();
      const done = await updateContainer(B, bound, cr.containerUuid, {
        state: 'COMPLETE',
        exitCode: 0,
        output: 'out',
      });
      expect(done.errors).toBeUndefined();

      // Scrubbed at B once final; the token itself still works at home.
      const row = await B.gateway.services.db.prisma.container.findUniqueOrThrow({
        where: { uuid: cr.containerUuid },
        select: { runtimeToken: true },
      });
      expect(row.runtimeToken).toBeNull();
      expect((await A.gql('{ me { uuid } }', {}, runner.token)).data.me.uuid).toBe(runner.uuid);
    },
  );

  test('an unknown remote runtime token fails validation and nothing is written', async () => {
    const submitter = await submitterAtB();
    const prisma = B.gateway.services.db.prisma;
    const before = await prisma.containerRequest.count();
    const r = await B.gql(
      `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }`,
      { i: requestInput({ runtimeToken: madeUpToken('aaaaa') }) },
      submitter.token,
    );
    expect(r.errors?.[0]).toMatchObject({
      message: 'Runtime token failed validation',
      extensions: { code: 'BAD_USER_INPUT', field: 'runtimeToken' },
    });
    expect(await prisma.containerRequest.count()).toBe(before);
  });

  test('revoked at home between create and commit: the commit fails validation', async () => {
    const runner = await userOfA();
    const submitter = await submitterAtB();
    const cr = await createRequest(B, submitter.token, {
      runtimeToken: runner.token,
      state: 'UNCOMMITTED',
    });
    expect(cr.state).toBe('UNCOMMITTED');
    await expireToken(A.gateway.services.db.prisma, uuidOf(runner.token));
    await expireCacheAtB(runner.token);
    const r = await updateRequest(B, submitter.token, cr.uuid, { state: 'COMMITTED' });
    expect(r.errors?.[0]).toMatchObject({
      message: 'Runtime token failed validation',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  test('containerAuth refuses a runtime token that home no longer vouches for, or cannot be asked about', async () => {
    const dispatcher = B.rootToken;
    const submitter = await submitterAtB();
    const revoked = await userOfA();
    const unreachable = await userOfA();
    const crRevoked = await createRequest(B, submitter.token, {
      runtimeToken: revoked.token,
      name: 'revoked',
    });
    const crUnreachable = await createRequest(B, submitter.token, {
      runtimeToken: unreachable.token,
      name: 'unreachable',
      command: ['true'],
    });
    for (const cr of [crRevoked, crUnreachable])
      expect((await lock(B, dispatcher, cr.containerUuid)).errors).toBeUndefined();

    // A fresh copy at B (validated just now), then revoked at home.
    await expireCacheAtB(revoked.token);
    expect(dataOf(await B.gql('{ me { uuid } }', {}, revoked.token), B).me.uuid).toBe(revoked.uuid);
    await expireToken(A.gateway.services.db.prisma, uuidOf(revoked.token));
    // Within the TTL B still trusts its copy...
    expect((await containerAuth(B, dispatcher, crRevoked.containerUuid)).errors).toBeUndefined();
    // ...after it, A says no.
    await sleep(TTL_SECONDS * 1000 + 50);
    const r = await containerAuth(B, dispatcher, crRevoked.containerUuid);
    expect(r.errors?.[0]).toMatchObject({
      message: 'Invalid runtime_token',
      extensions: { code: 'FORBIDDEN' },
    });
    expect(r.body).not.toContain(secretOf(revoked.token));

    await slotA.stop();
    try {
      const u = await containerAuth(B, dispatcher, crUnreachable.containerUuid);
      expect(errorCode(u)).toBe('FORBIDDEN');
      expect((await B.gql('{ me { uuid } }')).data.me.uuid).toBe('bbbbb-tpzed-000000000000000');
    } finally {
      await slotA.start();
    }
    expect((await containerAuth(B, dispatcher, crUnreachable.containerUuid)).errors).toBeUndefined();
  });

  test('no log line of either cluster carries a token secret', () => {
    expectNoSecretsInLogs(A.logs, secrets);
    expectNoSecretsInLogs(B.logs, secrets);
  });
});

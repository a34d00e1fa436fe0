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
import { eachBackend } from '../helpers/gateway.js';
import { secretOf, uuidOf } from '../helpers/tokens.js';
import { dataOf, expectNoSecretsInLogs, homeAndRemote, madeUpToken, sleep } from './clusters.js';

const TTL_SECONDS = 2;

eachBackend(`runtime tokens from another cluster`, (backend) => {
  const secrets: string[] = [];

  const clusters = homeAndRemote(backend, TTL_SECONDS);

  const userOfA = async (scopes?: string[]) => {
    const u = await clusters.A.newUser({ scopes });
    secrets.push(secretOf(u.token), saltSecret(secretOf(u.token), 'bbbbb'));
    return u;
  };
  const submitterAtB = async () => {
    const u = await clusters.B.newUser();
    secrets.push(secretOf(u.token));
    return u;
  };
  const saltedForB = (token: string) => `v2/${uuidOf(token)}/${saltSecret(secretOf(token), 'bbbbb')}`;
  /** Lets B's cached copy of a remote token run out, so the next validation asks A. */
  const expireCacheAtB = (token: string) =>
    clusters.B.gateway.services.db.prisma.apiClientAuthorization.updateMany({
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
      const cr = await createRequest(clusters.B, submitter.token, { runtimeToken });
      expect(cr.state).toBe('COMMITTED');
      const dispatcher = clusters.B.rootToken;
      const c = await getContainer(clusters.B, dispatcher, cr.containerUuid);
      expect(c.data.container).toMatchObject({
        runtimeUserUuid: runner.uuid,
        runtimeAuthScopes: ['mutation:updateContainer', 'query:*'],
      });

      const locked = await lock(clusters.B, dispatcher, cr.containerUuid);
      expect(locked.data.lockContainer).toMatchObject({ state: 'LOCKED', authUuid: null });
      // Re-validated now, by asking A (the cached copy has run out).
      await expireCacheAtB(runner.token);
      const calls = clusters.slotA.remoteCalls.length;
      const auth = await containerAuth(clusters.B, dispatcher, cr.containerUuid);
      expect(auth.errors).toBeUndefined();
      expect(auth.data.containerAuth).toMatchObject({
        uuid: uuidOf(runner.token),
        apiToken: runtimeToken,
        userUuid: runner.uuid,
      });
      expect(clusters.slotA.remoteCalls.length).toBe(calls + 1);

      expect(
        (await updateContainer(clusters.B, dispatcher, cr.containerUuid, { state: 'RUNNING' })).errors,
      ).toBeUndefined();
      // The container, with the token it was handed (container-bound), works at B as the A user.
      const bound = `${runtimeToken}/${cr.containerUuid}`;
      const me = await clusters.B.gql('{ me { uuid isAdmin } currentContainer { uuid state } }', {}, bound);
      expect(me.errors).toBeUndefined();
      expect(me.data).toEqual({
        me: { uuid: runner.uuid, isAdmin: false },
        currentContainer: { uuid: cr.containerUuid, state: 'RUNNING' },
      });
      expect(
        (await updateContainer(clusters.B, bound, cr.containerUuid, { progress: 0.5 })).errors,
      ).toBeUndefined();
      const done = await updateContainer(clusters.B, bound, cr.containerUuid, {
        state: 'COMPLETE',
        exitCode: 0,
        output: 'out',
      });
      expect(done.errors).toBeUndefined();

      // Scrubbed at B once final; the token itself still works at home.
      const row = await clusters.B.gateway.services.db.prisma.container.findUniqueOrThrow({
        where: { uuid: cr.containerUuid },
        select: { runtimeToken: true },
      });
      expect(row.runtimeToken).toBeNull();
      expect((await clusters.A.gql('{ me { uuid } }', {}, runner.token)).data.me.uuid).toBe(runner.uuid);
    },
  );

  test('an unknown remote runtime token fails validation and nothing is written', async () => {
    const submitter = await submitterAtB();
    const prisma = clusters.B.gateway.services.db.prisma;
    const before = await prisma.containerRequest.count();
    const r = await clusters.B.gql(
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
    const cr = await createRequest(clusters.B, submitter.token, {
      runtimeToken: runner.token,
      state: 'UNCOMMITTED',
    });
    expect(cr.state).toBe('UNCOMMITTED');
    await expireToken(clusters.A.gateway.services.db.prisma, uuidOf(runner.token));
    await expireCacheAtB(runner.token);
    const r = await updateRequest(clusters.B, submitter.token, cr.uuid, { state: 'COMMITTED' });
    expect(r.errors?.[0]).toMatchObject({
      message: 'Runtime token failed validation',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  test('containerAuth refuses a runtime token that home no longer vouches for, or cannot be asked about', async () => {
    const dispatcher = clusters.B.rootToken;
    const submitter = await submitterAtB();
    const revoked = await userOfA();
    const unreachable = await userOfA();
    const crRevoked = await createRequest(clusters.B, submitter.token, {
      runtimeToken: revoked.token,
      name: 'revoked',
    });
    const crUnreachable = await createRequest(clusters.B, submitter.token, {
      runtimeToken: unreachable.token,
      name: 'unreachable',
      command: ['true'],
    });
    for (const cr of [crRevoked, crUnreachable])
      expect((await lock(clusters.B, dispatcher, cr.containerUuid)).errors).toBeUndefined();

    // A fresh copy at B (validated just now), then revoked at home.
    await expireCacheAtB(revoked.token);
    expect(dataOf(await clusters.B.gql('{ me { uuid } }', {}, revoked.token), clusters.B).me.uuid).toBe(
      revoked.uuid,
    );
    await expireToken(clusters.A.gateway.services.db.prisma, uuidOf(revoked.token));
    // Within the TTL B still trusts its copy...
    expect((await containerAuth(clusters.B, dispatcher, crRevoked.containerUuid)).errors).toBeUndefined();
    // ...after it, A says no.
    await sleep(TTL_SECONDS * 1000 + 50);
    const r = await containerAuth(clusters.B, dispatcher, crRevoked.containerUuid);
    expect(r.errors?.[0]).toMatchObject({
      message: 'Invalid runtime_token',
      extensions: { code: 'FORBIDDEN' },
    });
    expect(r.body).not.toContain(secretOf(revoked.token));

    await clusters.slotA.stop();
    try {
      const u = await containerAuth(clusters.B, dispatcher, crUnreachable.containerUuid);
      expect(errorCode(u)).toBe('FORBIDDEN');
      expect((await clusters.B.gql('{ me { uuid } }')).data.me.uuid).toBe('bbbbb-tpzed-000000000000000');
    } finally {
      await clusters.slotA.start();
    }
    expect((await containerAuth(clusters.B, dispatcher, crUnreachable.containerUuid)).errors).toBeUndefined();
  });

  test('no log line of either cluster carries a token secret', () => {
    expectNoSecretsInLogs(clusters.A.logs, secrets);
    expectNoSecretsInLogs(clusters.B.logs, secrets);
  });
});

// design.md §4–6: locking a container that has a runtime token creates no token; containerAuth hands
// the (re-validated) runtime token to the lock holder only; the container uses it for its own
// updates while RUNNING and, in container-bound form, for currentContainer and its secret mounts.

import { containerAuth, createRequest, lock, updateContainer } from '../helpers/api.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import {
  containerRow,
  count,
  expireTokenNow,
  found,
  lockAndRun,
  mountSecret,
  secretMounts,
  tokenNeedles,
  tokenRow,
} from '../helpers/secrets.js';
import { sql } from '../helpers/sql.js';
import { bound, type IssuedToken, issueToken } from '../helpers/tokens.js';

const CURRENT = '{ currentContainer { uuid state } }';
const SECRET_MOUNTS = 'query($u: ID!) { containerSecretMounts(uuid: $u) }';

describeBackends('runtime token: lock, containerAuth and the container', (gw) => {
  let owner: { uuid: string; token: string };
  let dispatcher: { uuid: string; token: string };
  let stranger: { uuid: string; token: string };
  let n = 0;

  beforeAll(async () => {
    owner = await gw().newUser();
    stranger = await gw().newUser();
    dispatcher = await gw().newUser({ isAdmin: true });
  });

  /** A committed request with a fresh runtime token (of the owner) and secret mounts. */
  async function submit(rtOpts: Parameters<typeof issueToken>[2] = {}) {
    const rt = await issueToken(gw(), owner.token, rtOpts);
    const content = mountSecret();
    const cr = await createRequest(gw(), owner.token, {
      command: ['echo', `lock-and-auth ${n++}`],
      runtimeToken: rt.apiToken,
      secretMounts: secretMounts(content),
    });
    return { rt, content, cr, containerUuid: cr.containerUuid as string };
  }

  test('lock creates no token: authUuid stays null', async () => {
    const { containerUuid } = await submit();
    const tokens = await count(gw(), 'api_client_authorizations');
    const l = await lock(gw(), dispatcher.token, containerUuid);
    expect(l.errors).toBeUndefined();
    expect(l.data.lockContainer).toMatchObject({ state: 'LOCKED', authUuid: null });
    expect(await count(gw(), 'api_client_authorizations')).toBe(tokens);
    expect((await containerRow(gw(), containerUuid)).auth_uuid).toBeNull();
  });

  test('containerAuth returns the runtime token, its uuid, scopes, expiry and user, to the lock holder', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000);
    const { rt, containerUuid } = await submit({
      scopes: ['query:*', 'mutation:updateContainer'],
      expiresAt,
    });
    expect((await lock(gw(), dispatcher.token, containerUuid)).errors).toBeUndefined();
    const r = await gw().gql(
      `query($u: ID!) { containerAuth(uuid: $u) { uuid userUuid apiToken scopes expiresAt user { uuid email } } }`,
      { u: containerUuid },
      dispatcher.token,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.containerAuth).toEqual({
      uuid: rt.uuid,
      userUuid: owner.uuid,
      apiToken: rt.apiToken,
      scopes: ['mutation:updateContainer', 'query:*'],
      expiresAt: new Date(Math.floor(expiresAt.getTime())).toISOString(),
      user: { uuid: owner.uuid, email: expect.any(String) },
    });
    // And nobody else: another admin (the system root token), the owner, a stranger.
    for (const [who, token, expected] of [
      ['another admin', gw().rootToken, 'FORBIDDEN'],
      ['the owner', owner.token, 'FORBIDDEN'],
      ['the runtime token itself', rt.apiToken, 'FORBIDDEN'],
      ['a stranger', stranger.token, 'NOT_FOUND'],
    ] as const) {
      const other = await containerAuth(gw(), token, containerUuid);
      expect([who, errorCode(other)]).toEqual([who, expected]);
      if (expected === 'FORBIDDEN') expect(other.errors![0]!.message).toBe('Not locked by your token');
      expect(found(other.body, tokenNeedles('runtime token', rt.apiToken))).toEqual([]);
    }
  });

  test('containerAuth before lock is FORBIDDEN "Not locked by your token"', async () => {
    const { rt, containerUuid } = await submit();
    const r = await containerAuth(gw(), dispatcher.token, containerUuid);
    expect(r.errors?.[0]).toMatchObject({
      message: 'Not locked by your token',
      extensions: { code: 'FORBIDDEN' },
    });
    expect(found(r.body, tokenNeedles('runtime token', rt.apiToken))).toEqual([]);
  });

  test.each(['expired', 'deleted'])(
    'a runtime token %s since lock: containerAuth is FORBIDDEN "Invalid runtime_token"',
    async (how) => {
      const { rt, containerUuid } = await submit();
      expect((await lock(gw(), dispatcher.token, containerUuid)).errors).toBeUndefined();
      if (how === 'expired') await expireTokenNow(gw(), rt.uuid);
      else await sql(gw(), 'DELETE FROM api_client_authorizations WHERE uuid = $1', rt.uuid);
      const r = await containerAuth(gw(), dispatcher.token, containerUuid);
      expect(r.errors?.[0]).toMatchObject({
        message: 'Invalid runtime_token',
        extensions: { code: 'FORBIDDEN' },
      });
      expect(r.data?.containerAuth ?? null).toBeNull();
      expect(found(r.body, tokenNeedles('runtime token', rt.apiToken))).toEqual([]);
    },
  );

  describe('the container with its runtime token', () => {
    let rt: IssuedToken;
    let content: string;
    let containerUuid: string;

    beforeAll(async () => {
      ({ rt, content, containerUuid } = await submit());
      expect((await lock(gw(), dispatcher.token, containerUuid)).errors).toBeUndefined();
    });

    test('while LOCKED: container-bound form is valid, self-updates are not yet allowed', async () => {
      const me = await gw().gql(CURRENT, {}, bound(rt.apiToken, containerUuid));
      expect(me.data.currentContainer).toEqual({ uuid: containerUuid, state: 'LOCKED' });
      const u = await updateContainer(gw(), rt.apiToken, containerUuid, { progress: 0.1 });
      expect(errorCode(u)).toBe('FORBIDDEN');
    });

    test('while RUNNING: self-updates in plain and container-bound form; never log or priority', async () => {
      expect(
        (await updateContainer(gw(), dispatcher.token, containerUuid, { state: 'RUNNING' })).errors,
      ).toBeUndefined();
      const plain = await updateContainer(gw(), rt.apiToken, containerUuid, {
        progress: 0.25,
        runtimeStatus: { phase: 'plain' },
      });
      expect(plain.errors).toBeUndefined();
      const viaBound = await updateContainer(gw(), bound(rt.apiToken, containerUuid), containerUuid, {
        progress: 0.5,
        output: 'partial',
      });
      expect(viaBound.errors).toBeUndefined();
      expect(viaBound.data.updateContainer).toMatchObject({ state: 'RUNNING', output: 'partial' });
      for (const input of [{ log: 'x' }, { priority: 5 }]) {
        expect(errorCode(await updateContainer(gw(), rt.apiToken, containerUuid, input))).toBe('FORBIDDEN');
      }
    });

    test('currentContainer: the container in container-bound form; NOT_FOUND in plain form', async () => {
      const me = await gw().gql(CURRENT, {}, bound(rt.apiToken, containerUuid));
      expect(me.errors).toBeUndefined();
      expect(me.data.currentContainer).toEqual({ uuid: containerUuid, state: 'RUNNING' });
      const plain = await gw().gql(CURRENT, {}, rt.apiToken);
      expect(plain.errors?.[0]).toMatchObject({
        message: 'Token is not associated with a container',
        extensions: { code: 'NOT_FOUND' },
      });
    });

    test('containerSecretMounts: to the container-bound runtime token only', async () => {
      const mine = await gw().gql(SECRET_MOUNTS, { u: containerUuid }, bound(rt.apiToken, containerUuid));
      expect(mine.errors).toBeUndefined();
      expect(mine.data.containerSecretMounts).toEqual(secretMounts(content));

      for (const [who, token] of [
        ['the dispatcher (lock holder)', dispatcher.token],
        ['another admin', gw().rootToken],
        ['the owner', owner.token],
        ['the runtime token in plain form', rt.apiToken],
      ] as const) {
        const r = await gw().gql(SECRET_MOUNTS, { u: containerUuid }, token);
        expect([who, errorCode(r)]).toEqual([who, 'FORBIDDEN']);
        expect(r.body).not.toContain(content);
      }
      const stranger_ = await gw().gql(SECRET_MOUNTS, { u: containerUuid }, stranger.token);
      expect(errorCode(stranger_)).toBe('NOT_FOUND');
    });

    test('container-bound form naming another LOCKED/RUNNING container, or a QUEUED one: UNAUTHENTICATED', async () => {
      // Another running container (not this token's), and this token bound to a QUEUED container.
      const other = await submit();
      await lockAndRun(gw(), dispatcher.token, other.containerUuid);
      const queued = await submit();
      for (const [what, token] of [
        ['another RUNNING container', bound(rt.apiToken, other.containerUuid)],
        ['a QUEUED container with this token as its own', bound(queued.rt.apiToken, queued.containerUuid)],
      ] as const) {
        for (const query of [CURRENT, '{ me { uuid } }']) {
          const r = await gw().gql(query, {}, token);
          expect([what, errorCode(r)]).toEqual([what, 'UNAUTHENTICATED']);
          expect(
            found(r.body, {
              ...tokenNeedles('rt', rt.apiToken),
              ...tokenNeedles('queued rt', queued.rt.apiToken),
            }),
          ).toEqual([]);
        }
      }
    });

    test('container-bound form naming no existing container: the 4th part is ignored', async () => {
      const token = bound(rt.apiToken, 'zzzzz-dz642-000000000000000');
      const me = await gw().gql('{ me { uuid } }', {}, token);
      expect(me.errors).toBeUndefined();
      expect(me.data.me.uuid).toBe(owner.uuid);
      const cur = await gw().gql(CURRENT, {}, token);
      expect(errorCode(cur)).toBe('NOT_FOUND');
    });

    test('COMPLETE by its own token; then the container-bound form is UNAUTHENTICATED, the token itself still valid', async () => {
      const done = await updateContainer(gw(), bound(rt.apiToken, containerUuid), containerUuid, {
        state: 'COMPLETE',
        exitCode: 0,
      });
      expect(done.errors).toBeUndefined();
      expect(done.data.updateContainer).toMatchObject({
        state: 'COMPLETE',
        exitCode: 0,
        lockedByUuid: null,
        authUuid: null,
      });
      expect(errorCode(await gw().gql(CURRENT, {}, bound(rt.apiToken, containerUuid)))).toBe(
        'UNAUTHENTICATED',
      );
      expect(errorCode(await updateContainer(gw(), rt.apiToken, containerUuid, { progress: 1 }))).toBe(
        'FORBIDDEN',
      );
      const me = await gw().gql('{ me { uuid } }', {}, rt.apiToken);
      expect(me.data.me.uuid).toBe(owner.uuid);
      expect((await tokenRow(gw(), rt.uuid))!.expires_at).toBeNull();
    });
  });
});

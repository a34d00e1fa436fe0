// design.md §4–5 scrub: the runtime token and secret mounts are erased from a container when it
// becomes COMPLETE or CANCELLED and from a request when it becomes FINAL (secret_mounts_md5 is
// kept for reuse); a retry copies the secrets to the new container first; the token's own
// record is never revoked. Checked in the database: the API cannot show these columns.

import { digestSecret } from '../../src/format/salt.js';
import {
  containerAuth,
  createRequest,
  getRequest,
  lock,
  updateContainer,
  updateRequest,
} from '../helpers/api.js';
import { errorCode } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import {
  containerRow,
  lockAndRun,
  mountSecret,
  requestRow,
  secretMounts,
  tokenRow,
} from '../helpers/secrets.js';
import { type IssuedToken, issueToken } from '../helpers/tokens.js';

describeBackends('scrub of runtime token and secret mounts', (gw) => {
  let owner: { uuid: string; token: string };
  let dispatcher: string;
  let n = 0;

  beforeAll(async () => {
    owner = await gw().newUser();
    dispatcher = (await gw().newUser({ isAdmin: true })).token;
  });

  async function submit(extra: Record<string, unknown> = {}) {
    const rt = await issueToken(gw(), owner.token);
    const content = mountSecret();
    const cr = await createRequest(gw(), owner.token, {
      command: ['echo', `scrub ${n++}`],
      runtimeToken: rt.apiToken,
      secretMounts: secretMounts(content),
      ...extra,
    });
    const c = await containerRow(gw(), cr.containerUuid);
    expect(c).toMatchObject({ runtime_token: rt.apiToken, runtime_token_uuid: rt.uuid });
    expect(JSON.parse(c.secret_mounts)).toEqual(secretMounts(content));
    return { rt, content, cr, containerUuid: cr.containerUuid as string, md5: c.secret_mounts_md5 };
  }

  /** The token's own record is neither revoked nor expired, and still authenticates. */
  async function expectTokenUntouched(rt: IssuedToken) {
    expect(await tokenRow(gw(), rt.uuid)).toMatchObject({
      uuid: rt.uuid,
      secret_digest: digestSecret(rt.secret),
      expires_at: null,
    });
    const me = await gw().gql('{ me { uuid } }', {}, rt.apiToken);
    expect(me.errors).toBeUndefined();
    expect(me.data.me.uuid).toBe(rt.userUuid);
  }

  async function expectScrubbed(containerUuid: string, crUuid: string, md5: string) {
    const c = await containerRow(gw(), containerUuid);
    expect(c.runtime_token).toBeNull();
    expect(JSON.parse(c.secret_mounts)).toEqual({});
    expect(c.secret_mounts_md5).toBe(md5);
    const cr = await requestRow(gw(), crUuid);
    expect(cr).toMatchObject({ state: 'FINAL', runtime_token: null });
    expect(JSON.parse(cr.secret_mounts)).toEqual({});
  }

  test('COMPLETE scrubs the container (md5 kept) and the request it finalizes', async () => {
    const { rt, cr, containerUuid, md5 } = await submit();
    expect(md5).toMatch(/^[0-9a-f]{32}$/);
    await lockAndRun(gw(), dispatcher, containerUuid);
    // Not yet: a running container still has its secrets.
    expect((await containerRow(gw(), containerUuid)).runtime_token).toBe(rt.apiToken);
    const done = await updateContainer(gw(), dispatcher, containerUuid, {
      state: 'COMPLETE',
      exitCode: 0,
      log: 'log',
      output: 'out',
    });
    expect(done.errors).toBeUndefined();
    await expectScrubbed(containerUuid, cr.uuid, md5);
    await expectTokenUntouched(rt);
  });

  test('a request that reuses a COMPLETE container is final, and scrubbed, at once', async () => {
    const first = await submit({ command: ['echo', 'reuse complete'] });
    await lockAndRun(gw(), dispatcher, first.containerUuid);
    expect(
      (await updateContainer(gw(), dispatcher, first.containerUuid, { state: 'COMPLETE', exitCode: 0 }))
        .errors,
    ).toBeUndefined();

    // Same fields, same identity (another token of the owner), same secret mounts.
    const rt2 = await issueToken(gw(), owner.token);
    const cr2 = await createRequest(gw(), owner.token, {
      command: ['echo', 'reuse complete'],
      runtimeToken: rt2.apiToken,
      secretMounts: secretMounts(first.content),
    });
    expect(cr2).toMatchObject({ state: 'FINAL', containerUuid: first.containerUuid });
    await expectScrubbed(first.containerUuid, cr2.uuid, first.md5);
    await expectTokenUntouched(rt2);
  });

  test('CANCELLED with retry: the new container gets the unscrubbed secrets, the old one is scrubbed', async () => {
    const { rt, content, cr, containerUuid, md5 } = await submit();
    await lockAndRun(gw(), dispatcher, containerUuid);
    const cancelled = await updateContainer(gw(), dispatcher, containerUuid, { state: 'CANCELLED' });
    expect(cancelled.errors).toBeUndefined();

    const old = await containerRow(gw(), containerUuid);
    expect(old).toMatchObject({ state: 'CANCELLED', runtime_token: null, secret_mounts_md5: md5 });
    expect(JSON.parse(old.secret_mounts)).toEqual({});

    // The request moved to a new container and, not being final, keeps its own secrets.
    const req = await requestRow(gw(), cr.uuid);
    expect(req).toMatchObject({ state: 'COMMITTED', container_count: 2, runtime_token: rt.apiToken });
    expect(req.container_uuid).not.toBe(containerUuid);
    expect(JSON.parse(req.secret_mounts)).toEqual(secretMounts(content));

    const retry = await containerRow(gw(), req.container_uuid!);
    expect(retry).toMatchObject({
      state: 'QUEUED',
      runtime_token: rt.apiToken,
      runtime_token_uuid: rt.uuid,
      secret_mounts_md5: md5,
      runtime_user_uuid: owner.uuid,
      runtime_auth_scopes: ['all'],
    });
    expect(JSON.parse(retry.secret_mounts)).toEqual(secretMounts(content));

    // The new container runs with the same runtime token: no token is generated at lock.
    const l = await lock(gw(), dispatcher, req.container_uuid!);
    expect(l.data.lockContainer).toMatchObject({ state: 'LOCKED', authUuid: null });
    const auth = await containerAuth(gw(), dispatcher, req.container_uuid!);
    expect(auth.errors).toBeUndefined();
    expect(auth.data.containerAuth).toMatchObject({
      uuid: rt.uuid,
      apiToken: rt.apiToken,
      userUuid: owner.uuid,
    });
    const mounts = await gw().gql(
      'query($u: ID!) { containerSecretMounts(uuid: $u) }',
      { u: req.container_uuid },
      `${rt.apiToken}/${req.container_uuid}`,
    );
    expect(mounts.data.containerSecretMounts).toEqual(secretMounts(content));
    // The cancelled container holds no lock any more: nobody gets a token for it.
    expect(errorCode(await containerAuth(gw(), dispatcher, containerUuid))).toBe('FORBIDDEN');

    expect(
      (await updateContainer(gw(), dispatcher, req.container_uuid!, { state: 'RUNNING' })).errors,
    ).toBeUndefined();
    expect(
      (await updateContainer(gw(), dispatcher, req.container_uuid!, { state: 'COMPLETE', exitCode: 0 }))
        .errors,
    ).toBeUndefined();
    await expectScrubbed(req.container_uuid!, cr.uuid, md5);
    await expectScrubbed(containerUuid, cr.uuid, md5);
    await expectTokenUntouched(rt);
  });

  test('CANCELLED without retry (request cancelled, priority 0): container and request scrubbed', async () => {
    const { rt, cr, containerUuid, md5 } = await submit();
    await lockAndRun(gw(), dispatcher, containerUuid);
    const cancel = await updateRequest(gw(), owner.token, cr.uuid, { priority: 0 });
    expect(cancel.errors).toBeUndefined();
    expect((await requestRow(gw(), cr.uuid)).runtime_token).toBe(rt.apiToken); // still COMMITTED
    expect(
      (await updateContainer(gw(), dispatcher, containerUuid, { state: 'CANCELLED' })).errors,
    ).toBeUndefined();
    await expectScrubbed(containerUuid, cr.uuid, md5);
    await expectTokenUntouched(rt);
  });

  test('CANCELLED with containerCountMax reached: no retry, everything scrubbed', async () => {
    const { rt, cr, containerUuid, md5 } = await submit({ containerCountMax: 1 });
    await lockAndRun(gw(), dispatcher, containerUuid);
    expect(
      (await updateContainer(gw(), dispatcher, containerUuid, { state: 'CANCELLED' })).errors,
    ).toBeUndefined();
    await expectScrubbed(containerUuid, cr.uuid, md5);
    const r = await getRequest(gw(), owner.token, cr.uuid);
    expect(r.data.containerRequest).toMatchObject({ state: 'FINAL', containerUuid, containerCount: 1 });
    await expectTokenUntouched(rt);
  });

  test('a container cancelled by its own runtime token is scrubbed the same way', async () => {
    const { rt, cr, containerUuid, md5 } = await submit({ containerCountMax: 1 });
    await lockAndRun(gw(), dispatcher, containerUuid);
    const r = await updateContainer(gw(), rt.apiToken, containerUuid, { state: 'CANCELLED' });
    expect(r.errors).toBeUndefined();
    await expectScrubbed(containerUuid, cr.uuid, md5);
    await expectTokenUntouched(rt);
  });

  test('a request set FINAL by its owner is scrubbed; its running container is not', async () => {
    const { rt, content, cr, containerUuid } = await submit();
    await lockAndRun(gw(), dispatcher, containerUuid);
    expect((await updateRequest(gw(), owner.token, cr.uuid, { state: 'FINAL' })).errors).toBeUndefined();
    const req = await requestRow(gw(), cr.uuid);
    expect(req).toMatchObject({ state: 'FINAL', runtime_token: null });
    expect(JSON.parse(req.secret_mounts)).toEqual({});
    const c = await containerRow(gw(), containerUuid);
    expect(c.runtime_token).toBe(rt.apiToken);
    expect(JSON.parse(c.secret_mounts)).toEqual(secretMounts(content));
  });
});

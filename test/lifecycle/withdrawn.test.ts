// design.md §3 "Withdrawn work": a QUEUED container that no active request wants any more (its
// last request cancelled with priority 0, finalized or deleted, or its parent finished) is
// CANCELLED in the same transaction — so its runtime token and secret mounts are scrubbed and its
// requests finalized (scrubbed too) — instead of waiting at priority 0 forever with its secrets.
// Checked in the database, where the secrets live, and on the subscriptions.

import { createRequest, lock, unlock, updateContainer, updateRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { readContainer, readRequest, tag } from '../helpers/lifecycle.js';
import { containerRow, lockAndRun, mountSecret, requestRow, secretMounts } from '../helpers/secrets.js';
import { sseClient } from '../helpers/sse.js';
import { bound, issueToken } from '../helpers/tokens.js';

const DELETE = `mutation($u: ID!) { deleteContainerRequest(uuid: $u) { deletedId } }`;

describeBackends('withdrawn work is cancelled and scrubbed (design.md §3)', (gw) => {
  const open = sseClient(gw, { current: true });
  let owner: { uuid: string; token: string };
  let dispatcher: string;
  beforeAll(async () => {
    owner = await gw().newUser();
    dispatcher = (await gw().newUser({ isAdmin: true })).token;
  });

  /** A committed request with a runtime token and secret mounts (`content`), made with `token`. */
  async function submit(extra: Record<string, unknown> = {}, token = owner.token, content = mountSecret()) {
    const rt = await issueToken(gw(), owner.token);
    const cr = await createRequest(gw(), token, {
      command: ['echo', tag()],
      runtimeToken: rt.apiToken,
      secretMounts: secretMounts(content),
      ...extra,
    });
    return { cr, containerUuid: cr.containerUuid as string, rt, content };
  }

  async function expectContainerHoldsSecrets(uuid: string, state = 'QUEUED') {
    const c = await containerRow(gw(), uuid);
    expect(c.state).toBe(state);
    expect(c.runtime_token).not.toBeNull();
    expect(JSON.parse(c.secret_mounts)).not.toEqual({});
  }

  async function expectContainerScrubbed(uuid: string) {
    const c = await containerRow(gw(), uuid);
    expect(c).toMatchObject({ state: 'CANCELLED', runtime_token: null });
    expect(JSON.parse(c.secret_mounts)).toEqual({});
    expect((await readContainer(gw(), gw().rootToken, uuid)).finishedAt).not.toBeNull();
  }

  async function expectRequestScrubbed(uuid: string) {
    const r = await requestRow(gw(), uuid);
    expect(r).toMatchObject({ state: 'FINAL', runtime_token: null });
    expect(JSON.parse(r.secret_mounts)).toEqual({});
  }

  test('the only request cancelled (priority 0): container CANCELLED, both scrubbed, subscribers told', async () => {
    const { cr, containerUuid } = await submit();
    await expectContainerHoldsSecrets(containerUuid);
    const cSub = await open(
      'subscription($u: ID!) { containerUpdated(uuid: $u) { state priority } }',
      { u: containerUuid },
      owner.token,
    );
    const rSub = await open(
      'subscription($u: ID!) { containerRequestUpdated(uuid: $u) { state priority } }',
      { u: cr.uuid },
      owner.token,
    );

    const r = ok(await updateRequest(gw(), owner.token, cr.uuid, { priority: 0 }));
    // The mutation's own answer already shows the outcome: it was one transaction.
    expect(r.updateContainerRequest).toMatchObject({ state: 'FINAL', priority: 0 });
    await expectContainerScrubbed(containerUuid);
    await expectRequestScrubbed(cr.uuid);

    expect((await cSub.next()).data.containerUpdated).toEqual({ state: 'CANCELLED', priority: '0' });
    await cSub.completes();
    expect((await rSub.next()).data.containerRequestUpdated).toEqual({ state: 'FINAL', priority: 0 });
    await rSub.completes();
  });

  test('the only request finalized by its owner: container CANCELLED, both scrubbed', async () => {
    const { cr, containerUuid } = await submit();
    ok(await updateRequest(gw(), owner.token, cr.uuid, { state: 'FINAL' }));
    await expectContainerScrubbed(containerUuid);
    await expectRequestScrubbed(cr.uuid);
  });

  test('the only request deleted: container CANCELLED and scrubbed', async () => {
    const { cr, containerUuid } = await submit();
    ok(await gw().gql(DELETE, { u: cr.uuid }, owner.token));
    await expectContainerScrubbed(containerUuid);
  });

  test('while another request still wants the container it stays QUEUED; the last withdrawal cancels it', async () => {
    const [command, content] = [['echo', tag()], mountSecret()];
    const a = await submit({ command }, owner.token, content);
    const b = await submit({ command }, owner.token, content);
    expect(b.containerUuid).toBe(a.containerUuid);

    ok(await updateRequest(gw(), owner.token, a.cr.uuid, { priority: 0 }));
    await expectContainerHoldsSecrets(a.containerUuid);
    // The cancelled request keeps waiting (COMMITTED) with its secrets while the container may still run.
    expect(await readRequest(gw(), owner.token, a.cr.uuid)).toMatchObject({
      state: 'COMMITTED',
      priority: 0,
    });

    ok(await gw().gql(DELETE, { u: b.cr.uuid }, owner.token));
    await expectContainerScrubbed(a.containerUuid);
    await expectRequestScrubbed(a.cr.uuid);
  });

  test('a request committed with priority 0 holds its container; cancelling it again withdraws it', async () => {
    const { cr, containerUuid } = await submit({ priority: 0 });
    await expectContainerHoldsSecrets(containerUuid);
    ok(await updateRequest(gw(), owner.token, cr.uuid, { priority: 3 }));
    await expectContainerHoldsSecrets(containerUuid);
    ok(await updateRequest(gw(), owner.token, cr.uuid, { priority: 0 }));
    await expectContainerScrubbed(containerUuid);
    await expectRequestScrubbed(cr.uuid);
  });

  test('a LOCKED container keeps its secrets for the dispatcher; unlocked with nobody wanting it, it is cancelled', async () => {
    const { cr, containerUuid } = await submit();
    ok(await lock(gw(), dispatcher, containerUuid));
    ok(await updateRequest(gw(), owner.token, cr.uuid, { priority: 0 }));
    await expectContainerHoldsSecrets(containerUuid, 'LOCKED');
    const u = ok(await unlock(gw(), dispatcher, containerUuid));
    expect(u.unlockContainer).toMatchObject({ state: 'CANCELLED', lockedByUuid: null, authUuid: null });
    await expectContainerScrubbed(containerUuid);
    await expectRequestScrubbed(cr.uuid);
  });

  test('unlocked while a request still wants it: back to QUEUED, secrets kept', async () => {
    const { containerUuid } = await submit();
    ok(await lock(gw(), dispatcher, containerUuid));
    expect(ok(await unlock(gw(), dispatcher, containerUuid)).unlockContainer.state).toBe('QUEUED');
    await expectContainerHoldsSecrets(containerUuid);
  });

  test("a finished parent's queued child container is cancelled and scrubbed with its request", async () => {
    const parent = await submit({ containerCountMax: 1 });
    await lockAndRun(gw(), dispatcher, parent.containerUuid);
    // The parent's runtime token in container-bound form: requests it makes are its children.
    const parentToken = bound(parent.rt.apiToken, parent.containerUuid);
    // The child carries secrets of its own (a runtime token of the owner's, secret mounts).
    const child = await submit({}, parentToken);
    expect(child.cr.requestingContainerUuid).toBe(parent.containerUuid);
    await expectContainerHoldsSecrets(child.containerUuid);

    ok(await updateContainer(gw(), dispatcher, parent.containerUuid, { state: 'COMPLETE', exitCode: 0 }));
    await expectContainerScrubbed(child.containerUuid);
    await expectRequestScrubbed(child.cr.uuid);
  });
});

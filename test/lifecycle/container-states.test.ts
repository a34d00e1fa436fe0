import { createRequest, lock, unlock, updateContainer } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import {
  CONTAINER_MOVES as ALLOWED,
  containerIn,
  containerToken,
  readContainer,
  CONTAINER_STATES as STATES,
  tag,
} from '../helpers/lifecycle.js';
import { tokenUuid } from '../helpers/tokens.js';

describeBackends('container state machine over GraphQL', (gw) => {
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    user = await gw().newUser();
  });

  // lockContainer is the way into LOCKED; updateContainer every other move. The lock holder
  // (the root token) makes each move, so only the state machine can refuse it.
  const pairs = STATES.flatMap((from) => STATES.map((to) => [from, to] as const));
  test.each(pairs)('%s → %s', async (from, to) => {
    const { containerUuid, dispatcher } = await containerIn(gw(), user.token, from);
    const r =
      to === 'LOCKED'
        ? await lock(gw(), dispatcher, containerUuid)
        : await updateContainer(gw(), dispatcher, containerUuid, {
            state: to,
            ...(to === 'COMPLETE' ? { exitCode: 0 } : {}),
          });
    const after = await readContainer(gw(), dispatcher, containerUuid);
    if (ALLOWED.has(`${from}>${to}`)) {
      expect(r.errors).toBeUndefined();
      expect(after.state).toBe(to);
    } else if (from === to && (from === 'QUEUED' || from === 'RUNNING')) {
      // Staying in an open state is an update without a move, not a transition.
      expect(r.errors).toBeUndefined();
      expect(after.state).toBe(from);
    } else {
      expectError(r, 'CONFLICT', to === 'LOCKED' ? { message: `cannot lock when ${from}` } : {});
      expect(after.state).toBe(from);
    }
  });

  test('updateContainer cannot move to LOCKED (that is lockContainer)', async () => {
    const { containerUuid } = await containerIn(gw(), user.token, 'QUEUED');
    expectError(await updateContainer(gw(), gw().rootToken, containerUuid, { state: 'LOCKED' }), 'CONFLICT');
    expect((await readContainer(gw(), gw().rootToken, containerUuid)).state).toBe('QUEUED');
  });

  describe('lock', () => {
    test('sets lockedByUuid to the caller token and generates a token for the runtime user', async () => {
      const dispatcher = (await gw().newUser({ isAdmin: true })).token;
      const { containerUuid } = await containerIn(gw(), user.token, 'LOCKED', { dispatcher });
      const c = await readContainer(gw(), dispatcher, containerUuid);
      expect(c.lockedByUuid).toBe(await tokenUuid(gw(), dispatcher));
      expect(c.authUuid).toMatch(/^zzzzz-gj3su-[0-9a-z]{15}$/);
      const auth = ok(
        await gw().gql(
          `query($u: ID!) { containerAuth(uuid: $u) { uuid userUuid scopes } }`,
          { u: containerUuid },
          dispatcher,
        ),
      );
      expect(auth.containerAuth).toEqual({ uuid: c.authUuid, userUuid: user.uuid, scopes: ['all'] });
    });

    test('cannot lock when priority<=0', async () => {
      const cr = await createRequest(gw(), user.token, { command: ['echo', tag()], priority: 0 });
      expectError(await lock(gw(), gw().rootToken, cr.containerUuid), 'CONFLICT', {
        message: 'cannot lock when priority<=0',
      });
      expect((await readContainer(gw(), gw().rootToken, cr.containerUuid)).state).toBe('QUEUED');
    });

    test('a non-admin who can see the container: FORBIDDEN; one who cannot: NOT_FOUND', async () => {
      const { containerUuid } = await containerIn(gw(), user.token, 'QUEUED');
      expectError(await lock(gw(), user.token, containerUuid), 'FORBIDDEN');
      const other = await gw().newUser();
      expectError(await lock(gw(), other.token, containerUuid), 'NOT_FOUND');
      expect((await readContainer(gw(), gw().rootToken, containerUuid)).state).toBe('QUEUED');
    });

    test('an unknown container: NOT_FOUND', async () => {
      expectError(await lock(gw(), gw().rootToken, 'zzzzz-dz642-000000000000000'), 'NOT_FOUND');
    });
  });

  describe('unlock', () => {
    test('by the lock holder: QUEUED, lock released, generated token expired, runtimeStatus cleared; a new lock makes a new token', async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'LOCKED');
      const first = await readContainer(gw(), dispatcher, containerUuid);
      const token = await containerToken(gw(), dispatcher, containerUuid);
      expect(ok(await gw().gql('{ currentContainer { uuid } }', {}, token)).currentContainer.uuid).toBe(
        containerUuid,
      );
      ok(await updateContainer(gw(), dispatcher, containerUuid, { runtimeStatus: { warning: 'slow node' } }));

      const r = await unlock(gw(), dispatcher, containerUuid);
      expect(r.errors).toBeUndefined();
      const c = await readContainer(gw(), dispatcher, containerUuid);
      expect(c).toMatchObject({ state: 'QUEUED', lockedByUuid: null, authUuid: null, runtimeStatus: {} });
      expectError(await gw().gql('{ me { uuid } }', {}, token), 'UNAUTHENTICATED');

      ok(await lock(gw(), dispatcher, containerUuid));
      const again = await readContainer(gw(), dispatcher, containerUuid);
      expect(again.authUuid).toMatch(/^zzzzz-gj3su-/);
      expect(again.authUuid).not.toBe(first.authUuid);
    });

    test('by another admin token: FORBIDDEN, still LOCKED', async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'LOCKED');
      const other = await gw().newUser({ isAdmin: true });
      expectError(await unlock(gw(), other.token, containerUuid), 'FORBIDDEN', {
        message: 'Not locked by your token',
      });
      // Nor through updateContainer's move back to QUEUED.
      expectError(await updateContainer(gw(), other.token, containerUuid, { state: 'QUEUED' }), 'FORBIDDEN');
      const c = await readContainer(gw(), dispatcher, containerUuid);
      expect(c.state).toBe('LOCKED');
      expect(c.lockedByUuid).toBe(await tokenUuid(gw(), dispatcher));
    });

    test.each(['QUEUED', 'RUNNING', 'COMPLETE', 'CANCELLED'] as const)('when %s: CONFLICT', async (state) => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, state);
      expectError(await unlock(gw(), dispatcher, containerUuid), 'CONFLICT');
      expect((await readContainer(gw(), dispatcher, containerUuid)).state).toBe(state);
    });

    test('by a user who cannot see the container: NOT_FOUND', async () => {
      const { containerUuid } = await containerIn(gw(), user.token, 'LOCKED');
      const other = await gw().newUser();
      expectError(await unlock(gw(), other.token, containerUuid), 'NOT_FOUND');
    });
  });

  describe('rights of updateContainer', () => {
    test('another admin (not the lock holder) may update a locked container', async () => {
      const { containerUuid } = await containerIn(gw(), user.token, 'RUNNING');
      const other = await gw().newUser({ isAdmin: true });
      const r = await gw().gql(
        `mutation($u: ID!, $i: UpdateContainerInput!) { updateContainer(uuid: $u, input: $i) { progress log } }`,
        { u: containerUuid, i: { progress: 0.25, log: 'partial-log' } },
        other.token,
      );
      expect(ok(r).updateContainer).toEqual({ progress: 0.25, log: 'partial-log' });
    });

    test("the container's own token while RUNNING: its allowed fields only", async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING');
      const own = await containerToken(gw(), dispatcher, containerUuid);
      const q = `mutation($u: ID!, $i: UpdateContainerInput!) { updateContainer(uuid: $u, input: $i) { progress output runtimeStatus log priority } }`;
      const r = await gw().gql(
        q,
        { u: containerUuid, i: { progress: 0.5, output: 'partial', runtimeStatus: { activity: 'working' } } },
        own,
      );
      expect(ok(r).updateContainer).toMatchObject({
        progress: 0.5,
        output: 'partial',
        runtimeStatus: { activity: 'working' },
        log: null,
      });

      const before = await readContainer(gw(), dispatcher, containerUuid);
      expectError(await updateContainer(gw(), own, containerUuid, { log: 'mine' }), 'FORBIDDEN');
      expectError(await updateContainer(gw(), own, containerUuid, { priority: 5 }), 'FORBIDDEN');
      expectError(await updateContainer(gw(), own, containerUuid, { state: 'QUEUED' }), 'FORBIDDEN');
      expect(await readContainer(gw(), dispatcher, containerUuid)).toEqual(before);

      const done = await gw().gql(
        `mutation($u: ID!, $i: UpdateContainerInput!) { updateContainer(uuid: $u, input: $i) { state exitCode output } }`,
        { u: containerUuid, i: { state: 'COMPLETE', exitCode: 3, output: 'final' } },
        own,
      );
      expect(ok(done).updateContainer).toEqual({ state: 'COMPLETE', exitCode: 3, output: 'final' });
      expect(await readContainer(gw(), dispatcher, containerUuid)).toMatchObject({
        authUuid: null,
        lockedByUuid: null,
      });
      // The move to COMPLETE expired the token it was made with.
      expectError(await gw().gql('{ me { uuid } }', {}, own), 'UNAUTHENTICATED');
    });

    test("the container's own token may cancel it while RUNNING", async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING', {
        overrides: { containerCountMax: 1 },
      });
      const own = await containerToken(gw(), dispatcher, containerUuid);
      await updateContainer(gw(), own, containerUuid, { state: 'CANCELLED' });
      expect((await readContainer(gw(), dispatcher, containerUuid)).state).toBe('CANCELLED');
    });

    test("the container's own token while LOCKED: FORBIDDEN", async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'LOCKED');
      const own = await containerToken(gw(), dispatcher, containerUuid);
      expectError(await updateContainer(gw(), own, containerUuid, { progress: 0.1 }), 'FORBIDDEN');
      expectError(await updateContainer(gw(), own, containerUuid, { state: 'RUNNING' }), 'FORBIDDEN');
      expect((await readContainer(gw(), dispatcher, containerUuid)).progress).toBeNull();
    });

    test('the owner of a request on it (not its token, not admin): FORBIDDEN; a user who cannot see it: NOT_FOUND', async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING');
      expectError(await updateContainer(gw(), user.token, containerUuid, { progress: 0.9 }), 'FORBIDDEN');
      const other = await gw().newUser();
      expectError(await updateContainer(gw(), other.token, containerUuid, { progress: 0.9 }), 'NOT_FOUND');
      expect((await readContainer(gw(), dispatcher, containerUuid)).progress).toBeNull();
    });

    test('exitCode only with the move to COMPLETE', async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING', {
        overrides: { containerCountMax: 1 },
      });
      expectError(await updateContainer(gw(), dispatcher, containerUuid, { exitCode: 0 }), 'BAD_USER_INPUT', {
        field: 'exitCode',
      });
      expectError(
        await updateContainer(gw(), dispatcher, containerUuid, { state: 'CANCELLED', exitCode: 1 }),
        'BAD_USER_INPUT',
        { field: 'exitCode' },
      );
      expect(await readContainer(gw(), dispatcher, containerUuid)).toMatchObject({
        state: 'RUNNING',
        exitCode: null,
      });
      ok(await updateContainer(gw(), dispatcher, containerUuid, { state: 'COMPLETE', exitCode: 0 }));
      expect(await readContainer(gw(), dispatcher, containerUuid)).toMatchObject({
        state: 'COMPLETE',
        exitCode: 0,
      });
    });

    test('request fields, lockedByUuid and authUuid are not in the input', async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'LOCKED');
      for (const input of [
        { lockedByUuid: null },
        { authUuid: null },
        { command: ['x'] },
        { runtimeUserUuid: user.uuid },
      ]) {
        expectError(await updateContainer(gw(), dispatcher, containerUuid, input), 'BAD_USER_INPUT');
      }
      const c = await readContainer(gw(), dispatcher, containerUuid);
      expect(c.lockedByUuid).not.toBeNull();
      expect(c.authUuid).not.toBeNull();
    });

    test('invalid values: BAD_USER_INPUT on the field', async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING');
      expectError(
        await updateContainer(gw(), dispatcher, containerUuid, { progress: 1.5 }),
        'BAD_USER_INPUT',
        { field: 'progress' },
      );
      expectError(
        await updateContainer(gw(), dispatcher, containerUuid, { priority: -1 }),
        'BAD_USER_INPUT',
        { field: 'priority' },
      );
      // Beyond the 64-bit column: refused as input, not a masked database error.
      expectError(
        await updateContainer(gw(), dispatcher, containerUuid, { priority: 1e30 }),
        'BAD_USER_INPUT',
        { field: 'priority' },
      );
      expectError(
        await updateContainer(gw(), dispatcher, containerUuid, { runtimeStatus: [1] }),
        'BAD_USER_INPUT',
        { field: 'runtimeStatus' },
      );
    });
  });

  describe('timestamps', () => {
    test('startedAt on RUNNING, finishedAt on COMPLETE', async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'LOCKED');
      const locked = await readContainer(gw(), dispatcher, containerUuid);
      expect(locked).toMatchObject({ startedAt: null, finishedAt: null });
      ok(await updateContainer(gw(), dispatcher, containerUuid, { state: 'RUNNING' }));
      const running = await readContainer(gw(), dispatcher, containerUuid);
      expect(running.startedAt).not.toBeNull();
      expect(running.finishedAt).toBeNull();
      expect(Date.parse(running.startedAt)).toBeGreaterThanOrEqual(Date.parse(locked.createdAt));
      ok(await updateContainer(gw(), dispatcher, containerUuid, { progress: 0.5 }));
      expect((await readContainer(gw(), dispatcher, containerUuid)).startedAt).toBe(running.startedAt);
      ok(await updateContainer(gw(), dispatcher, containerUuid, { state: 'COMPLETE', exitCode: 0 }));
      const done = await readContainer(gw(), dispatcher, containerUuid);
      expect(done.startedAt).toBe(running.startedAt);
      expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));
    });

    test('finishedAt on CANCELLED, without startedAt when it never ran', async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'CANCELLED');
      const c = await readContainer(gw(), dispatcher, containerUuid);
      expect(c.startedAt).toBeNull();
      expect(Date.parse(c.finishedAt)).toBeGreaterThanOrEqual(Date.parse(c.createdAt));
    });

    test('leaving LOCKED by cancel releases the lock and expires the generated token', async () => {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'LOCKED', {
        overrides: { containerCountMax: 1 },
      });
      const own = await containerToken(gw(), dispatcher, containerUuid);
      ok(await updateContainer(gw(), dispatcher, containerUuid, { state: 'CANCELLED' }));
      expect(await readContainer(gw(), dispatcher, containerUuid)).toMatchObject({
        state: 'CANCELLED',
        lockedByUuid: null,
        authUuid: null,
      });
      expectError(await gw().gql('{ me { uuid } }', {}, own), 'UNAUTHENTICATED');
    });
  });
});

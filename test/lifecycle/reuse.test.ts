import { createRequest, updateContainer } from '../helpers/api.js';
import { expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import {
  type ContainerState,
  clockPast,
  containerIn,
  readContainer,
  readRequest,
  tag,
} from '../helpers/lifecycle.js';
import { newToken } from '../helpers/tokens.js';

describeBackends('container reuse (design.md §8)', (gw) => {
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    user = await gw().newUser();
  });

  describe('matched fields', () => {
    /** A request with every matched field set, unique to the test. */
    const base = (t: string) => ({
      command: ['echo', t],
      cwd: '/work',
      environment: { A: '1', B: '2' },
      outputPath: '/out',
      containerImage: 'arvados/jobs:1',
      mounts: { '/in': { kind: 'collection', portable_data_hash: 'abc+1', opts: { x: 1, y: 2 } } },
      runtimeConstraints: { vcpus: 1, ram: 1000, keep_cache_ram: 5 },
      secretMounts: { '/secret': { kind: 'text', content: 'one' } },
    });

    test('an identical request reuses the container; unmatched fields do not matter', async () => {
      const t = tag();
      const first = await createRequest(gw(), user.token, base(t));
      const same = await createRequest(gw(), user.token, {
        ...base(t),
        name: 'another name',
        description: 'd',
        properties: { p: 1 },
        priority: 9,
        schedulingParameters: { partitions: ['x'] },
        containerCountMax: 7,
      });
      expect(same.containerUuid).toBe(first.containerUuid);
    });

    const variants: [string, (t: string) => Record<string, unknown>][] = [
      ['command', (t) => ({ command: ['echo', t, 'more'] })],
      ['command order', (t) => ({ command: [t, 'echo'] })],
      ['cwd', () => ({ cwd: '/tmp' })],
      ['environment', () => ({ environment: { A: '1', B: '3' } })],
      ['outputPath', () => ({ outputPath: '/out2' })],
      ['containerImage', () => ({ containerImage: 'arvados/jobs:2' })],
      [
        'mounts',
        () => ({
          mounts: { '/in': { kind: 'collection', portable_data_hash: 'abc+1', opts: { x: 1, y: 3 } } },
        }),
      ],
      ['runtimeConstraints', () => ({ runtimeConstraints: { vcpus: 2, ram: 1000, keep_cache_ram: 5 } })],
      ['secretMounts', () => ({ secretMounts: { '/secret': { kind: 'text', content: 'two' } } })],
      ['secretMounts (none)', () => ({ secretMounts: {} })],
    ];
    test.each(variants)('a different %s breaks reuse', async (_name, change) => {
      const t = tag();
      const first = await createRequest(gw(), user.token, base(t));
      const other = await createRequest(gw(), user.token, { ...base(t), ...change(t) });
      expect(other.containerUuid).not.toBe(first.containerUuid);
      // And the original fields still find the first container.
      expect((await createRequest(gw(), user.token, base(t))).containerUuid).toBe(first.containerUuid);
    });

    test('key order never matters, nested included', async () => {
      const t = tag();
      const first = await createRequest(gw(), user.token, {
        ...base(t),
        secretMounts: { '/s1': { kind: 'text', content: 'a' }, '/s2': { kind: 'text', content: 'b' } },
      });
      const reordered = await createRequest(gw(), user.token, {
        secretMounts: { '/s2': { content: 'b', kind: 'text' }, '/s1': { content: 'a', kind: 'text' } },
        runtimeConstraints: { keep_cache_ram: 5, ram: 1000, vcpus: 1 },
        mounts: { '/in': { opts: { y: 2, x: 1 }, portable_data_hash: 'abc+1', kind: 'collection' } },
        environment: { B: '2', A: '1' },
        containerImage: 'arvados/jobs:1',
        outputPath: '/out',
        cwd: '/work',
        command: ['echo', t],
      });
      expect(reordered.containerUuid).toBe(first.containerUuid);
    });

    test('null and {} are equal (environment, mounts, secretMounts)', async () => {
      const t = tag();
      const first = await createRequest(gw(), user.token, {
        command: ['echo', t],
        environment: {},
        mounts: {},
        secretMounts: {},
      });
      const nulls = await createRequest(gw(), user.token, {
        command: ['echo', t],
        environment: null,
        mounts: null,
        secretMounts: null,
      });
      const omitted = await createRequest(gw(), user.token, { command: ['echo', t] });
      expect(nulls.containerUuid).toBe(first.containerUuid);
      expect(omitted.containerUuid).toBe(first.containerUuid);
    });

    test('the runtime user: two users never share; a runtime token of another user does', async () => {
      const t = tag();
      const other = await gw().newUser();
      const mine = await createRequest(gw(), user.token, { command: ['echo', t] });
      const theirs = await createRequest(gw(), other.token, { command: ['echo', t] });
      expect(theirs.containerUuid).not.toBe(mine.containerUuid);
      // other submits with a token of user: the container runs as user with ["all"] — user's container.
      const asUser = await createRequest(gw(), other.token, {
        command: ['echo', t],
        runtimeToken: await newToken(gw(), user.token),
      });
      expect(asUser.containerUuid).toBe(mine.containerUuid);
      // The token string itself never counts: another token of user, same scopes, same container.
      const again = await createRequest(gw(), user.token, {
        command: ['echo', t],
        runtimeToken: await newToken(gw(), user.token),
      });
      expect(again.containerUuid).toBe(mine.containerUuid);
    });

    test('identical commits at once, some naming a runtime token of the same user: one container', async () => {
      // The reuse lock is taken before a local runtime token is read, so it cannot depend on the
      // identity: commits with and without one must still wait for each other.
      const t = tag();
      const tokens = await Promise.all([1, 2, 3].map(() => newToken(gw(), user.token)));
      const made = await Promise.all([
        ...tokens.map((runtimeToken) =>
          createRequest(gw(), user.token, { command: ['echo', t], runtimeToken }),
        ),
        ...tokens.map(() => createRequest(gw(), user.token, { command: ['echo', t] })),
      ]);
      expect(new Set(made.map((r) => r.containerUuid)).size).toBe(1);
    });

    test('the runtime scopes: a narrowed runtime token breaks reuse; the same scopes in any order match', async () => {
      const t = tag();
      const plain = await createRequest(gw(), user.token, { command: ['echo', t] });
      const narrowed = await createRequest(gw(), user.token, {
        command: ['echo', t],
        runtimeToken: await newToken(gw(), user.token, ['query:*', 'mutation:*']),
      });
      expect(narrowed.containerUuid).not.toBe(plain.containerUuid);
      const c = await readContainer(gw(), user.token, narrowed.containerUuid);
      expect(c.runtimeUserUuid).toBe(user.uuid);
      expect(c.runtimeAuthScopes).toEqual(['mutation:*', 'query:*']);
      const sameScopes = await createRequest(gw(), user.token, {
        command: ['echo', t],
        runtimeToken: await newToken(gw(), user.token, ['mutation:*', 'query:*']),
      });
      expect(sameScopes.containerUuid).toBe(narrowed.containerUuid);
      const otherScopes = await createRequest(gw(), user.token, {
        command: ['echo', t],
        runtimeToken: await newToken(gw(), user.token, ['query:*']),
      });
      expect(new Set([plain.containerUuid, narrowed.containerUuid, otherScopes.containerUuid]).size).toBe(3);
    });
  });

  describe('preference between candidates', () => {
    /** A container of the tag's fields (useExisting false) in `state`. */
    async function candidate(t: string, state: ContainerState, overrides: Record<string, unknown> = {}) {
      const { containerUuid } = await containerIn(gw(), user.token, state, {
        overrides: { command: ['echo', t], ...overrides },
      });
      return containerUuid;
    }
    const probe = async (t: string, overrides: Record<string, unknown> = {}) =>
      createRequest(gw(), user.token, { command: ['echo', t], ...overrides });

    test('COMPLETE (exit 0) first, and the request is finalized at once with its log and output', async () => {
      const t = tag();
      await candidate(t, 'QUEUED');
      await candidate(t, 'LOCKED');
      await candidate(t, 'RUNNING');
      const { containerUuid: done, dispatcher } = await containerIn(gw(), user.token, 'RUNNING', {
        overrides: { command: ['echo', t] },
      });
      ok(
        await updateContainer(gw(), dispatcher, done, {
          state: 'COMPLETE',
          exitCode: 0,
          log: 'the-log',
          output: 'the-output',
        }),
      );
      const cr = await probe(t);
      expect(cr).toMatchObject({
        containerUuid: done,
        state: 'FINAL',
        log: 'the-log',
        output: 'the-output',
        containerCount: 1,
      });
      // Still COMPLETE, and with no COMMITTED request pointing at it its priority stays 0.
      expect(await readContainer(gw(), user.token, done)).toMatchObject({ state: 'COMPLETE', priority: '0' });
    });

    test('COMPLETE: the earliest finishedAt wins, not the earliest created', async () => {
      const t = tag();
      const first = await candidate(t, 'RUNNING');
      const second = await candidate(t, 'RUNNING');
      await clockPast(
        ok(await updateContainer(gw(), gw().rootToken, second, { state: 'COMPLETE', exitCode: 0 }))
          .updateContainer.finishedAt,
      );
      ok(await updateContainer(gw(), gw().rootToken, first, { state: 'COMPLETE', exitCode: 0 }));
      const [a, b] = [
        await readContainer(gw(), user.token, first),
        await readContainer(gw(), user.token, second),
      ];
      expect(Date.parse(b.finishedAt)).toBeLessThan(Date.parse(a.finishedAt));
      expect((await probe(t)).containerUuid).toBe(second);
    });

    test('RUNNING next (a failed COMPLETE and a CANCELLED are skipped), before LOCKED and QUEUED', async () => {
      const t = tag();
      await candidate(t, 'QUEUED');
      await candidate(t, 'LOCKED');
      const { containerUuid: failed, dispatcher } = await containerIn(gw(), user.token, 'RUNNING', {
        overrides: { command: ['echo', t] },
      });
      ok(await updateContainer(gw(), dispatcher, failed, { state: 'COMPLETE', exitCode: 1 }));
      await candidate(t, 'CANCELLED');
      const running = await candidate(t, 'RUNNING');
      const cr = await probe(t);
      expect(cr).toMatchObject({ containerUuid: running, state: 'COMMITTED' });
    });

    test('RUNNING: highest progress, then earliest startedAt', async () => {
      const t = tag();
      const slow = await candidate(t, 'RUNNING');
      const fast = await candidate(t, 'RUNNING');
      ok(await updateContainer(gw(), gw().rootToken, slow, { progress: 0.2 }));
      ok(await updateContainer(gw(), gw().rootToken, fast, { progress: 0.7 }));
      expect((await probe(t)).containerUuid).toBe(fast);

      const t2 = tag();
      const createdFirst = await candidate(t2, 'LOCKED');
      const createdSecond = await candidate(t2, 'LOCKED');
      await clockPast(
        ok(await updateContainer(gw(), gw().rootToken, createdSecond, { state: 'RUNNING', progress: 0.5 }))
          .updateContainer.startedAt,
      );
      ok(await updateContainer(gw(), gw().rootToken, createdFirst, { state: 'RUNNING', progress: 0.5 }));
      const [a, b] = [
        await readContainer(gw(), user.token, createdFirst),
        await readContainer(gw(), user.token, createdSecond),
      ];
      expect(Date.parse(b.startedAt)).toBeLessThan(Date.parse(a.startedAt));
      expect((await probe(t2)).containerUuid).toBe(createdSecond);
    });

    test('RUNNING with runtimeStatus.error is skipped, whatever its progress', async () => {
      const t = tag();
      const errored = await candidate(t, 'RUNNING');
      ok(
        await updateContainer(gw(), gw().rootToken, errored, {
          progress: 0.9,
          runtimeStatus: { error: 'disk failure' },
        }),
      );
      const healthy = await candidate(t, 'RUNNING');
      ok(await updateContainer(gw(), gw().rootToken, healthy, { progress: 0.1 }));
      expect((await probe(t)).containerUuid).toBe(healthy);

      const t2 = tag();
      const erroredOnly = await candidate(t2, 'RUNNING');
      ok(await updateContainer(gw(), gw().rootToken, erroredOnly, { runtimeStatus: { error: 'x' } }));
      const queued = await candidate(t2, 'QUEUED');
      expect((await probe(t2)).containerUuid).toBe(queued);
    });

    test('LOCKED before QUEUED, even a higher-priority QUEUED', async () => {
      const t = tag();
      await candidate(t, 'QUEUED', { priority: 9 });
      const locked = await candidate(t, 'LOCKED', { priority: 1 });
      expect((await probe(t)).containerUuid).toBe(locked);
    });

    test('among QUEUED: highest priority, then earliest createdAt', async () => {
      const t = tag();
      await candidate(t, 'QUEUED', { priority: 1 });
      const high = await candidate(t, 'QUEUED', { priority: 5 });
      await candidate(t, 'QUEUED', { priority: 2 });
      expect((await probe(t)).containerUuid).toBe(high);

      // Cancelled requests leave their containers at priority 0: a tie, broken by createdAt.
      const t2 = tag();
      const older = await candidate(t2, 'QUEUED', { priority: 0 });
      await clockPast((await readContainer(gw(), user.token, older)).createdAt);
      const newer = await candidate(t2, 'QUEUED', { priority: 0 });
      const [a, b] = [
        await readContainer(gw(), user.token, older),
        await readContainer(gw(), user.token, newer),
      ];
      expect(a.priority).toBe('0');
      expect(b.priority).toBe('0');
      expect(Date.parse(a.createdAt)).toBeLessThan(Date.parse(b.createdAt));
      expect((await probe(t2, { priority: 0 })).containerUuid).toBe(older);
    });

    test('among LOCKED: highest priority', async () => {
      const t = tag();
      await candidate(t, 'LOCKED', { priority: 1 });
      const high = await candidate(t, 'LOCKED', { priority: 4 });
      expect((await probe(t)).containerUuid).toBe(high);
    });

    test('failed (exit code ≠ 0) and CANCELLED containers are never reused', async () => {
      const t = tag();
      const { containerUuid: failed, dispatcher } = await containerIn(gw(), user.token, 'RUNNING', {
        overrides: { command: ['echo', t] },
      });
      ok(await updateContainer(gw(), dispatcher, failed, { state: 'COMPLETE', exitCode: 2 }));
      const cancelled = await candidate(t, 'CANCELLED');
      const cr = await probe(t);
      expect([failed, cancelled]).not.toContain(cr.containerUuid);
      expect(cr.state).toBe('COMMITTED');
      expect((await readContainer(gw(), user.token, cr.containerUuid)).state).toBe('QUEUED');
    });

    test('useExisting false makes a new container, even with a COMPLETE one to reuse', async () => {
      const t = tag();
      const done = await candidate(t, 'COMPLETE');
      const queued = await candidate(t, 'QUEUED');
      const cr = await probe(t, { useExisting: false });
      expect([done, queued]).not.toContain(cr.containerUuid);
      expect(cr).toMatchObject({ state: 'COMMITTED', containerCount: 1 });
      expect((await readContainer(gw(), user.token, cr.containerUuid)).state).toBe('QUEUED');
    });

    test('committing an UNCOMMITTED request onto a COMPLETE container finalizes it in the same call', async () => {
      const t = tag();
      const { containerUuid: done, dispatcher } = await containerIn(gw(), user.token, 'RUNNING', {
        overrides: { command: ['echo', t] },
      });
      ok(
        await updateContainer(gw(), dispatcher, done, {
          state: 'COMPLETE',
          exitCode: 0,
          log: 'L',
          output: 'O',
        }),
      );
      const draft = await probe(t, { state: 'UNCOMMITTED' });
      const r = await gw().gql(
        `mutation($u: ID!) { updateContainerRequest(uuid: $u, input: {state: COMMITTED}) { state containerUuid containerCount log output } }`,
        { u: draft.uuid },
        user.token,
      );
      expect(ok(r).updateContainerRequest).toEqual({
        state: 'FINAL',
        containerUuid: done,
        containerCount: 1,
        log: 'L',
        output: 'O',
      });
      expect(await readRequest(gw(), user.token, draft.uuid)).toMatchObject({
        state: 'FINAL',
        log: 'L',
        output: 'O',
      });
      // A FINAL request cannot be committed again.
      expectError(
        await gw().gql(
          `mutation($u: ID!) { updateContainerRequest(uuid: $u, input: {state: COMMITTED}) { uuid } }`,
          { u: draft.uuid },
          user.token,
        ),
        'BAD_USER_INPUT',
      );
    });
  });
});

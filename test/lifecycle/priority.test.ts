import { createRequest, lock, updateContainer, updateRequest } from '../helpers/api.js';
import { ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { containerIn, containerToken, readContainer, readRequest, tag } from '../helpers/lifecycle.js';

/** (p << 50) - createdAt ms, as the API's Float shows it (exact below 2^53: p ≤ 7). */
// Priorities are BigInt strings: exact, where a Float would round above 2^53.
const claim = (p: number, createdAt: unknown) =>
  String((BigInt(p) << 50n) - BigInt(Date.parse(createdAt as string)));

describeBackends('container priority (design.md §3)', (gw) => {
  let user: { uuid: string; token: string };
  beforeAll(async () => {
    user = await gw().newUser();
  });
  const priorityOf = async (containerUuid: string) =>
    (await readContainer(gw(), gw().rootToken, containerUuid)).priority as string;

  test('independent requests: (priority << 50) - createdAt ms each', async () => {
    const a = await readRequest(
      gw(),
      user.token,
      (await createRequest(gw(), user.token, { command: ['echo', tag()], priority: 1 })).uuid,
    );
    const b = await readRequest(
      gw(),
      user.token,
      (await createRequest(gw(), user.token, { command: ['echo', tag()], priority: 3 })).uuid,
    );
    expect(await priorityOf(a.containerUuid as string)).toBe(claim(1, a.createdAt));
    expect(await priorityOf(b.containerUuid as string)).toBe(claim(3, b.createdAt));
  });

  test('a priority-0 request gives no claim', async () => {
    const zero = await createRequest(gw(), user.token, { command: ['echo', tag()], priority: 0 });
    expect(await priorityOf(zero.containerUuid)).toBe('0');
  });

  test('several requests on one container: the maximum; cancelling one falls back to the others; cancelling all cancels the container', async () => {
    const t = tag();
    const input = { command: ['echo', t], priority: 2 };
    const r1 = await readRequest(gw(), user.token, (await createRequest(gw(), user.token, input)).uuid);
    const r2 = await readRequest(gw(), user.token, (await createRequest(gw(), user.token, input)).uuid);
    const container = r1.containerUuid as string;
    expect(r2.containerUuid).toBe(container);
    // Equal priorities: the earlier request's claim is the larger.
    expect(await priorityOf(container)).toBe(claim(2, r1.createdAt));

    const r3 = await readRequest(
      gw(),
      user.token,
      (await createRequest(gw(), user.token, { ...input, priority: 3 })).uuid,
    );
    expect(r3.containerUuid).toBe(container);
    expect(await priorityOf(container)).toBe(claim(3, r3.createdAt));

    ok(await updateRequest(gw(), user.token, r3.uuid as string, { priority: 0 }));
    expect(await priorityOf(container)).toBe(claim(2, r1.createdAt));
    ok(await updateRequest(gw(), user.token, r1.uuid as string, { priority: 0 }));
    expect(await priorityOf(container)).toBe(claim(2, r2.createdAt));
    // The last claim withdrawn: a QUEUED container nobody wants is cancelled, and its requests
    // finalized, in the same write (design.md §3, withdrawn work; test/lifecycle/withdrawn.test.ts).
    ok(await updateRequest(gw(), user.token, r2.uuid as string, { priority: 0 }));
    expect(await readContainer(gw(), gw().rootToken, container)).toMatchObject({
      state: 'CANCELLED',
      priority: '0',
    });
    for (const r of [r1, r2, r3])
      expect(await readRequest(gw(), user.token, r.uuid as string)).toMatchObject({
        state: 'FINAL',
        priority: 0,
      });
    expect((await lock(gw(), gw().rootToken, container)).errors?.[0]?.message).toBe(
      'cannot lock when CANCELLED',
    );
  });

  describe('children follow their top-level ancestor', () => {
    /** A parent request's container, RUNNING, and the container's own token. */
    async function runningParent(priority: number) {
      const { cr, containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING', {
        overrides: { priority, containerCountMax: 1 },
      });
      return {
        cr: await readRequest(gw(), user.token, cr.uuid),
        containerUuid,
        token: await containerToken(gw(), dispatcher, containerUuid),
      };
    }

    test("a request made with a container's token: requestingContainerUuid and the parent's highest request priority", async () => {
      const parent = await runningParent(2);
      // A second request reusing the RUNNING parent container, with a higher priority.
      const p4 = await createRequest(gw(), user.token, {
        command: parent.cr.command,
        useExisting: true,
        priority: 4,
      });
      expect(p4.containerUuid).toBe(parent.containerUuid);

      const child = await createRequest(gw(), parent.token, {
        command: ['echo', 'child', tag()],
        priority: 1,
      });
      expect(child).toMatchObject({
        requestingContainerUuid: parent.containerUuid,
        priority: 4,
        state: 'COMMITTED',
      });
      expect((await readRequest(gw(), user.token, child.uuid)).ownerUuid).toBe(user.uuid);
      expect(await priorityOf(child.containerUuid)).toBe(await priorityOf(parent.containerUuid));
      expect(await priorityOf(parent.containerUuid)).toBe(
        claim(4, (await readRequest(gw(), user.token, p4.uuid)).createdAt),
      );
    });

    test("the parent's priority changes: children and grandchildren follow", async () => {
      const parent = await runningParent(1);
      const child = await createRequest(gw(), parent.token, { command: ['echo', 'child', tag()] });
      // The child's container runs and makes a request of its own.
      ok(await lock(gw(), gw().rootToken, child.containerUuid));
      ok(await updateContainer(gw(), gw().rootToken, child.containerUuid, { state: 'RUNNING' }));
      const childToken = await containerToken(gw(), gw().rootToken, child.containerUuid);
      const grandchild = await createRequest(gw(), childToken, { command: ['echo', 'grandchild', tag()] });
      expect(grandchild.requestingContainerUuid).toBe(child.containerUuid);

      const top = claim(1, parent.cr.createdAt);
      for (const c of [parent.containerUuid, child.containerUuid, grandchild.containerUuid])
        expect(await priorityOf(c)).toBe(top);

      ok(await updateRequest(gw(), user.token, parent.cr.uuid as string, { priority: 6 }));
      const raised = claim(6, parent.cr.createdAt);
      for (const c of [parent.containerUuid, child.containerUuid, grandchild.containerUuid])
        expect(await priorityOf(c)).toBe(raised);

      ok(await updateRequest(gw(), user.token, parent.cr.uuid as string, { priority: 0 }));
      for (const c of [parent.containerUuid, child.containerUuid, grandchild.containerUuid])
        expect(await priorityOf(c)).toBe('0');
    });

    test.each(['CANCELLED', 'COMPLETE'] as const)(
      'the parent container becomes %s: children get priority 0, finalized if their container is QUEUED or LOCKED',
      async (end) => {
        const parent = await runningParent(3);
        const queued = await createRequest(gw(), parent.token, { command: ['echo', 'q', tag()] });
        const locked = await createRequest(gw(), parent.token, { command: ['echo', 'l', tag()] });
        const running = await createRequest(gw(), parent.token, { command: ['echo', 'r', tag()] });
        ok(await lock(gw(), gw().rootToken, locked.containerUuid));
        ok(await lock(gw(), gw().rootToken, running.containerUuid));
        ok(await updateContainer(gw(), gw().rootToken, running.containerUuid, { state: 'RUNNING' }));

        ok(
          await updateContainer(gw(), gw().rootToken, parent.containerUuid, {
            state: end,
            ...(end === 'COMPLETE' ? { exitCode: 0 } : {}),
          }),
        );

        expect(await readRequest(gw(), user.token, queued.uuid)).toMatchObject({
          priority: 0,
          state: 'FINAL',
        });
        expect(await readRequest(gw(), user.token, locked.uuid)).toMatchObject({
          priority: 0,
          state: 'FINAL',
        });
        expect(await readRequest(gw(), user.token, running.uuid)).toMatchObject({
          priority: 0,
          state: 'COMMITTED',
        });
        for (const c of [queued, locked, running]) expect(await priorityOf(c.containerUuid)).toBe('0');
        expect(await readRequest(gw(), user.token, parent.cr.uuid as string)).toMatchObject({
          state: 'FINAL',
        });
      },
    );
  });
});

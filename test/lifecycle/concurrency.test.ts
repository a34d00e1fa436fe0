// Writers that race on PostgreSQL (READ COMMITTED, real row locks): a request update against a
// container state change, a delete against a commit, a child request against its parent
// finishing. Each round runs both sides at once; afterwards the invariants of design.md §3 and §5 hold
// and no side got a masked INTERNAL_SERVER_ERROR (a deadlock would surface as one). On PGlite
// the two sides simply serialise, and the same invariants are checked.

import { createRequest, requestInput, updateContainer, updateRequest } from '../helpers/api.js';
import { errorCode, expectError, ok } from '../helpers/assert.js';
import { describeBackends } from '../helpers/gateway.js';
import { containerIn, containerToken, readRequest, tag } from '../helpers/lifecycle.js';

const ROUNDS = 8;
const CREATE =
  'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid state priority containerUuid } }';

describeBackends('concurrent writers', (gw) => {
  test('a request priority change racing its container being cancelled: no deadlock, consistent rows', async () => {
    const user = await gw().newUser();
    for (let i = 0; i < ROUNDS; i++) {
      const { cr, containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING', {
        overrides: { containerCountMax: 1 },
      });
      const [u, c] = await Promise.all([
        updateRequest(gw(), user.token, cr.uuid, { priority: 7 }),
        updateContainer(gw(), dispatcher, containerUuid, { state: 'CANCELLED' }),
      ]);
      expect(c.errors).toBeUndefined();
      // Either the priority change went first, or it met a FINAL request.
      if (u.errors)
        expectError(u, 'BAD_USER_INPUT', { message: "priority cannot be modified in state 'FINAL'" });
      expect(await readRequest(gw(), user.token, cr.uuid)).toMatchObject({ state: 'FINAL' });
    }
  });

  test('deleting a request while it is being committed leaves no container with a claim and no request', async () => {
    const user = await gw().newUser();
    const prisma = gw().gateway.services.db.prisma;
    for (let i = 0; i < ROUNDS; i++) {
      const command = ['echo', tag()];
      const draft = ok(
        await gw().gql(
          CREATE,
          { i: requestInput({ state: 'UNCOMMITTED', command, useExisting: false }) },
          user.token,
        ),
      ).createContainerRequest;
      const [commit, del] = await Promise.all([
        updateRequest(gw(), user.token, draft.uuid, { state: 'COMMITTED' }),
        gw().gql(
          'mutation($u: ID!) { deleteContainerRequest(uuid: $u) { deletedId } }',
          { u: draft.uuid },
          user.token,
        ),
      ]);
      expect([commit, del].map(errorCode).filter((c) => c === 'INTERNAL_SERVER_ERROR')).toEqual([]);
      // Whichever went first, the delete succeeds; a commit that came second finds nothing.
      expect(del.errors).toBeUndefined();
      if (commit.errors) expectError(commit, 'NOT_FOUND');
      const orphans = await prisma.container.count({
        where: {
          command: { equals: command },
          priority: { gt: 0 },
          requests: { none: { state: 'COMMITTED' } },
        },
      });
      expect(orphans).toBe(0);
    }
    // And none anywhere: every container with a claim has a committed request behind it.
    expect(
      await prisma.container.count({
        where: { priority: { gt: 0 }, requests: { none: { state: 'COMMITTED', priority: { gt: 0 } } } },
      }),
    ).toBe(0);
  });

  test('a child request racing its parent container finishing is refused or cancelled, never left running', async () => {
    const user = await gw().newUser();
    const prisma = gw().gateway.services.db.prisma;
    for (let i = 0; i < ROUNDS; i++) {
      const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING');
      const own = await containerToken(gw(), dispatcher, containerUuid);
      const [child, done] = await Promise.all([
        gw().gql(CREATE, { i: requestInput({ command: ['echo', tag()], useExisting: false }) }, own),
        updateContainer(gw(), dispatcher, containerUuid, { state: 'COMPLETE', exitCode: 0 }),
      ]);
      expect(done.errors).toBeUndefined();
      // Refused (its token expired, or its parent finished first), or made and then cancelled.
      if (child.errors) expect(['UNAUTHENTICATED', 'CONFLICT']).toContain(errorCode(child));
    }
    const stray = await prisma.containerRequest.count({
      where: {
        state: 'COMMITTED',
        priority: { gt: 0 },
        requestingContainer: { state: { in: ['COMPLETE', 'CANCELLED'] } },
      },
    });
    expect(stray).toBe(0);
  });
});

describeBackends('requests made by a finished container', (gw) => {
  test('an UNCOMMITTED child cannot be committed once its parent has finished (it would never run)', async () => {
    const user = await gw().newUser();
    const { containerUuid, dispatcher } = await containerIn(gw(), user.token, 'RUNNING');
    const own = await containerToken(gw(), dispatcher, containerUuid);
    const child = ok(
      await gw().gql(CREATE, { i: requestInput({ state: 'UNCOMMITTED', command: ['echo', tag()] }) }, own),
    ).createContainerRequest;
    ok(await updateContainer(gw(), dispatcher, containerUuid, { state: 'COMPLETE', exitCode: 0 }));
    const r = await updateRequest(gw(), user.token, child.uuid, { state: 'COMMITTED', priority: 5 });
    expectError(r, 'CONFLICT', { message: 'The container that made this request has finished' });
    expect(await readRequest(gw(), user.token, child.uuid)).toMatchObject({
      state: 'UNCOMMITTED',
      containerUuid: null,
    });
  });
});

describeBackends('re-sending unchanged values', (gw) => {
  test('a COMMITTED request accepts its own command, mounts and constraints back, and refuses a change', async () => {
    const user = await gw().newUser();
    const cr = await createRequest(gw(), user.token, {
      command: ['echo', tag()],
      mounts: { '/in': { kind: 'tmp', capacity: 1 } },
    });
    const full = await readRequest(gw(), user.token, cr.uuid);
    const same = await updateRequest(gw(), user.token, cr.uuid, {
      name: 'renamed',
      command: full.command,
      mounts: { '/in': { capacity: 1, kind: 'tmp' } }, // key order never matters
      runtimeConstraints: full.runtimeConstraints,
      schedulingParameters: null, // null and {} are the same
    });
    expect(same.errors).toBeUndefined();
    const changed = await updateRequest(gw(), user.token, cr.uuid, { command: ['echo', 'other'] });
    expectError(changed, 'BAD_USER_INPUT', {
      message: "command cannot be modified in state 'COMMITTED'",
      field: 'command',
    });
    // Secrets are never read back to compare: sending one is always a change.
    expectError(await updateRequest(gw(), user.token, cr.uuid, { secretMounts: {} }), 'BAD_USER_INPUT', {
      field: 'secretMounts',
    });
  });
});

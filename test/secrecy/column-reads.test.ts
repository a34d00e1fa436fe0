// Secrecy (d): the runtime token column is read only by the code paths that need it — commit
// (to copy it to the container), containerAuth (to hand it to the lock holder) and the retry
// (to copy it to the new container) — proved with Prisma's query log, one operation at a time,
// in the style of plugin-prisma's tests. GraphQL reads never load either secret column, and the
// scrub is part of the very write that makes a container or a request final.

import {
  containerAuth,
  createRequest,
  lock,
  requestInput,
  unlock,
  updateContainer,
  updateRequest,
} from '../helpers/api.js';
import { eachBackend, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { mountSecret, secretMounts } from '../helpers/secrets.js';
import { bound, issueToken } from '../helpers/tokens.js';

/** The part of a statement that reads: all of a SELECT, but not the columns an INSERT or UPDATE writes. */
function readPart(sql: string): string {
  const s = sql.trim();
  if (/^INSERT\b/i.test(s)) {
    const i = s.search(/\bRETURNING\b/i);
    return i < 0 ? '' : s.slice(i);
  }
  if (/^UPDATE\b/i.test(s)) {
    const set = s.search(/\bSET\b/i);
    const after = s.slice(set).search(/\b(WHERE|RETURNING)\b/i);
    return s.slice(0, set) + (after < 0 ? '' : s.slice(set + after));
  }
  return s;
}

// The column itself, not runtime_token_uuid (which is not secret).
const readsRuntimeToken = (sql: string) => /runtime_token"/.test(readPart(sql));
const readsSecretMounts = (sql: string) => /secret_mounts"/.test(readPart(sql));

const FULL_CR = `uuid name state priority command containerImage cwd environment mounts outputPath runtimeConstraints
  schedulingParameters useExisting containerCountMax containerCount containerUuid requestingContainerUuid log output
  properties description ownerUuid createdAt modifiedAt modifiedByUserUuid`;
const FULL_C = `uuid state priority command containerImage cwd environment mounts outputPath runtimeConstraints
  schedulingParameters runtimeUserUuid runtimeAuthScopes lockedByUuid authUuid exitCode log output progress runtimeStatus
  startedAt finishedAt createdAt modifiedAt`;

eachBackend(`secrecy: which operations read the runtime token column`, (backend) => {
  let g: TestGateway;
  const log: string[] = [];
  /** Operation name → whether it read runtime_token (and secret_mounts). */
  const reads: Record<string, boolean> = {};
  const mountReads: Record<string, boolean> = {};
  const statements: Record<string, string[]> = {};

  async function op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    log.length = 0;
    const out = await fn();
    const r = out as { errors?: unknown; body?: string };
    if (r && typeof r === 'object' && 'errors' in r && r.errors) throw new Error(`${name} failed: ${r.body}`);
    statements[name] = [...log];
    reads[name] = log.some(readsRuntimeToken);
    mountReads[name] = log.some(readsSecretMounts);
    return out;
  }

  beforeAll(async () => {
    // It selects every column of whole lists to watch which columns are read: far over the cost budget.
    g = await startTestGateway(backend, { MAX_QUERY_COST: '10000000' }, { log: (e) => log.push(e.query) });
  });
  afterAll(async () => {
    await g?.close();
  });

  test('commit, containerAuth and the retry read it; nothing else does', async () => {
    const owner = await g.newUser();
    const dispatcher = (await g.newUser({ isAdmin: true })).token;
    const rt = await issueToken(g, owner.token);
    const content = mountSecret();
    const withSecrets = { runtimeToken: rt.apiToken, secretMounts: secretMounts(content) };

    // Requests: create, update while UNCOMMITTED, commit.
    const cr = await op('create UNCOMMITTED with a runtime token', () =>
      createRequest(g, owner.token, { state: 'UNCOMMITTED', ...withSecrets, command: ['echo', 'a'] }),
    );
    await op('update UNCOMMITTED: rename', () => updateRequest(g, owner.token, cr.uuid, { name: 'renamed' }));
    await op('update UNCOMMITTED: set the runtime token', () =>
      updateRequest(g, owner.token, cr.uuid, { runtimeToken: rt.apiToken }),
    );
    await op('commit (update to COMMITTED)', () =>
      updateRequest(g, owner.token, cr.uuid, { state: 'COMMITTED' }),
    );
    const crDirect = await op('commit (create COMMITTED)', () =>
      createRequest(g, owner.token, { ...withSecrets, command: ['echo', 'b'] }),
    );
    const containerUuid = (
      await g.gql(
        `query($u: ID!) { containerRequest(uuid: $u) { containerUuid } }`,
        { u: cr.uuid },
        owner.token,
      )
    ).data.containerRequest.containerUuid as string;

    // Reads of every kind, by every kind of caller.
    for (const [who, token] of [
      ['owner', owner.token],
      ['dispatcher', dispatcher],
      ['root', g.rootToken],
    ] as const) {
      await op(`${who}: containerRequest`, () =>
        g.gql(
          `query($u: ID!) { containerRequest(uuid: $u) { ${FULL_CR} container { ${FULL_C} } } }`,
          { u: cr.uuid },
          token,
        ),
      );
      await op(`${who}: containerRequests`, () =>
        g.gql(
          `{ containerRequests { totalCount nodes { ${FULL_CR} container { ${FULL_C} containerRequests { nodes { ${FULL_CR} } } } } } }`,
          {},
          token,
        ),
      );
      await op(`${who}: container`, () =>
        g.gql(
          `query($u: ID!) { container(uuid: $u) { ${FULL_C} containerRequests { totalCount edges { node { ${FULL_CR} container { uuid } } } } } }`,
          { u: containerUuid },
          token,
        ),
      );
      await op(`${who}: containers`, () =>
        g.gql(
          `{ containers(filter: {state: QUEUED, minPriority: 1}) { totalCount nodes { ${FULL_C} } } }`,
          {},
          token,
        ),
      );
      await op(`${who}: node`, () =>
        g.gql(
          `query($a: ID!, $b: ID!) { a: node(id: $a) { id ... on ContainerRequest { ${FULL_CR} } } b: node(id: $b) { id ... on Container { ${FULL_C} } } }`,
          { a: cr.uuid, b: containerUuid },
          token,
        ),
      );
      await op(`${who}: me and currentApiClientAuthorization`, () =>
        g.gql(`{ me { uuid } currentApiClientAuthorization { uuid scopes user { uuid } } }`, {}, token),
      );
    }

    // The dispatcher's side.
    await op('lock (runtime token)', () => lock(g, dispatcher, containerUuid));
    await op('containerAuth (runtime token)', () => containerAuth(g, dispatcher, containerUuid));
    await op('unlock (runtime token)', () => unlock(g, dispatcher, containerUuid));
    await lock(g, dispatcher, containerUuid);
    await op('RUNNING', () => updateContainer(g, dispatcher, containerUuid, { state: 'RUNNING' }));

    // The container's side.
    const bt = bound(rt.apiToken, containerUuid);
    await op('self-update, plain runtime token', () =>
      updateContainer(g, rt.apiToken, containerUuid, { progress: 0.2 }),
    );
    await op('self-update, container-bound runtime token', () =>
      updateContainer(g, bt, containerUuid, { progress: 0.4, runtimeStatus: { x: 1 } }),
    );
    await op('currentContainer, container-bound runtime token', () =>
      g.gql(`{ currentContainer { ${FULL_C} } }`, {}, bt),
    );
    await op('containerSecretMounts, container-bound runtime token', () =>
      g.gql('query($u: ID!) { containerSecretMounts(uuid: $u) }', { u: containerUuid }, bt),
    );

    // Request updates while COMMITTED.
    await op('update COMMITTED: rename', () => updateRequest(g, owner.token, cr.uuid, { name: 'again' }));
    await op('update COMMITTED: priority', () => updateRequest(g, owner.token, cr.uuid, { priority: 2 }));

    // Cancel with retry: the retry copies the token.
    await op('CANCELLED with retry', () =>
      updateContainer(g, dispatcher, containerUuid, { state: 'CANCELLED' }),
    );
    const retried = (
      await g.gql(
        `query($u: ID!) { containerRequest(uuid: $u) { containerUuid } }`,
        { u: cr.uuid },
        owner.token,
      )
    ).data.containerRequest.containerUuid as string;
    await lock(g, dispatcher, retried);
    await updateContainer(g, dispatcher, retried, { state: 'RUNNING' });
    await op('COMPLETE', () => updateContainer(g, dispatcher, retried, { state: 'COMPLETE', exitCode: 0 }));
    await op('update FINAL: rename', () => updateRequest(g, owner.token, cr.uuid, { name: 'done' }));

    // Cancel without retry: the request's priority set to 0 while its container is QUEUED
    // withdraws the container, which is cancelled in the same write (design.md §3).
    await op('CANCELLED without retry', () => updateRequest(g, owner.token, crDirect.uuid, { priority: 0 }));

    // A container without a runtime token: lock generates one.
    const plain = await createRequest(g, owner.token, { command: ['echo', 'no runtime token'] });
    await op('lock (no runtime token)', () => lock(g, dispatcher, plain.containerUuid));
    await op('containerAuth (generated token)', () => containerAuth(g, dispatcher, plain.containerUuid));

    // Deletes.
    const doomed = await createRequest(g, owner.token, {
      state: 'UNCOMMITTED',
      ...withSecrets,
      command: ['echo', 'c'],
    });
    await op('delete UNCOMMITTED', () =>
      g.gql(
        'mutation($u: ID!) { deleteContainerRequest(uuid: $u) { deletedId } }',
        { u: doomed.uuid },
        owner.token,
      ),
    );
    const doomed2 = await createRequest(g, owner.token, { ...withSecrets, command: ['echo', 'd'] });
    await op('delete COMMITTED', () =>
      g.gql(
        'mutation($u: ID!) { deleteContainerRequest(uuid: $u) { deletedId } }',
        { u: doomed2.uuid },
        owner.token,
      ),
    );

    // Refused operations read nothing either.
    await op('refused: runtimeToken after commit', async () => {
      const r = await updateRequest(g, owner.token, crDirect.uuid, { runtimeToken: rt.apiToken });
      expect(r.errors).toBeDefined();
      return {};
    });
    await op('refused: create with an invalid runtime token', async () => {
      const r = await g.gql(
        'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }',
        { i: requestInput({ runtimeToken: `${rt.apiToken}x` }) },
        owner.token,
      );
      expect(r.errors).toBeDefined();
      return {};
    });

    // These must read it (to validate the stored token again, to hand it out, to copy it);
    // a create as COMMITTED may (it has the token from its input); nothing else may.
    const MUST_READ = [
      'commit (update to COMMITTED)',
      'containerAuth (runtime token)',
      'CANCELLED with retry',
    ];
    // containerAuth's one statement names the column for any container, but the database
    // returns it only to the lock holder (null here: a generated token, no runtime token).
    const MAY_READ = ['commit (create COMMITTED)', 'containerAuth (generated token)'];
    const expected = Object.fromEntries(
      Object.keys(reads).map((k) => [k, MAY_READ.includes(k) ? reads[k] : MUST_READ.includes(k)]),
    );
    expect(reads).toEqual(expected);

    // GraphQL reads never load the secret mounts either.
    const readOps = Object.keys(mountReads).filter(
      (k) => /^(owner|dispatcher|root): /.test(k) || k.startsWith('currentContainer'),
    );
    expect(readOps.length).toBe(19);
    expect(Object.fromEntries(readOps.map((k) => [k, mountReads[k]]))).toEqual(
      Object.fromEntries(readOps.map((k) => [k, false])),
    );
    expect(mountReads['containerSecretMounts, container-bound runtime token']).toBe(true);
  });

  test('the scrub is in the write that makes the container and the request final', () => {
    for (const name of ['COMPLETE', 'CANCELLED with retry', 'CANCELLED without retry']) {
      const containerWrites = statements[name]!.filter((q) => /^UPDATE "public"\."containers" SET/.test(q));
      const final = containerWrites.filter((q) => /"state" =/.test(q));
      expect([name, final.length]).toEqual([name, 1]);
      expect([
        name,
        /"runtime_token" =/.test(final[0]!) &&
          /"secret_mounts" =/.test(final[0]!) &&
          /"finished_at" =/.test(final[0]!),
      ]).toEqual([name, true]);
    }
    for (const name of ['COMPLETE', 'CANCELLED without retry']) {
      const requestWrites = statements[name]!.filter(
        (q) => /^UPDATE "public"\."container_requests" SET/.test(q) && /"state" =/.test(q),
      );
      expect([name, requestWrites.length]).toEqual([name, 1]);
      expect([
        name,
        /"runtime_token" =/.test(requestWrites[0]!) && /"secret_mounts" =/.test(requestWrites[0]!),
      ]).toEqual([name, true]);
    }
  });
});

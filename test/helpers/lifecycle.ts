// Shared set-up for the lifecycle tests: requests that never collide with another test's
// containers, containers driven into a given state, and error assertions.
import crypto from 'node:crypto';
import { createRequest, lock, updateContainer } from './api.js';
import { ok } from './assert.js';
import type { Data, GqlResult, TestGateway } from './gateway.js';

/** A short random tag: put it in a command so a test's containers are its own. */
export function tag(): string {
  return crypto.randomBytes(5).toString('hex');
}

/** Every output field of a container request (to prove a rejected update changed nothing). */
export const CR_ALL = `uuid ownerUuid name description properties state priority command containerImage cwd environment mounts
  outputPath runtimeConstraints schedulingParameters useExisting containerCountMax containerCount containerUuid
  requestingContainerUuid log output createdAt modifiedAt modifiedByUserUuid`;

export async function readRequest(
  gw: TestGateway,
  token: string,
  uuid: string,
): Promise<Record<string, unknown>> {
  const r = await gw.gql(`query($u: ID!) { containerRequest(uuid: $u) { ${CR_ALL} } }`, { u: uuid }, token);
  if (r.errors) throw new Error(r.body);
  return r.data.containerRequest;
}

export async function readContainer(
  gw: TestGateway,
  token: string,
  uuid: string,
): Promise<Record<string, Data>> {
  const r = await gw.gql(
    `query($u: ID!) { container(uuid: $u) { uuid state priority lockedByUuid authUuid exitCode log output progress runtimeStatus
       startedAt finishedAt createdAt modifiedAt runtimeUserUuid runtimeAuthScopes } }`,
    { u: uuid },
    token,
  );
  if (r.errors) throw new Error(r.body);
  return r.data.container;
}

export type ContainerState = 'QUEUED' | 'LOCKED' | 'RUNNING' | 'COMPLETE' | 'CANCELLED';

export const CONTAINER_STATES: ContainerState[] = ['QUEUED', 'LOCKED', 'RUNNING', 'COMPLETE', 'CANCELLED'];

/**
 * The container moves design.md §5 allows, written out independently of the code under test:
 * QUEUED → LOCKED → RUNNING → COMPLETE; QUEUED, LOCKED, RUNNING → CANCELLED; LOCKED → QUEUED.
 */
export const CONTAINER_MOVES: ReadonlySet<string> = new Set([
  'QUEUED>LOCKED',
  'QUEUED>CANCELLED',
  'LOCKED>QUEUED',
  'LOCKED>RUNNING',
  'LOCKED>CANCELLED',
  'RUNNING>COMPLETE',
  'RUNNING>CANCELLED',
]);

/**
 * A committed request of its own container (useExisting false, a unique command), driven to
 * `state` by `dispatcher` (the root token unless given). Cancelled containers are not retried
 * (containerCountMax 1).
 */
export async function containerIn(
  gw: TestGateway,
  userToken: string,
  state: ContainerState,
  opts: { dispatcher?: string; overrides?: Record<string, unknown> } = {},
): Promise<{ cr: Data; containerUuid: string; dispatcher: string }> {
  const dispatcher = opts.dispatcher ?? gw.rootToken;
  const cr = await createRequest(gw, userToken, {
    command: ['echo', tag()],
    useExisting: false,
    ...(state === 'CANCELLED' ? { containerCountMax: 1 } : {}),
    ...opts.overrides,
  });
  const containerUuid = cr.containerUuid as string;
  const step = async (r: Promise<GqlResult>) => ok(await r);
  if (state === 'CANCELLED')
    await step(updateContainer(gw, dispatcher, containerUuid, { state: 'CANCELLED' }));
  if (['LOCKED', 'RUNNING', 'COMPLETE'].includes(state)) await step(lock(gw, dispatcher, containerUuid));
  if (['RUNNING', 'COMPLETE'].includes(state))
    await step(updateContainer(gw, dispatcher, containerUuid, { state: 'RUNNING' }));
  if (state === 'COMPLETE')
    await step(updateContainer(gw, dispatcher, containerUuid, { state: 'COMPLETE', exitCode: 0 }));
  return { cr, containerUuid, dispatcher };
}

/** The generated token of a LOCKED/RUNNING container, fetched by its lock holder. */
export async function containerToken(
  gw: TestGateway,
  dispatcher: string,
  containerUuid: string,
): Promise<string> {
  const r = await gw.gql(
    `query($u: ID!) { containerAuth(uuid: $u) { apiToken } }`,
    { u: containerUuid },
    dispatcher,
  );
  return ok(r).containerAuth.apiToken;
}

/**
 * Returns once the clock has passed `iso` (at most a millisecond later): the next timestamp
 * the server takes is then strictly later, so tie-break tests never see two equal times.
 */
export async function clockPast(iso: string | null): Promise<void> {
  if (iso === null) throw new Error('clockPast: the timestamp is not set');
  while (Date.now() <= Date.parse(iso)) await new Promise((r) => setImmediate(r));
}

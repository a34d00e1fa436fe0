// The GraphQL operations tests use most, one function each, with the fields they select and
// the type of what they return (the rows below mirror CR_FIELDS / C_FIELDS in schema.graphql).
import type { GqlResult, TestGateway } from './gateway.js';

/**
 * An operation's answer typed as a success: a test that expects an error reads `errors`, and one
 * that reads `data` after an error fails on it, which is the failure it should show.
 */
export type Answer<K extends string, R> = GqlResult<Record<K, R>> & { data: Record<K, R> };

async function ask<K extends string, R>(
  gw: TestGateway,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<Answer<K, R>> {
  return (await gw.gql<Record<K, R>>(query, variables, token)) as Answer<K, R>;
}

/** A uuid as the test holds it (a nullable field): the server, not the type, refuses a null. */
type Uuid = string | null;

export type RequestState = 'UNCOMMITTED' | 'COMMITTED' | 'FINAL';
export type ContainerState = 'QUEUED' | 'LOCKED' | 'RUNNING' | 'COMPLETE' | 'CANCELLED';

/** A container request as CR_FIELDS selects it. */
export interface RequestRow {
  uuid: string;
  state: RequestState;
  priority: number | null;
  /** Null until committed; typed as set because tests read it after committing, and a null
   * handed on reaches the server (or the SQL), which refuses or finds nothing: the test fails. */
  containerUuid: string;
  containerCount: number;
  requestingContainerUuid: string | null;
  log: string | null;
  output: string | null;
}

/** A container as C_FIELDS selects it (`priority` is a BigInt: a decimal string). */
export interface ContainerRow {
  uuid: string;
  state: ContainerState;
  priority: string;
  lockedByUuid: string | null;
  authUuid: string | null;
  runtimeUserUuid: string;
  runtimeAuthScopes: string[];
  exitCode: number | null;
  log: string | null;
  output: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What containerAuth hands the lock holder. */
export interface ContainerAuthRow {
  uuid: string;
  apiToken: string | null;
  scopes: string[];
  expiresAt: string | null;
  userUuid: string;
  user: { uuid: string };
}

/** A committable request input; override what the test is about. */
export function requestInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'test request',
    command: ['echo', 'hello'],
    containerImage: 'arvados/jobs:latest',
    outputPath: '/out',
    runtimeConstraints: { vcpus: 1, ram: 1_000_000 },
    priority: 1,
    state: 'COMMITTED',
    ...overrides,
  };
}

export const CR_FIELDS =
  'uuid state priority containerUuid containerCount requestingContainerUuid log output';
export const C_FIELDS =
  'uuid state priority lockedByUuid authUuid runtimeUserUuid runtimeAuthScopes exitCode log output startedAt finishedAt';

export async function createRequest(
  gw: TestGateway,
  token: string,
  overrides: Record<string, unknown> = {},
): Promise<RequestRow> {
  const r = await gw.gql<{ createContainerRequest: RequestRow }>(
    `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { ${CR_FIELDS} } }`,
    { i: requestInput(overrides) },
    token,
  );
  if (r.errors) throw new Error(`createContainerRequest failed: ${r.body}`);
  return (r.data as { createContainerRequest: RequestRow }).createContainerRequest;
}

export async function updateRequest(
  gw: TestGateway,
  token: string,
  uuid: Uuid,
  input: Record<string, unknown>,
): Promise<Answer<'updateContainerRequest', RequestRow>> {
  return ask<'updateContainerRequest', RequestRow>(
    gw,
    `mutation($u: ID!, $i: UpdateContainerRequestInput!) { updateContainerRequest(uuid: $u, input: $i) { ${CR_FIELDS} } }`,
    { u: uuid, i: input },
    token,
  );
}

export async function getRequest(
  gw: TestGateway,
  token: string,
  uuid: Uuid,
): Promise<Answer<'containerRequest', RequestRow>> {
  return ask<'containerRequest', RequestRow>(
    gw,
    `query($u: ID!) { containerRequest(uuid: $u) { ${CR_FIELDS} } }`,
    { u: uuid },
    token,
  );
}

export async function getContainer(
  gw: TestGateway,
  token: string,
  uuid: Uuid,
): Promise<Answer<'container', ContainerRow>> {
  return ask<'container', ContainerRow>(
    gw,
    `query($u: ID!) { container(uuid: $u) { ${C_FIELDS} } }`,
    { u: uuid },
    token,
  );
}

export async function lock(
  gw: TestGateway,
  token: string,
  uuid: Uuid,
): Promise<Answer<'lockContainer', ContainerRow>> {
  return ask<'lockContainer', ContainerRow>(
    gw,
    `mutation($u: ID!) { lockContainer(uuid: $u) { ${C_FIELDS} } }`,
    { u: uuid },
    token,
  );
}

export async function unlock(
  gw: TestGateway,
  token: string,
  uuid: Uuid,
): Promise<Answer<'unlockContainer', ContainerRow>> {
  return ask<'unlockContainer', ContainerRow>(
    gw,
    `mutation($u: ID!) { unlockContainer(uuid: $u) { ${C_FIELDS} } }`,
    { u: uuid },
    token,
  );
}

export async function updateContainer(
  gw: TestGateway,
  token: string,
  uuid: Uuid,
  input: Record<string, unknown>,
): Promise<Answer<'updateContainer', ContainerRow>> {
  return ask<'updateContainer', ContainerRow>(
    gw,
    `mutation($u: ID!, $i: UpdateContainerInput!) { updateContainer(uuid: $u, input: $i) { ${C_FIELDS} } }`,
    { u: uuid, i: input },
    token,
  );
}

export async function containerAuth(
  gw: TestGateway,
  token: string,
  uuid: Uuid,
): Promise<Answer<'containerAuth', ContainerAuthRow>> {
  return ask<'containerAuth', ContainerAuthRow>(
    gw,
    `query($u: ID!) { containerAuth(uuid: $u) { uuid apiToken scopes expiresAt userUuid user { uuid } } }`,
    { u: uuid },
    token,
  );
}

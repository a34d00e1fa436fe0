// The GraphQL operations tests use most, one function each, with the fields they select.
import type { Data, TestGateway } from './gateway.js';

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
): Promise<Data> {
  const r = await gw.gql(
    `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { ${CR_FIELDS} } }`,
    { i: requestInput(overrides) },
    token,
  );
  if (r.errors) throw new Error(`createContainerRequest failed: ${r.body}`);
  return r.data.createContainerRequest;
}

export async function updateRequest(
  gw: TestGateway,
  token: string,
  uuid: string,
  input: Record<string, unknown>,
) {
  return gw.gql(
    `mutation($u: ID!, $i: UpdateContainerRequestInput!) { updateContainerRequest(uuid: $u, input: $i) { ${CR_FIELDS} } }`,
    { u: uuid, i: input },
    token,
  );
}

export async function getRequest(gw: TestGateway, token: string, uuid: string) {
  return gw.gql(`query($u: ID!) { containerRequest(uuid: $u) { ${CR_FIELDS} } }`, { u: uuid }, token);
}

export async function getContainer(gw: TestGateway, token: string, uuid: string) {
  return gw.gql(`query($u: ID!) { container(uuid: $u) { ${C_FIELDS} } }`, { u: uuid }, token);
}

export async function lock(gw: TestGateway, token: string, uuid: string) {
  return gw.gql(`mutation($u: ID!) { lockContainer(uuid: $u) { ${C_FIELDS} } }`, { u: uuid }, token);
}

export async function unlock(gw: TestGateway, token: string, uuid: string) {
  return gw.gql(`mutation($u: ID!) { unlockContainer(uuid: $u) { ${C_FIELDS} } }`, { u: uuid }, token);
}

export async function updateContainer(
  gw: TestGateway,
  token: string,
  uuid: string,
  input: Record<string, unknown>,
) {
  return gw.gql(
    `mutation($u: ID!, $i: UpdateContainerInput!) { updateContainer(uuid: $u, input: $i) { ${C_FIELDS} } }`,
    { u: uuid, i: input },
    token,
  );
}

export async function containerAuth(gw: TestGateway, token: string, uuid: string) {
  return gw.gql(
    `query($u: ID!) { containerAuth(uuid: $u) { uuid apiToken scopes expiresAt userUuid user { uuid } } }`,
    { u: uuid },
    token,
  );
}

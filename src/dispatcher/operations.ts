// The GraphQL operations the dispatcher sends, with the shapes it reads back. Each root field
// here is one scope a narrowed dispatcher token needs (REQUIRED_SCOPES).
import type { ContainerSpec } from './runtime.js';

export type ContainerState = 'QUEUED' | 'LOCKED' | 'RUNNING' | 'COMPLETE' | 'CANCELLED';

/** The root fields the dispatcher selects with its own token (`me`, `currentApiClientAuthorization` are always allowed). */
export const REQUIRED_SCOPES = [
  'query:containers',
  'query:containerAuth',
  'mutation:lockContainer',
  'mutation:unlockContainer',
  'mutation:updateContainer',
  'subscription:containerQueueUpdated',
] as const;

export const IDENTITY = `{ me { uuid isAdmin } currentApiClientAuthorization { uuid scopes } }`;
export interface Identity {
  me: { uuid: string; isAdmin: boolean };
  currentApiClientAuthorization: { uuid: string; scopes: string[] };
}

export const QUEUE = `query Queue($first: Int!) {
  containers(filter: {state: QUEUED, minPriority: 1}, orderBy: {field: PRIORITY, direction: DESC}, first: $first) {
    nodes { uuid priority runtimeConstraints }
  }
}`;
export interface QueuedContainer {
  uuid: string;
  /** A BigInt: an exact decimal string. */
  priority: string;
  runtimeConstraints: unknown;
}
export type Queue = { containers: { nodes: QueuedContainer[] } };

export const HELD = `query Held($token: ID!, $after: String) {
  containers(filter: {lockedByUuid: $token}, orderBy: {field: CREATED_AT, direction: ASC}, first: 100, after: $after) {
    nodes { uuid state priority log }
    pageInfo { hasNextPage endCursor }
  }
}`;
export interface HeldContainer {
  uuid: string;
  state: ContainerState;
  /** A BigInt: an exact decimal string. */
  priority: string;
  log: string | null;
}
export type Held = {
  containers: { nodes: HeldContainer[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

export const LOCK = `mutation Lock($uuid: ID!) {
  lockContainer(uuid: $uuid) { uuid command cwd environment mounts outputPath runtimeConstraints }
}`;
export type Lock = { lockContainer: ContainerSpec & { runtimeConstraints: unknown } };

export const UNLOCK = `mutation Unlock($uuid: ID!) { unlockContainer(uuid: $uuid) { uuid } }`;

export const CONTAINER_AUTH = `query Auth($uuid: ID!) { containerAuth(uuid: $uuid) { apiToken } }`;
export type ContainerAuth = { containerAuth: { apiToken: string } };

/** Sent with the container's own token, never the dispatcher's. */
export const SECRET_MOUNTS = `query SecretMounts($uuid: ID!) { containerSecretMounts(uuid: $uuid) }`;
export type SecretMounts = { containerSecretMounts: Record<string, unknown> | null };

export const UPDATE = `mutation Update($uuid: ID!, $input: UpdateContainerInput!) { updateContainer(uuid: $uuid, input: $input) { uuid } }`;
export interface ContainerUpdate {
  state?: 'RUNNING' | 'COMPLETE' | 'CANCELLED';
  log?: string;
  output?: string;
  progress?: number;
  runtimeStatus?: Record<string, unknown>;
  exitCode?: number;
}

export const QUEUE_EVENTS = `subscription { containerQueueUpdated { uuid state priority lockedByUuid } }`;
export interface QueueEvent {
  containerQueueUpdated: {
    uuid: string;
    state: ContainerState;
    /** A BigInt: an exact decimal string. */
    priority: string;
    lockedByUuid: string | null;
  };
}

// Every operation the workbench sends, typed by graphql-codegen from schema.graphql (src/gql/).
import { graphql } from './gql';

export const WhoAmI = graphql(`
  query WhoAmI {
    me { id uuid fullName email isAdmin }
    currentApiClientAuthorization { id uuid expiresAt scopes }
  }
`);

export const RequestRow = graphql(`
  fragment RequestRow on ContainerRequest {
    id uuid name state priority createdAt
    container { id uuid state progress exitCode }
  }
`);

export const RequestList = graphql(`
  query RequestList($first: Int!, $after: String, $filter: ContainerRequestFilter) {
    containerRequests(first: $first, after: $after, filter: $filter, orderBy: { field: CREATED_AT, direction: DESC }) {
      edges { cursor node { ...RequestRow } }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }
`);

export const FollowRow = graphql(`
  subscription FollowRow($uuid: ID!) {
    containerRequestUpdated(uuid: $uuid) { ...RequestRow }
  }
`);

export const SubmitRequest = graphql(`
  mutation SubmitRequest($input: CreateContainerRequestInput!) {
    createContainerRequest(input: $input) { ...RequestRow }
  }
`);

export const RequestDetail = graphql(`
  query RequestDetail($uuid: ID!) {
    me { id uuid }
    containerRequest(uuid: $uuid) { ...RequestDetailFields }
  }
`);

export const RequestDetailFields = graphql(`
  fragment RequestDetailFields on ContainerRequest {
    ...RequestRow
    ownerUuid modifiedAt command containerImage cwd outputPath environment useExisting
    containerCount containerCountMax log output
    runtimeConstraintsTyped { vcpus ram }
    container {
      id uuid state progress exitCode startedAt finishedAt runtimeUserUuid log output
    }
  }
`);

export const FollowRequest = graphql(`
  subscription FollowRequest($uuid: ID!) {
    containerRequestUpdated(uuid: $uuid) { ...RequestDetailFields }
  }
`);

export const UpdateRequest = graphql(`
  mutation UpdateRequest($uuid: ID!, $input: UpdateContainerRequestInput!) {
    updateContainerRequest(uuid: $uuid, input: $input) { ...RequestDetailFields }
  }
`);

export const QueueRow = graphql(`
  fragment QueueRow on Container {
    id uuid state priority lockedByUuid runtimeUserUuid progress createdAt startedAt command containerImage
    runtimeConstraintsTyped { vcpus ram }
  }
`);

export const Queue = graphql(`
  query Queue {
    queued: containers(first: 50, filter: { state: QUEUED, minPriority: "1" }, orderBy: { field: PRIORITY, direction: DESC }) {
      edges { node { ...QueueRow } }
      totalCount
    }
    locked: containers(first: 50, filter: { state: LOCKED }, orderBy: { field: PRIORITY, direction: DESC }) {
      edges { node { ...QueueRow } }
      totalCount
    }
    running: containers(first: 50, filter: { state: RUNNING }, orderBy: { field: PRIORITY, direction: DESC }) {
      edges { node { ...QueueRow } }
      totalCount
    }
  }
`);

export const QueueUpdates = graphql(`
  subscription QueueUpdates {
    containerQueueUpdated { ...QueueRow }
  }
`);

export const FollowContainer = graphql(`
  subscription FollowContainer($uuid: ID!) {
    containerUpdated(uuid: $uuid) { ...QueueRow }
  }
`);

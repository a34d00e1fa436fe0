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
    containerRequest(uuid: $uuid) {
      ...RequestRow
      command containerImage cwd outputPath environment useExisting
    }
  }
`);

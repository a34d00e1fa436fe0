import type { GraphQLError } from 'graphql';
import type { Caller } from './caller.js';
import type { Services } from './services.js';

export interface Context {
  services: Services;
  caller: Caller | null;
  /** Set when the request carried a token that failed validation. */
  authError: GraphQLError | null;
}

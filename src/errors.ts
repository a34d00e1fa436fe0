import { GraphQLError } from 'graphql';

/** The error codes of SPEC section 9; every error a client sees carries one. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'INTERNAL_SERVER_ERROR';

// The one place errors are made. Messages are fixed strings or name fields: they never echo
// input values, so no secret can travel in an error.
function fail(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export const unauthenticated = (message = 'Not logged in') => fail('UNAUTHENTICATED', message);
export const forbidden = (message = 'Forbidden') => fail('FORBIDDEN', message);
export const notFound = (message = 'Not found') => fail('NOT_FOUND', message);
export const conflict = (message: string) => fail('CONFLICT', message);
export const badInput = (field: string, message: string) => fail('BAD_USER_INPUT', message, { field });

export function errorCode(err: unknown): ErrorCode | undefined {
  return err instanceof GraphQLError ? (err.extensions?.code as ErrorCode | undefined) : undefined;
}

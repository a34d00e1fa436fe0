import { type ASTNode, GraphQLError, type Source } from 'graphql';

/** The error codes of design.md §9, defined once; every error a client sees carries one. */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'INTERNAL_SERVER_ERROR',
  // Limits (README, Limits): an operation or a database statement ran past its time, or the
  // database cannot be reached or stopped answering.
  'TIMEOUT',
  'SERVICE_UNAVAILABLE',
  // A caller past its share: too many operations in a window, or too many open subscriptions.
  'RATE_LIMITED',
  // Limits (README "Limits"): what one operation may ask of the server.
  'QUERY_TOO_COMPLEX',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

/** Where an error points, for errors that re-create or locate one (GraphQLError's own options). */
export interface ErrorPlace {
  nodes?: ASTNode | readonly ASTNode[] | null;
  source?: Source;
  positions?: readonly number[];
  path?: readonly (string | number)[];
  originalError?: Error | null;
  /** Further extensions; `code` always comes from the code argument. */
  extensions?: Record<string, unknown>;
}

/**
 * The one place errors are made. Messages are fixed strings or name fields: they never echo
 * input values, so no secret can travel in an error.
 */
export function errorWithCode(code: ErrorCode, message: string, place: ErrorPlace = {}): GraphQLError {
  const { extensions, originalError, ...where } = place;
  const { code: _replaced, ...more } = extensions ?? {};
  return new GraphQLError(message, {
    ...where,
    originalError: originalError ?? undefined,
    extensions: { code, ...more },
  });
}

export const unauthenticated = (message = 'Not logged in') => errorWithCode('UNAUTHENTICATED', message);
export const forbidden = (message = 'Forbidden') => errorWithCode('FORBIDDEN', message);
export const notFound = (message = 'Not found') => errorWithCode('NOT_FOUND', message);
export const conflict = (message: string) => errorWithCode('CONFLICT', message);
/** `field`: the top-level input field (or argument, or variable) at fault, when there is one. */
export const badInput = (field: string | undefined, message: string, place: ErrorPlace = {}) =>
  errorWithCode('BAD_USER_INPUT', message, {
    ...place,
    extensions: { ...place.extensions, ...(field === undefined ? {} : { field }) },
  });
/** A time limit ran out; `limit` names the setting (e.g. OPERATION_TIMEOUT_MS) and its value. */
export const timeout = (message: string, limit: { name: string; ms?: number }) =>
  errorWithCode('TIMEOUT', message, {
    extensions: { limit: limit.name, ...(limit.ms === undefined ? {} : { limitMs: limit.ms }) },
  });
/**
 * A caller past its share (README, Limits): `limit` names the setting; `retryAfterSeconds`,
 * when there is one, is also the HTTP response's Retry-After (and its status 429).
 */
export const rateLimited = (message: string, limit: string, retryAfterSeconds?: number) =>
  errorWithCode('RATE_LIMITED', message, {
    extensions: {
      limit,
      ...(retryAfterSeconds === undefined
        ? { http: { status: 429 } }
        : {
            retryAfterSeconds,
            http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } },
          }),
    },
  });
/** What the client sees of an unexpected error: a fixed message, nothing of the cause. */
export const internalError = (message = 'Unexpected error.') =>
  errorWithCode('INTERNAL_SERVER_ERROR', message);

export function errorCode(err: unknown): ErrorCode | undefined {
  return err instanceof GraphQLError ? (err.extensions?.code as ErrorCode | undefined) : undefined;
}

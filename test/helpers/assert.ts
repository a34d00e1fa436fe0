import { GraphQLError } from 'graphql';
import type { Data, GqlResult } from './gateway.js';

/** The first error's extensions.code, or undefined when there is none. */
export function errorCode(r: { errors?: { extensions?: { code?: string } }[] }): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}

/** Asserts the first error's code (and message and field when given). */
export function expectError(
  r: GqlResult,
  code: string,
  opts: { message?: string | RegExp; field?: string } = {},
): void {
  expect(errorCode(r)).toBe(code);
  if (opts.message !== undefined) {
    if (typeof opts.message === 'string') expect(r.errors![0]!.message).toBe(opts.message);
    else expect(r.errors![0]!.message).toMatch(opts.message);
  }
  if (opts.field !== undefined) expect(r.errors![0]!.extensions!.field).toBe(opts.field);
}

/** The data of a result that must have no errors (the body is shown when it has). */
export function ok<T = Data>(r: GqlResult<T>): T {
  if (r.errors) throw new Error(`unexpected errors: ${r.body}`);
  return r.data as T;
}

/** The GraphQL error a domain rule throws from `fn`, as a client sees it: code, field and message. */
export function rejection(fn: () => unknown): { code: unknown; field: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GraphQLError);
    const e = err as GraphQLError;
    return { code: e.extensions.code, field: e.extensions.field, message: e.message };
  }
  throw new Error('expected a rejection');
}

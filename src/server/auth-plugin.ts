import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  getOperationAST,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../core/context.js';
import { type RootType, saltedAllows, scopeAllows } from '../domain/scopes.js';
import { forbidden, unauthenticated } from '../errors.js';

/** Root field names an operation selects, through fragments. */
export function rootFieldNames(
  document: DocumentNode,
  operationName?: string | null,
): { root: RootType; fields: string[] } | null {
  const op = getOperationAST(document, operationName ?? undefined);
  if (!op) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const fields = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) fields.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) walk(f.selectionSet);
      }
    }
  };
  walk(op.selectionSet);
  return { root: op.operation as RootType, fields: [...fields] };
}

/**
 * Operation-level access (design.md §2), before any resolver runs: a token is required except for
 * pure introspection; an invalid token is UNAUTHENTICATED; inactive users may only call `me`;
 * a token presented salted for a remote cluster may only ask currentApiClientAuthorization;
 * every selected root field must be allowed by the token's scopes (FORBIDDEN otherwise).
 */
export function checkOperationAccess(
  ctx: Context,
  document: DocumentNode,
  operationName?: string | null,
): GraphQLError | null {
  const op = rootFieldNames(document, operationName);
  if (!op) return null; // graphql-js reports the missing operation itself
  const fields = op.fields.filter((f) => !f.startsWith('__'));
  if (ctx.authError) return ctx.authError;
  if (fields.length === 0) return null; // introspection / __typename only
  const caller = ctx.caller;
  if (!caller) return unauthenticated('Not logged in: send Authorization: Bearer <token>');
  if (caller.saltedFor && !fields.every((f) => saltedAllows(op.root, f))) {
    // The header's value is the client's: not echoed.
    return forbidden(
      'A token salted for a remote cluster may only ask currentApiClientAuthorization at its home cluster: use the token itself',
    );
  }
  // currentApiClientAuthorization too: it is how another cluster learns that the user is
  // inactive (design.md §7), and it tells the token nothing `me` does not.
  if (
    !caller.user.isActive &&
    !(op.root === 'query' && fields.every((f) => f === 'me' || f === 'currentApiClientAuthorization'))
  ) {
    return forbidden('User is inactive: only `me` is allowed');
  }
  const denied = fields.find((f) => !scopeAllows(caller.token.scopes, op.root, f));
  return denied ? forbidden(`Token scopes do not allow ${op.root}:${denied}`) : null;
}

export function operationAccessPlugin(): Plugin<Context> {
  const guard = ({
    args,
    setResultAndStopExecution,
  }: {
    args: { contextValue: Context; document: DocumentNode; operationName?: string | null };
    setResultAndStopExecution: (r: { errors: GraphQLError[] }) => void;
  }) => {
    const err = checkOperationAccess(args.contextValue, args.document, args.operationName);
    if (err) setResultAndStopExecution({ errors: [err] });
  };
  return { onExecute: guard, onSubscribe: guard } as Plugin<Context>;
}

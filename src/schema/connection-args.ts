import { parsePrismaCursor } from '@pothos/plugin-prisma';
import { badInput } from '../errors.js';

/** A page's size when neither `first` nor `last` is given. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest page: a larger `first` or `last` gets this many. */
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

// A cursor is one a list gave: Pothos' encoding of the row's uuid.
function isCursor(cursor: string): boolean {
  try {
    return typeof parsePrismaCursor(cursor) === 'string';
  } catch {
    return false;
  }
}

/**
 * A connection's arguments, checked, and the page size they ask for. Pothos refuses the same
 * arguments deep inside a resolver (or the parent's query), where the refusal can only be
 * masked as INTERNAL_SERVER_ERROR; the cost estimate reads every connection's arguments before
 * anything runs (builder.ts), so they are refused there, each naming its argument.
 */
export function pageSize(args: ConnectionArgs): number {
  for (const name of ['first', 'last'] as const) {
    const n = args[name];
    if (n != null && n < 0) throw badInput(name, `\`${name}\` must not be negative`);
  }
  if (args.after != null && args.before != null)
    throw badInput('before', '`after` and `before` cannot be given together');
  if (args.before != null && args.first != null)
    throw badInput('first', '`first` cannot be given with `before` (use `last`)');
  if (args.after != null && args.last != null)
    throw badInput('last', '`last` cannot be given with `after` (use `first`)');
  for (const name of ['after', 'before'] as const) {
    const cursor = args[name];
    if (cursor != null && !isCursor(cursor))
      throw badInput(
        name,
        `\`${name}\` is not a cursor of this list (take one from \`cursor\` or \`pageInfo\`)`,
      );
  }
  return Math.min(args.first ?? args.last ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
}

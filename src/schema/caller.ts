import type { Caller } from '../core/caller.js';
import type { Context } from '../core/context.js';
import { unauthenticated } from '../errors.js';

/** The authenticated caller; the operation guard has already refused anonymous requests. */
export function callerOf(ctx: Context): Caller {
  if (!ctx.caller) throw unauthenticated();
  return ctx.caller;
}

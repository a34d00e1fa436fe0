import type { Caller } from '../auth/caller.js';
import { unauthenticated } from '../errors.js';
import type { Context } from './context.js';

/** The authenticated caller; the operation guard has already refused anonymous requests. */
export function callerOf(ctx: Context): Caller {
  if (!ctx.caller) throw unauthenticated();
  return ctx.caller;
}

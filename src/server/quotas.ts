import type { DocumentNode, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { Context } from '../core/context.js';
import { errorWithCode, rateLimited } from '../errors.js';

interface GuardPayload {
  args: { contextValue: Context; document: DocumentNode };
  setResultAndStopExecution: (r: { errors: GraphQLError[] }) => void;
}

/**
 * RATE_LIMIT_OPERATIONS per RATE_LIMIT_WINDOW_SECONDS for each token (rate-limiter-flexible,
 * in memory: a fixed window per token uuid). Counted after the access check, so refused
 * operations cost nothing; a refusal is RATE_LIMITED with HTTP 429 and Retry-After. Admins
 * (the system user, dispatchers) are not limited: their load follows the queue's. Requests
 * without a valid token are refused by the access check before they get here.
 */
export function rateLimitPlugin(limit: Config['rateLimit']): Plugin<Context> {
  if (limit.operations === 0) return {};
  const limiter = new RateLimiterMemory({ points: limit.operations, duration: limit.windowSeconds });
  const guard = async ({ args, setResultAndStopExecution }: GuardPayload) => {
    const caller = args.contextValue.caller;
    if (!caller || caller.user.isAdmin) return;
    try {
      await limiter.consume(caller.token.uuid);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      setResultAndStopExecution({
        errors: [
          rateLimited(
            `Too many operations: this token may run ${limit.operations} every ${limit.windowSeconds} s; try again in ${retryAfter} s.`,
            'RATE_LIMIT_OPERATIONS',
            retryAfter,
          ),
        ],
      });
    }
  };
  return { onExecute: guard, onSubscribe: guard } as Plugin<Context>;
}

/**
 * MAX_SUBSCRIPTIONS_PER_TOKEN and MAX_SUBSCRIPTIONS: subscriptions open at once. A stream
 * counts from its start until it ends or its client leaves (envelop's onEnd runs on both).
 * A token at its cap gets RATE_LIMITED; a server at its cap SERVICE_UNAVAILABLE (the caller
 * did nothing wrong; another server may have room).
 */
export function subscriptionCaps(perToken: number, total: number): Plugin<Context> {
  const open = new Map<string, number>();
  let all = 0;
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const token = (args.contextValue as Context).caller?.token.uuid;
      if (!token) return; // refused by the access check
      if ((open.get(token) ?? 0) >= perToken) {
        setResultAndStopExecution({
          errors: [
            rateLimited(
              `Too many subscriptions: this token has ${perToken} open, its most; end one first.`,
              'MAX_SUBSCRIPTIONS_PER_TOKEN',
            ),
          ],
        });
        return;
      }
      if (all >= total) {
        setResultAndStopExecution({
          errors: [
            errorWithCode(
              'SERVICE_UNAVAILABLE',
              'This server has all the subscriptions it can serve; try again later.',
              {
                extensions: { limit: 'MAX_SUBSCRIPTIONS' },
              },
            ),
          ],
        });
        return;
      }
      open.set(token, (open.get(token) ?? 0) + 1);
      all++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        all--;
        const left = (open.get(token) ?? 1) - 1;
        if (left > 0) open.set(token, left);
        else open.delete(token);
      };
      return {
        onSubscribeResult({ result }) {
          // An error instead of a stream (a bad argument, a refusal): nothing stays open.
          if (!(Symbol.asyncIterator in Object(result))) {
            release();
            return;
          }
          return { onEnd: release };
        },
        onSubscribeError: release,
      };
    },
  };
}

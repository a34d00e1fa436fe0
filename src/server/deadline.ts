import type { Plugin } from 'graphql-yoga';
import type { Context } from '../core/context.js';
import { timeout } from '../errors.js';

/** What stops an operation early; GraphQL executes with it and stops calling resolvers. */
interface Stoppable {
  signal?: AbortSignal;
}

/**
 * OPERATION_TIMEOUT_MS, and the client going away. The executor (@graphql-tools/executor)
 * takes an AbortSignal: once it fires, no further resolver runs, list items stop being
 * completed, and the operation ends with the signal's reason. A query or mutation gets a
 * signal that fires at its deadline, with a TIMEOUT error, or when its HTTP request is
 * closed by the client; a subscription only the latter (it lives as long as its client
 * wants). A database statement already sent runs to its end or to statement_timeout
 * (DB_STATEMENT_TIMEOUT_MS): the driver cannot take it back.
 */
export function operationDeadline(timeoutMs: number): Plugin<Context> {
  const limit = { name: 'OPERATION_TIMEOUT_MS', ms: timeoutMs };
  return {
    onExecute({ args }) {
      const clientSignal = requestOf(args.contextValue)?.signal;
      const controller = new AbortController();
      const timer = setTimeout(
        () =>
          controller.abort(
            timeout(`The operation took longer than its ${timeoutMs} ms limit and was stopped.`, limit),
          ),
        timeoutMs,
      );
      const clientGone = () => controller.abort(clientSignal?.reason);
      clientSignal?.addEventListener('abort', clientGone, { once: true });
      // An aborted execution does not always reach onExecuteDone: clean up on either.
      const done = () => {
        clearTimeout(timer);
        clientSignal?.removeEventListener('abort', clientGone);
      };
      controller.signal.addEventListener('abort', done, { once: true });
      (args as Stoppable).signal = controller.signal;
      return { onExecuteDone: done };
    },
    onSubscribe({ args }) {
      (args as Stoppable).signal = requestOf(args.contextValue)?.signal;
    },
  };
}

function requestOf(context: unknown): Request | undefined {
  return (context as { request?: Request } | undefined)?.request;
}

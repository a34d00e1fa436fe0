import { setMaxListeners } from 'node:events';
import { isAsyncIterable, type Plugin, Repeater } from 'graphql-yoga';

/**
 * Every open subscription of this gateway, and the two ways they end early:
 *
 * - the drain (SIGTERM/SIGINT): /readyz answers 503, every response says `Connection: close`
 *   (a client sends its next request elsewhere), and every open subscription ends with a
 *   completion, as if its object had finished: the client knows to subscribe again, to another
 *   instance. A subscription that starts during the drain ends at once;
 * - an interruption (the change listener lost its database connection: events may have been
 *   missed): each open subscription gets one last event, an error, then completes.
 */
export class Drain {
  private readonly controller = new AbortController();
  private readonly open = new Set<Promise<void>>();
  private readonly interrupters = new Set<(last: unknown) => void>();

  constructor() {
    // One listener per open subscription (MAX_SUBSCRIPTIONS bounds them), not a leak.
    setMaxListeners(0, this.controller.signal);
  }

  get draining(): boolean {
    return this.controller.signal.aborted;
  }

  start(): void {
    this.controller.abort();
  }

  /** Sends `last` on every open subscription, then ends it. */
  interrupt(last: unknown): void {
    for (const interrupt of [...this.interrupters]) interrupt(last);
  }

  /** Resolves when every subscription has ended (or at once when none is open). */
  async subscriptionsEnded(): Promise<void> {
    while (this.open.size > 0) await Promise.all(this.open);
  }

  /** `source`, ended (its iterator returned) on the drain or an interruption. */
  endsEarly<T>(source: AsyncIterable<T>): AsyncIterableIterator<T> {
    const signal = this.controller.signal;
    let ended = () => {};
    const done = new Promise<void>((resolve) => (ended = resolve));
    this.open.add(done);
    return new Repeater<T>(async (push, stop) => {
      const events = source[Symbol.asyncIterator]();
      const onDrain = () => stop();
      const interrupt = (last: unknown) => {
        this.interrupters.delete(interrupt);
        void push(last as T).then(() => stop());
      };
      signal.addEventListener('abort', onDrain, { once: true });
      this.interrupters.add(interrupt);
      if (signal.aborted) stop();
      // The source may still be reading (the database, for its next event) when it is told to
      // end: this subscription counts as open until it has. A failure then has no one left to
      // tell (the client is gone), and must not surface as an unhandled rejection.
      const returned = stop.then(() => events.return?.()).catch(() => {});
      try {
        for (let e = await events.next(); !e.done; e = await events.next()) await push(e.value);
      } catch (err) {
        // The client went away: its request's signal aborted the execution, and the error
        // would only reject the return() of whoever stops reading (an unhandled rejection).
        if ((err as Error | undefined)?.name !== 'AbortError') throw err;
      } finally {
        signal.removeEventListener('abort', onDrain);
        this.interrupters.delete(interrupt);
        stop();
        void returned.then(() => {
          this.open.delete(done);
          ended();
        });
      }
    });
  }
}

export function drainPlugin(drain: Drain): Plugin {
  return {
    onSubscribe() {
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(drain.endsEarly(result));
        },
      };
    },
    onResponse({ response }) {
      if (drain.draining) response.headers.set('connection', 'close');
    },
  };
}

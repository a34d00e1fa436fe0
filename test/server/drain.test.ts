// The drain's bookkeeping of open subscriptions, directly: a subscription counts as open until
// its source has finished ending (a stream reading the database for its next event is still
// using it), and a source that fails as it ends has no one left to tell.
import { Drain } from '../../src/server/drain.js';

/** A source of one event whose return() takes `ms` and then fails, as a read cut off would. */
function slowFailingSource(ms: number) {
  const state = { returned: false };
  const source: AsyncIterable<number> = {
    [Symbol.asyncIterator]() {
      let sent = false;
      let ending = false;
      let end = (_: IteratorResult<number>) => {};
      return {
        async next() {
          if (ending) return { value: undefined, done: true };
          if (!sent) {
            sent = true;
            return { value: 1, done: false };
          }
          return new Promise<IteratorResult<number>>((r) => (end = r)); // waits for an event
        },
        async return() {
          // The waiting stops at once; the read in progress takes a while, then fails.
          ending = true;
          end({ value: undefined, done: true });
          await new Promise((r) => setTimeout(r, ms));
          state.returned = true;
          throw new Error('PGlite is closed');
        },
      };
    },
  };
  return { source, state };
}

/** Runs `body`, then fails if a promise was rejected with no handler meanwhile. */
async function noUnhandledRejection(body: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await body();
    await new Promise((r) => setTimeout(r, 50)); // unhandled rejections are reported a turn later
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

test('the drain waits for a source to finish ending, and its failure then is not unhandled', async () => {
  await noUnhandledRejection(async () => {
    const drain = new Drain();
    const { source, state } = slowFailingSource(100);
    const it = drain.endsEarly(source);
    expect(await it.next()).toEqual({ value: 1, done: false });
    const rest = it.next();

    drain.start();
    expect(await rest).toEqual({ value: undefined, done: true });
    await drain.subscriptionsEnded();
    // Ended only once the source's return() had settled, not as soon as the stream stopped.
    expect(state.returned).toBe(true);
  });
});

test('a subscription that ends by itself is no longer counted open', async () => {
  const drain = new Drain();
  async function* two() {
    yield 1;
    yield 2;
  }
  const seen: number[] = [];
  for await (const v of drain.endsEarly(two())) seen.push(v);
  expect(seen).toEqual([1, 2]);
  await drain.subscriptionsEnded(); // would wait forever if it were still counted
});

test('a source aborted because its client went away ends the stream quietly', async () => {
  await noUnhandledRejection(async () => {
    const drain = new Drain();
    const client = new AbortController();
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<number>>((_, reject) =>
            client.signal.addEventListener('abort', () => reject(client.signal.reason)),
          ),
      }),
    };
    const it = drain.endsEarly(source);
    const first = it.next();
    client.abort(); // as the server does when the client closes the connection
    expect(await first).toEqual({ value: undefined, done: true });
    await it.return?.(); // what the HTTP layer does with a stream nobody reads any more
    await drain.subscriptionsEnded();
  });
});

import { Repeater } from 'graphql-yoga';
import type { Context } from '../core/context.js';
import type { ChangeEvents } from '../core/services.js';
import { isTokenCurrent } from '../domain/tokens.js';
import { notFound } from '../errors.js';
import { callerOf } from './caller.js';
import { type ChangePayload, TOKEN_LAPSED } from './changes.js';

/** An object as its subscriber sees it now: whether it is final, and the container it follows. */
export interface ObjectLook {
  final: boolean;
  /** For a request: its current container, whose changes are its changes too. */
  followsContainer?: string | null;
}

export interface ObjectStream {
  uuid: string;
  /** The topic of the object's own changes. */
  topic: keyof Pick<ChangeEvents, 'containerUpdated' | 'containerRequestUpdated'>;
  /** The object through the caller's visibility; null when it is gone or out of sight. */
  look(): Promise<ObjectLook | null>;
  notFoundMessage: string;
}

/**
 * The stream of one object, the whole story: its current state first, then an event after each
 * committed change (its own, and for a request its container's: RUNNING, progress, log), and
 * completion after the event that shows it final. NOT_FOUND at subscribe time when the caller
 * cannot see it.
 *
 * Each event carries the object's uuid only: the resolver reads the state as it is when the
 * event is sent. The caller's token is checked again at every change; a lapsed one ends the
 * stream with one UNAUTHENTICATED event (the client knows to re-authenticate), and an object
 * deleted or moved out of sight ends it with one NOT_FOUND event.
 */
export async function subscribeToObject(
  ctx: Context,
  o: ObjectStream,
): Promise<AsyncIterable<ChangePayload>> {
  if (!(await o.look())) throw notFound(o.notFoundMessage);
  const { events, db } = ctx.services;
  const tokenUuid = callerOf(ctx).token.uuid;
  const own = { uuid: o.uuid };

  return new Repeater<ChangePayload>(async (push, stop) => {
    // Listening starts before the current state is read, so no change falls between the two.
    const changed = listen(
      events.subscribe(o.topic, o.uuid),
      o.topic === 'containerRequestUpdated' ? events.subscribe('anyContainerUpdated') : null,
      stop,
    );
    let look = await o.look();
    // Which changes concern this object: its own, and its current container's.
    const concerns = (e: Change) =>
      e.own || (look?.followsContainer != null && e.uuid === look.followsContainer);
    for (;;) {
      // Gone (deleted, or out of sight): the resolver's read answers NOT_FOUND, the last event.
      await push(own);
      if (!look || look.final) break;
      let e = await changed.next();
      while (e !== null && !concerns(e)) e = await changed.next();
      if (e === null) break;
      if (!(await isTokenCurrent(db.prisma, tokenUuid))) {
        await push(TOKEN_LAPSED);
        break;
      }
      look = await o.look();
    }
    stop();
  });
}

type Change = { own: boolean; uuid: string };

/**
 * The object's own changes and, if given, every container change, in arrival order. Both
 * listeners are registered now (asking an iterator for its first value starts yoga's pubsub
 * subscription); stopping returns both at once, and next() then resolves null.
 */
function listen(
  own: AsyncIterable<{ uuid: string }>,
  containers: AsyncIterable<{ uuid: string }> | null,
  stopped: Promise<unknown>,
) {
  const queue: Change[] = [];
  let wake: () => void = () => {};
  let done = false;
  const iterators = [own, ...(containers ? [containers] : [])].map((s) => s[Symbol.asyncIterator]());
  iterators.forEach((it, i) => {
    void (async () => {
      for (let e = await it.next(); !e.done; e = await it.next()) {
        queue.push({ own: i === 0, uuid: e.value.uuid });
        wake();
      }
    })();
  });
  void stopped.then(() => {
    done = true;
    wake();
    for (const it of iterators) void it.return?.();
  });
  return {
    async next(): Promise<Change | null> {
      while (queue.length === 0 && !done) await new Promise<void>((r) => (wake = r));
      return done ? null : queue.shift()!;
    },
  };
}

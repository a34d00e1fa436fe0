import { Repeater } from 'graphql-yoga';
import type { Context } from '../core/context.js';
import type { ChangeSet } from '../domain/changes.js';
import type { DomainContext } from '../domain/context.js';
import { isTokenCurrent } from '../domain/tokens.js';
import { unauthenticated } from '../errors.js';
import { callerOf } from './caller.js';

/**
 * The domain's context for this request. What a write changed goes to the change feed (an
 * event for every container and request, uuids only: subscribers re-read), which publishes it
 * once the transaction has committed.
 */
export function domainOf(ctx: Context): DomainContext {
  const { db, validator, config, secrets, changes: feed } = ctx.services;
  return {
    prisma: db.prisma,
    validator,
    config,
    caller: callerOf(ctx),
    secrets,
    announce: (changes: ChangeSet) => {
      for (const uuid of changes.expiredTokens) validator.forget(uuid);
      feed.committed(changes);
    },
    announceInTransaction: (tx, changes) => feed.inTransaction(tx, changes),
    notifySql: feed.notifySql,
  };
}

/** The last payload of a stream whose token has lapsed: its resolver throws UNAUTHENTICATED. */
export const TOKEN_LAPSED = Object.freeze({ tokenLapsed: true as const });

/** What a subscription's resolver receives: the uuid of a changed object, or TOKEN_LAPSED. */
export type ChangePayload = { uuid: string } | typeof TOKEN_LAPSED;

/** The uuid a change event names; throws UNAUTHENTICATED for the lapsed-token event. */
export function changedUuid(payload: unknown): string {
  if (payload === TOKEN_LAPSED) throw unauthenticated('Invalid or expired token');
  return (payload as { uuid: string }).uuid;
}

/**
 * Change events kept by `keep` (called with each changed uuid, in order), while the caller's
 * token stays current. A lapsed token (expired, revoked, swept, or a remote token's cached
 * copy past its TTL) ends the stream with one UNAUTHENTICATED error event, rather than dropping
 * events: a stream muted forever would look to the client like a quiet object and hold its
 * connection and listener for nothing; this way it knows to re-authenticate and subscribe again.
 */
export function filteredChanges(
  ctx: Context,
  source: AsyncIterable<{ uuid: string }>,
  keep: (uuid: string) => Promise<boolean>,
): AsyncIterable<ChangePayload> {
  const tokenUuid = callerOf(ctx).token.uuid;
  // A Repeater, like yoga's own filter: stopping it (client gone) returns the source at once,
  // where an async generator would wait for the next event to notice.
  return new Repeater<ChangePayload>(async (push, stop) => {
    const events = source[Symbol.asyncIterator]();
    void stop.then(() => events.return?.());
    for (let e = await events.next(); !e.done; e = await events.next()) {
      if (!(await isTokenCurrent(ctx.services.db.prisma, tokenUuid))) {
        await push(TOKEN_LAPSED);
        break;
      }
      if (await keep(e.value.uuid)) await push(e.value);
    }
    stop();
  });
}

import { filter, pipe } from 'graphql-yoga';
import { ChangeSet } from '../domain/changes.js';
import { notFound } from '../errors.js';
import type { ChangeEvents } from '../server/services.js';
import type { Context } from './context.js';

/**
 * Runs a mutation's domain work and, once its transaction has committed, publishes an event
 * for every container and request it changed (uuids only: subscribers re-read).
 */
export async function withChanges<T>(ctx: Context, work: (changes: ChangeSet) => Promise<T>): Promise<T> {
  const changes = new ChangeSet();
  const result = await work(changes);
  const { events } = ctx.services;
  for (const uuid of changes.containers) events.publish('containerUpdated', uuid, { uuid });
  for (const uuid of changes.containerRequests) events.publish('containerRequestUpdated', uuid, { uuid });
  return result;
}

/**
 * The change events of one object, for a caller who may see it: NOT_FOUND at subscribe time
 * otherwise, and visibility is checked again at every event (a deleted or moved-away object
 * stops matching).
 */
export async function subscribeWhileVisible(
  ctx: Context,
  event: keyof ChangeEvents,
  uuid: string,
  visible: () => Promise<boolean>,
  notFoundMessage: string,
) {
  if (!(await visible())) throw notFound(notFoundMessage);
  return pipe(ctx.services.events.subscribe(event, uuid), filter(visible));
}

import { ChangeSet } from '../domain/changes.js';
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

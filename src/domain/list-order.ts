import type { Prisma } from '../generated/prisma/client.js';

// How lists are ordered: a field in either direction, then uuid in the same direction, so that
// a page boundary is never ambiguous and the cursor of the last row names one place. The
// orders each list offers are the ones an index serves with that list's usual filters.

export type OrderDirection = 'ASC' | 'DESC';
export type ContainerOrderField = 'CREATED_AT' | 'PRIORITY';
export type ContainerRequestOrderField = 'CREATED_AT' | 'MODIFIED_AT';

/** A list order in the form the API takes it; every list defaults to newest first. */
export interface ListOrder<F extends string> {
  field: F;
  direction: OrderDirection;
}

type Column = 'createdAt' | 'modifiedAt' | 'priority';
type Sort = 'asc' | 'desc';

function thenByUuid<C extends Column>(column: C, direction: OrderDirection) {
  const dir: Sort = direction === 'ASC' ? 'asc' : 'desc';
  return [{ [column]: dir } as { [K in C]: Sort }, { uuid: dir }];
}

/**
 * Containers: by creation time or by priority. With DESC and a state filter, the priority
 * order is the dispatcher's queue, one scan of the (state, priority, uuid) index.
 */
export function containerOrderBy(
  order: ListOrder<ContainerOrderField> | null | undefined,
): Prisma.ContainerOrderByWithRelationInput[] {
  const { field, direction } = order ?? { field: 'CREATED_AT', direction: 'DESC' };
  return thenByUuid(field === 'PRIORITY' ? 'priority' : 'createdAt', direction);
}

/** Container requests: by creation time (indexed with the owner and with the state) or last change. */
export function containerRequestOrderBy(
  order: ListOrder<ContainerRequestOrderField> | null | undefined,
): Prisma.ContainerRequestOrderByWithRelationInput[] {
  const { field, direction } = order ?? { field: 'CREATED_AT', direction: 'DESC' };
  return thenByUuid(field === 'MODIFIED_AT' ? 'modifiedAt' : 'createdAt', direction);
}

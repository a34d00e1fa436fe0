// Keeps the cached request lists right after a submit without asking the gateway again: the
// new request goes first in every cached list (newest first) whose filter it matches, and
// their totals grow by one. Lists are stored per filter (relayStylePagination's key args).
import type { ApolloCache, Reference } from '@apollo/client';

export interface NewRequest {
  __typename?: 'ContainerRequest';
  id: string;
  name?: string | null;
  state: string;
}

interface StoredList {
  edges?: { cursor: string; node: Reference }[];
  totalCount?: number;
  [k: string]: unknown;
}

/** The filter a cached list was fetched with, read back from its store key. */
function filterOf(storeFieldName: string, fieldName: string): { state?: string; nameContains?: string } {
  const args = storeFieldName.slice(fieldName.length + 1);
  if (!args) return {};
  try {
    return (JSON.parse(args) as { filter?: { state?: string; nameContains?: string } }).filter ?? {};
  } catch {
    return {};
  }
}

export function matches(filter: { state?: string; nameContains?: string }, r: NewRequest): boolean {
  if (filter.state && filter.state !== r.state) return false;
  if (filter.nameContains && !(r.name ?? '').toLowerCase().includes(filter.nameContains.toLowerCase()))
    return false;
  return true;
}

export function addToRequestLists(cache: ApolloCache, request: NewRequest): void {
  const ref = cache.identify({ __typename: 'ContainerRequest', id: request.id });
  if (!ref) return;
  cache.modify<Record<string, StoredList>>({
    id: 'ROOT_QUERY',
    fields: {
      containerRequests(existing, { storeFieldName, fieldName, toReference }) {
        const list = existing as StoredList;
        if (!list?.edges || !matches(filterOf(storeFieldName, fieldName), request)) return list;
        if (list.edges.some((e) => e.node.__ref === ref)) return list;
        const node = toReference(ref)!;
        return {
          ...list,
          edges: [{ __typename: 'ContainerRequestEdge', cursor: '', node }, ...list.edges],
          ...(typeof list.totalCount === 'number' ? { totalCount: list.totalCount + 1 } : {}),
        };
      },
    },
  });
}

// The request lists' cache: a submitted request heads every cached list whose filter it
// matches (and only those), once, with the total grown by one; a subscription's event changes
// the row in place, on the page as rendered (the list's first answer stands in for the
// gateway's; what shows after it comes from the cache alone).
import type { ApolloClient } from '@apollo/client';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, test } from 'vitest';
import { addToRequestLists } from '../src/cache-updates';
import { RequestList, RequestRow } from '../src/operations';
import { PAGE_SIZE, RequestsPage } from '../src/pages/requests';
import { renderPage } from './render';

afterEach(cleanup);

const row = (n: number, state = 'COMMITTED') => ({
  __typename: 'ContainerRequest' as const,
  id: `zzzzz-xvhdp-00000000000000${n}`,
  uuid: `zzzzz-xvhdp-00000000000000${n}`,
  name: `job-${n}`,
  state: state as 'COMMITTED',
  priority: 1,
  createdAt: `2026-11-30T00:00:0${n}.000Z`,
  container: null,
});

/** A page of the list as the gateway answers it. */
const page = (rows: ReturnType<typeof row>[]) => ({
  containerRequests: {
    __typename: 'ContainerRequestConnection' as const,
    edges: rows.map((r) => ({ __typename: 'ContainerRequestEdge' as const, cursor: `c${r.id}`, node: r })),
    pageInfo: {
      __typename: 'PageInfo' as const,
      hasNextPage: false,
      endCursor: rows.length ? `c${rows.at(-1)!.id}` : null,
    },
    totalCount: rows.length,
  },
});

function seed(
  client: ApolloClient,
  filter: Record<string, string> | undefined,
  rows: ReturnType<typeof row>[],
) {
  client.cache.writeQuery({
    query: RequestList,
    variables: { first: PAGE_SIZE, ...(filter ? { filter } : {}) },
    data: page(rows),
  });
}

const read = (client: ApolloClient, filter?: Record<string, string>) =>
  client.cache.readQuery({
    query: RequestList,
    variables: { first: PAGE_SIZE, ...(filter ? { filter } : {}) },
  })?.containerRequests;

test('a new request heads the lists it matches, once; the others are left alone', () => {
  const { client } = renderPage(<p />);
  seed(client, {}, [row(2), row(1)]);
  seed(client, { state: 'COMMITTED' }, [row(2), row(1)]);
  seed(client, { state: 'FINAL' }, []);
  seed(client, { nameContains: 'other' }, []);
  const fresh = row(3);
  client.cache.writeFragment({ fragment: RequestRow, data: fresh });
  addToRequestLists(client.cache, fresh);
  addToRequestLists(client.cache, fresh); // twice: still once
  expect(read(client, {})?.edges.map((e) => e.node.name)).toEqual(['job-3', 'job-2', 'job-1']);
  expect(read(client, {})?.totalCount).toBe(3);
  expect(read(client, { state: 'COMMITTED' })?.edges.map((e) => e.node.name)).toEqual([
    'job-3',
    'job-2',
    'job-1',
  ]);
  expect(read(client, { state: 'FINAL' })?.edges).toEqual([]);
  expect(read(client, { state: 'FINAL' })?.totalCount).toBe(0);
  expect(read(client, { nameContains: 'other' })?.edges).toEqual([]);
});

test('the rendered list: the new row on top at once, and an event changes a row in place', async () => {
  const { client } = renderPage(<RequestsPage />, (op) =>
    op.operationName === 'RequestList' ? { data: page([row(2), row(1)]) } : null,
  );
  await screen.findByText('Showing 2 of 2');
  const fresh = row(3);
  client.cache.writeFragment({ fragment: RequestRow, data: fresh });
  addToRequestLists(client.cache, fresh);
  await screen.findByText('Showing 3 of 3');
  const names = () => screen.getAllByRole('rowheader').map((h) => h.textContent);
  expect(names()).toEqual(['job-3', 'job-2', 'job-1']);
  // What a containerRequestUpdated event writes: the normalised object, by id.
  client.cache.writeFragment({
    fragment: RequestRow,
    data: {
      ...row(2, 'FINAL'),
      container: {
        id: 'zzzzz-dz642-000000000000002',
        uuid: 'zzzzz-dz642-000000000000002',
        state: 'COMPLETE',
        progress: 1,
        exitCode: 0,
      },
    },
  });
  const second = screen.getByText('job-2').closest('tr')!;
  await waitFor(() => expect(within(second).getByText('FINAL')).toBeTruthy());
  expect(within(second).getByText('COMPLETE')).toBeTruthy();
  expect(within(second).getByText(/exit 0/)).toBeTruthy();
  expect(names()).toEqual(['job-3', 'job-2', 'job-1']);
});

// The caller's requests, newest first, a page at a time (Relay cursors), filtered by state and
// name. Rows stay live: each request not yet FINAL holds a containerRequestUpdated stream whose
// events land in the normalised cache, so the row changes in place.
import { useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useId, useState } from 'react';
import { Link } from 'wouter';
import { ContainerCell, StateBadge } from '../components/state';
import type { ContainerRequestState } from '../gql/graphql';
import { FollowRow, RequestList } from '../operations';

export const PAGE_SIZE = 20;
/**
 * Rows followed live at most (the newest not yet FINAL): the gateway caps a token's open
 * subscriptions (MAX_SUBSCRIPTIONS_PER_TOKEN, 200 by default), and a tab may hold a request's
 * page and the queue besides.
 */
export const FOLLOWED_ROWS = 100;
const STATES: ContainerRequestState[] = ['UNCOMMITTED', 'COMMITTED', 'FINAL'];

/** Follows one request while it can still change; renders nothing. */
function Follow({ uuid }: { uuid: string }) {
  useSubscription(FollowRow, { variables: { uuid } });
  return null;
}

/** `value`, once it has stopped changing for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function RequestsPage() {
  const [state, setState] = useState<ContainerRequestState | ''>('');
  const [name, setName] = useState('');
  const nameContains = useSettled(name.trim(), 300);
  const filter = {
    ...(state ? { state } : {}),
    ...(nameContains ? { nameContains } : {}),
  };
  const { data, loading, error, fetchMore } = useQuery(RequestList, {
    variables: { first: PAGE_SIZE, filter },
    // What the cache has at once, then the gateway's first page: requests made elsewhere show.
    fetchPolicy: 'cache-and-network',
    nextFetchPolicy: 'cache-first',
    notifyOnNetworkStatusChange: true,
  });
  const [more, setMore] = useState(false);
  const list = data?.containerRequests;
  const rows = list?.edges.map((e) => e.node) ?? [];
  const stateId = useId();
  const nameId = useId();

  async function loadMore() {
    if (!list?.pageInfo.endCursor) return;
    setMore(true);
    try {
      await fetchMore({ variables: { after: list.pageInfo.endCursor } });
    } finally {
      setMore(false);
    }
  }

  return (
    <section aria-labelledby="requests-title">
      <h1 id="requests-title">Your requests</h1>
      <search className="filters">
        <div className="field">
          <label htmlFor={stateId}>State</label>
          <select
            id={stateId}
            value={state}
            onChange={(e) => setState(e.target.value as ContainerRequestState | '')}
          >
            <option value="">Any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={nameId}>Name contains</label>
          <input id={nameId} type="search" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
      </search>
      {error && (
        <p className="error" role="alert">
          Could not load your requests: {error.message}
        </p>
      )}
      <p className="count" aria-live="polite">
        {list ? `Showing ${rows.length} of ${list.totalCount}` : loading ? 'Loading…' : ''}
      </p>
      {rows.length > 0 && (
        <table className="requests">
          <caption className="visually-hidden">Your container requests, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">Container</th>
              <th scope="col">Priority</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-uuid={r.uuid}>
                <th scope="row" data-label="Name">
                  <Link href={`/requests/${r.uuid}`}>{r.name || r.uuid}</Link>
                </th>
                <td data-label="State">
                  <StateBadge state={r.state} />
                </td>
                <td data-label="Container">
                  <ContainerCell container={r.container} />
                </td>
                <td data-label="Priority">{r.priority}</td>
                <td data-label="Created">
                  <time dateTime={r.createdAt}>{new Date(r.createdAt).toLocaleString()}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list && rows.length === 0 && <p>No requests{state || nameContains ? ' match these filters' : ''}.</p>}
      {list?.pageInfo.hasNextPage && (
        <button type="button" onClick={loadMore} disabled={more}>
          {more ? 'Loading…' : `Show ${PAGE_SIZE} more`}
        </button>
      )}
      {rows
        .filter((r) => r.state !== 'FINAL')
        .slice(0, FOLLOWED_ROWS)
        .map((r) => (
          <Follow key={r.id} uuid={r.uuid} />
        ))}
    </section>
  );
}

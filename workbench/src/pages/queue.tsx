// For admins: the container queue as a dispatcher sees it (QUEUED by priority, highest first),
// and what dispatchers hold (LOCKED, RUNNING, with the lock holder). Live: the queue stream
// tells of new and re-prioritised work, each listed container's own stream of its moves; either
// refreshes the lists (at most a few times a second). 50 of each at most: with one stream per
// container that stays under the gateway's cap of a token's subscriptions (200 by default).
import { useQuery, useSubscription } from '@apollo/client/react';
import { useCallback, useEffect, useRef } from 'react';
import { ContainerCell } from '../components/state';
import type { QueueRowFragment } from '../gql/graphql';
import { FollowContainer, Queue, QueueUpdates } from '../operations';

/**
 * The request priority a container's queue priority stands for: it is (priority << 50) minus
 * its oldest request's creation time in ms, so the top bits are priority - 1.
 */
export function requestPriority(queuePriority: string): number {
  const p = BigInt(queuePriority);
  return p <= 0n ? 0 : Number((p >> 50n) + 1n);
}

function Follow({ uuid, refresh }: { uuid: string; refresh(): void }) {
  useSubscription(FollowContainer, { variables: { uuid }, onData: refresh });
  return null;
}

function Section({ title, rows, rank }: { title: string; rows: QueueRowFragment[]; rank?: boolean }) {
  const id = `queue-${title.toLowerCase()}`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>
        {title} <span className="muted">({rows.length})</span>
      </h2>
      {rows.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="requests queue">
          <thead>
            <tr>
              {rank && <th scope="col">#</th>}
              <th scope="col">Container</th>
              <th scope="col">State</th>
              <th scope="col">Priority</th>
              <th scope="col">Command</th>
              <th scope="col">Resources</th>
              <th scope="col">Lock holder</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c, i) => (
              <tr key={c.id} data-uuid={c.uuid}>
                {rank && <td data-label="#">{i + 1}</td>}
                <th scope="row" data-label="Container">
                  <code>{c.uuid}</code>
                </th>
                <td data-label="State">
                  <ContainerCell container={{ ...c, exitCode: null }} />
                </td>
                <td data-label="Priority" title={`queue priority ${c.priority}`}>
                  {requestPriority(c.priority)}
                </td>
                <td data-label="Command">
                  <code>{c.command.join(' ')}</code>
                </td>
                <td data-label="Resources">
                  {c.runtimeConstraintsTyped.vcpus ?? '?'} vCPU
                  {c.runtimeConstraintsTyped.ram
                    ? `, ${Math.round(Number(c.runtimeConstraintsTyped.ram) / 1048576)} MiB`
                    : ''}
                </td>
                <td data-label="Lock holder">{c.lockedByUuid ? <code>{c.lockedByUuid}</code> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function QueuePage() {
  const { data, error, refetch } = useQuery(Queue, { fetchPolicy: 'cache-and-network' });
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refresh = useCallback(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      void refetch();
    }, 250);
  }, [refetch]);
  useEffect(() => () => clearTimeout(pending.current ?? undefined), []);
  useSubscription(QueueUpdates, { onData: refresh });
  const rows = (list?: { edges: { node: QueueRowFragment }[] }) => list?.edges.map((e) => e.node) ?? [];
  const all = [...rows(data?.queued), ...rows(data?.locked), ...rows(data?.running)];
  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title">Container queue</h1>
      <p className="muted">
        What dispatchers take, highest priority first, and what they hold. Updates live.
      </p>
      {error && (
        <p className="error" role="alert">
          Could not load the queue: {error.message}
        </p>
      )}
      {data && (
        <>
          <Section title="Queued" rows={rows(data.queued)} rank />
          <Section title="Locked" rows={rows(data.locked)} />
          <Section title="Running" rows={rows(data.running)} />
        </>
      )}
      {all.map((c) => (
        <Follow key={c.id} uuid={c.uuid} refresh={refresh} />
      ))}
    </section>
  );
}

// One request: its fields and its container, live while it can change.
import { useQuery, useSubscription } from '@apollo/client/react';
import { Link } from 'wouter';
import { ContainerCell, StateBadge } from '../components/state';
import { FollowRow, RequestDetail } from '../operations';

export function RequestPage({ uuid }: { uuid: string }) {
  const { data, error, loading } = useQuery(RequestDetail, { variables: { uuid }, errorPolicy: 'all' });
  const cr = data?.containerRequest;
  useSubscription(FollowRow, { variables: { uuid }, skip: !cr || cr.state === 'FINAL' });
  if (loading && !cr) return <p>Loading…</p>;
  if (!cr)
    return (
      <section>
        <h1>Request not found</h1>
        <p>{error?.message ?? 'It does not exist, or it is not yours.'}</p>
        <p>
          <Link href="/">Back to your requests</Link>
        </p>
      </section>
    );
  return (
    <section aria-labelledby="request-title">
      <h1 id="request-title">{cr.name || cr.uuid}</h1>
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <StateBadge state={cr.state} />
        </dd>
        <dt>Container</dt>
        <dd>
          <ContainerCell container={cr.container} />
        </dd>
        <dt>uuid</dt>
        <dd>
          <code>{cr.uuid}</code>
        </dd>
        <dt>Command</dt>
        <dd>
          <code>{JSON.stringify(cr.command)}</code>
        </dd>
        <dt>Image</dt>
        <dd>{cr.containerImage}</dd>
        <dt>Priority</dt>
        <dd>{cr.priority}</dd>
      </dl>
    </section>
  );
}

// How a request's and its container's state read on the page: words and a colour class (the
// colour is never the only sign).
import type { RequestRowFragment } from '../gql/graphql';

type Row = RequestRowFragment;

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge badge-${state.toLowerCase()}`}>{state}</span>;
}

/** The container's part of a row: state, progress while running, exit code when done. */
export function ContainerCell({ container }: { container: Row['container'] }) {
  if (!container) return <span className="muted">no container</span>;
  const { state, progress, exitCode } = container;
  return (
    <span className="container-cell">
      <StateBadge state={state} />
      {state === 'RUNNING' && progress != null && (
        <>
          {' '}
          <progress value={progress} max={1} aria-label="Progress" /> {Math.round(progress * 100)}%
        </>
      )}
      {exitCode != null && <span className="exit"> exit {exitCode}</span>}
    </span>
  );
}

// One request: its fields; its container (state, progress, whom it runs as, the log's tail
// while it runs, exit code and output when done); cancel (priority 0) or commit a draft; the
// attempts so far. Live: a containerRequestUpdated stream while it is not FINAL.
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { ContainerCell, StateBadge } from '../components/state';
import { FollowRequest, RequestDetail, UpdateRequest } from '../operations';

/** The last lines of a log: what a person watching it wants to see. */
export const TAIL_LINES = 200;

export function tail(log: string, lines = TAIL_LINES): string {
  const all = log.split('\n');
  return all.length <= lines ? log : all.slice(-lines).join('\n');
}

const MiB = 1024 * 1024;

export function RequestPage({ uuid }: { uuid: string }) {
  const { data, error, loading } = useQuery(RequestDetail, { variables: { uuid }, errorPolicy: 'all' });
  const cr = data?.containerRequest;
  useSubscription(FollowRequest, { variables: { uuid }, skip: !cr || cr.state === 'FINAL' });
  const [update, { loading: updating }] = useMutation(UpdateRequest);
  const [confirming, setConfirming] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  // The containers this page has seen the request have, in order (the API names the current
  // one only; a retry replaces it).
  const [attempts, setAttempts] = useState<{ uuid: string; state: string }[]>([]);
  const container = cr?.container;
  useEffect(() => {
    if (!container) return;
    setAttempts((seen) => {
      const i = seen.findIndex((a) => a.uuid === container.uuid);
      if (i >= 0)
        return seen[i]!.state === container.state
          ? seen
          : seen.map((a, j) => (j === i ? { ...a, state: container.state } : a));
      return [...seen, { uuid: container.uuid, state: container.state }];
    });
  }, [container]);

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

  async function change(input: { priority?: number; state?: 'COMMITTED' }) {
    setActionError(null);
    setConfirming(false);
    const { error: failed } = await update({ variables: { uuid, input } }).catch((err: Error) => ({
      error: err,
    }));
    if (failed) setActionError(failed.message);
  }

  const me = data?.me;
  const runsAs = container?.runtimeUserUuid;
  const log = container?.log ?? cr.log;
  const output = container?.output ?? cr.output;
  const cancellable = cr.state === 'COMMITTED' && (cr.priority ?? 0) > 0;
  const env = Object.entries((cr.environment ?? {}) as Record<string, string>);
  return (
    <section aria-labelledby="request-title" className="request">
      <p className="crumbs">
        <Link href="/">Your requests</Link> › {cr.name || cr.uuid}
      </p>
      <h1 id="request-title">{cr.name || cr.uuid}</h1>
      <div className="actions">
        {cr.state === 'UNCOMMITTED' && (
          <button type="button" disabled={updating} onClick={() => change({ state: 'COMMITTED' })}>
            Submit this draft
          </button>
        )}
        {cancellable && !confirming && (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Cancel request
          </button>
        )}
        {confirming && (
          <fieldset className="confirm">
            <legend>Cancel this request? Its container stops if nothing else wants it.</legend>
            <button
              type="button"
              className="danger"
              disabled={updating}
              onClick={() => change({ priority: 0 })}
            >
              Yes, cancel it
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Keep it running
            </button>
          </fieldset>
        )}
      </div>
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      <div className="columns">
        <div>
          <h2>Request</h2>
          <dl className="facts">
            <dt>State</dt>
            <dd data-testid="request-state">
              <StateBadge state={cr.state} />
            </dd>
            <dt>Priority</dt>
            <dd data-testid="priority">
              {cr.priority ?? 'none'}
              {cr.state === 'COMMITTED' && cr.priority === 0 && (
                <span className="muted"> — cancelled: it ends when its container stops</span>
              )}
            </dd>
            <dt>uuid</dt>
            <dd>
              <code>{cr.uuid}</code>
            </dd>
            <dt>Command</dt>
            <dd>
              <code>{cr.command.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ')}</code>
            </dd>
            <dt>Image</dt>
            <dd>{cr.containerImage}</dd>
            <dt>Working directory</dt>
            <dd>
              <code>{cr.cwd}</code>
            </dd>
            <dt>Output path</dt>
            <dd>
              <code>{cr.outputPath}</code>
            </dd>
            <dt>Environment</dt>
            <dd>
              {env.length === 0
                ? 'none'
                : env.map(([k, v]) => (
                    <code key={k} className="env">
                      {k}={v}
                    </code>
                  ))}
            </dd>
            <dt>Resources</dt>
            <dd>
              {cr.runtimeConstraintsTyped.vcpus ?? '?'} vCPU,{' '}
              {cr.runtimeConstraintsTyped.ram
                ? `${Math.round(Number(cr.runtimeConstraintsTyped.ram) / MiB)} MiB`
                : '?'}{' '}
              RAM
            </dd>
            <dt>Reuse</dt>
            <dd>{cr.useExisting ? 'an identical container may be reused' : 'always a new container'}</dd>
            <dt>Created</dt>
            <dd>
              <time dateTime={cr.createdAt}>{new Date(cr.createdAt).toLocaleString()}</time>
            </dd>
          </dl>
        </div>
        <div>
          <h2>Container</h2>
          <dl className="facts">
            <dt>State</dt>
            <dd data-testid="container-state">
              <ContainerCell container={cr.container} />
            </dd>
            {runsAs && (
              <>
                <dt>Runs as</dt>
                <dd data-testid="runs-as">
                  {runsAs === me?.uuid ? (
                    <>
                      you (<code>{runsAs}</code>)
                    </>
                  ) : (
                    <>
                      <code>{runsAs}</code>, through the runtime token
                    </>
                  )}
                </dd>
              </>
            )}
            {container?.startedAt && (
              <>
                <dt>Started</dt>
                <dd>
                  <time dateTime={container.startedAt}>{new Date(container.startedAt).toLocaleString()}</time>
                </dd>
              </>
            )}
            {container?.finishedAt && (
              <>
                <dt>Finished</dt>
                <dd>
                  <time dateTime={container.finishedAt}>
                    {new Date(container.finishedAt).toLocaleString()}
                  </time>
                </dd>
              </>
            )}
            {container?.exitCode != null && (
              <>
                <dt>Exit code</dt>
                <dd data-testid="exit-code">{container.exitCode}</dd>
              </>
            )}
            <dt>Attempts</dt>
            <dd data-testid="attempts">
              {cr.containerCount} of at most {cr.containerCountMax}
              {attempts.length > 1 && (
                <ol className="attempts">
                  {attempts.map((a) => (
                    <li key={a.uuid}>
                      <code>{a.uuid}</code> <StateBadge state={a.state} />
                    </li>
                  ))}
                </ol>
              )}
            </dd>
          </dl>
        </div>
      </div>
      <h2 id="log-title">Log</h2>
      {log ? (
        <pre className="log" role="log" aria-labelledby="log-title" data-testid="log">
          {tail(log)}
        </pre>
      ) : (
        <p className="muted">No log yet.</p>
      )}
      <h2 id="output-title">Output</h2>
      {output ? (
        <pre className="output" data-testid="output">
          {prettyJson(output)}
        </pre>
      ) : (
        <p className="muted">No output yet.</p>
      )}
    </section>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// One locked container, from its token to its final state: containerAuth, secret mounts (read
// with the container's own token), RUNNING, the command through the runtime with its log
// streamed to the gateway, then COMPLETE with the exit code and the output — or CANCELLED
// when it cannot start or is stopped.
import os from 'node:os';
import { type GatewayClient, GatewayError, GatewayUnreachable } from './gateway-client.js';
import type { Log } from './log.js';
import { LogTail } from './log-tail.js';
import {
  CONTAINER_AUTH,
  type ContainerAuth,
  type ContainerUpdate,
  SECRET_MOUNTS,
  type SecretMounts,
  UNLOCK,
  UPDATE,
} from './operations.js';
import { CannotStart, type ContainerSpec, type Execution, type ExitStatus, type Runtime } from './runtime.js';

export interface RunDeps {
  client: GatewayClient;
  runtime: Runtime;
  log: Log;
  killGraceMs: number;
  /** How often the log is sent while the command runs. */
  logFlushMs: number;
}

/**
 * Why a run is being stopped. `cancel`: the container is to end CANCELLED (the gateway's retry
 * rules then apply). `release`: the dispatcher is shutting down — a container not started yet is
 * unlocked (back to the queue, no attempt spent), a running one is stopped and CANCELLED.
 */
export type StopKind = 'cancel' | 'release';

const FINAL_REPORT_ATTEMPTS = 8;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ContainerRun {
  private stopReason: { kind: StopKind; reason: string } | null = null;
  /** Read through a method: stop() changes it while run() awaits, which control-flow narrowing cannot see. */
  private stopping(): { kind: StopKind; reason: string } | null {
    return this.stopReason;
  }
  private execution: Execution | undefined;
  private started = false;
  /** Set when the final update is being sent: a stop then has nothing left to stop. */
  private finishing = false;
  private readonly logTail = new LogTail();
  private reports: Promise<unknown> = Promise.resolve();
  /** Settles once the container is final (or unlocked) and its files are cleaned up. */
  readonly done: Promise<void>;

  constructor(
    private readonly deps: RunDeps,
    readonly container: ContainerSpec,
  ) {
    this.done = this.run().catch((err) => this.abandon(err));
  }

  get uuid(): string {
    return this.container.uuid;
  }

  /** Stops the run (once; later calls are ignored). */
  stop(kind: StopKind, reason: string): void {
    if (this.stopReason || this.finishing) return;
    this.stopReason = { kind, reason };
    this.deps.log('info', 'stopping container', { container: this.uuid, reason });
    if (this.execution) {
      this.note(`${reason}: stopping the command (SIGTERM, SIGKILL after ${this.deps.killGraceMs / 1000} s)`);
      void this.execution.stop(this.deps.killGraceMs);
    }
  }

  private async run(): Promise<void> {
    const { client, runtime, log } = this.deps;
    const uuid = this.uuid;
    const { apiToken } = (await client.request<ContainerAuth>(CONTAINER_AUTH, { uuid })).containerAuth;
    // The container-bound form: valid only while this container is LOCKED or RUNNING.
    const token = `${apiToken}/${uuid}`;
    const secretMounts = await this.readSecretMounts(token);
    if (this.stopping()) return this.endUnstarted();

    await client.request(UPDATE, {
      uuid,
      input: { state: 'RUNNING', progress: 0, runtimeStatus: { activity: 'starting' } },
    });
    this.started = true;
    let execution: Execution;
    try {
      execution = await runtime.start({
        container: this.container,
        secretMounts,
        extraEnvironment: {
          ARVADOS_API_HOST: new URL(client.url).host,
          ARVADOS_API_TOKEN: token,
          GATEWAY_URL: client.url,
        },
        onOutput: (chunk) => this.logTail.append(chunk),
      });
    } catch (err) {
      if (!(err instanceof CannotStart)) throw err;
      log('warn', 'container cannot start', { container: uuid, reason: err.message });
      this.note(`cannot start: ${err.message}`);
      return this.finish({
        state: 'CANCELLED',
        runtimeStatus: { error: 'Cannot start the command', errorDetail: err.message },
      });
    }
    this.execution = execution;
    log('info', 'container started', { container: uuid, pid: execution.pid });
    this.note(
      `started ${JSON.stringify(this.container.command)} as process ${execution.pid} on ${os.hostname()}`,
    );
    await this.report({ runtimeStatus: { activity: 'running', host: os.hostname(), pid: execution.pid } });
    // A stop that arrived while it started.
    if (this.stopping()) void execution.stop(this.deps.killGraceMs);

    const flusher = setInterval(() => {
      if (this.logTail.changed) void this.report({ log: this.logTail.text() });
    }, this.deps.logFlushMs);
    let status: ExitStatus;
    try {
      status = await execution.exited;
    } finally {
      clearInterval(flusher);
    }
    let final: ContainerUpdate;
    try {
      const how = status.signal ? `signal ${status.signal}` : `exit code ${status.exitCode}`;
      log('info', 'container exited', { container: uuid, exitCode: status.exitCode, signal: status.signal });
      const stop = this.stopping();
      if (stop) {
        this.note(`stopped (${how}): ${stop.reason}`);
        final = { state: 'CANCELLED', runtimeStatus: { activity: 'cancelled' } };
      } else {
        this.note(`finished with ${how}`);
        final = {
          state: 'COMPLETE',
          exitCode: status.exitCode,
          output: await execution.output(),
          progress: 1,
          runtimeStatus: { activity: 'complete' },
        };
      }
    } finally {
      // Secret files and tmp mounts go before the final report: whoever sees the container
      // final must find them gone.
      await execution.cleanup();
    }
    await this.finish(final);
  }

  /** The secret mounts, with the container's own token. A token whose scopes do not allow it reads none (said in the log). */
  private async readSecretMounts(token: string): Promise<Record<string, unknown>> {
    try {
      return (
        (await this.deps.client.request<SecretMounts>(SECRET_MOUNTS, { uuid: this.uuid }, token))
          .containerSecretMounts ?? {}
      );
    } catch (err) {
      if (!(err instanceof GatewayError) || err.code !== 'FORBIDDEN') throw err;
      this.note(
        "the container's token may not read its secret mounts (its scopes lack query:containerSecretMounts): running without them",
      );
      return {};
    }
  }

  /** Stopped before RUNNING: unlocked on shutdown, CANCELLED otherwise. */
  private async endUnstarted(): Promise<void> {
    const stop = this.stopping()!;
    if (stop.kind === 'release') {
      await this.deps.client.request(UNLOCK, { uuid: this.uuid });
      this.deps.log('info', 'container unlocked', { container: this.uuid });
      return;
    }
    this.note(`not started: ${stop.reason}`);
    await this.finish({ state: 'CANCELLED' });
  }

  /** A dispatcher line in the container's log (never anything secret). */
  private note(line: string): void {
    this.logTail.append(`${new Date().toISOString()} dispatcher: ${line}\n`);
  }

  /** Progress reports run one at a time, in order; a failed one is logged and dropped (the final update carries everything). */
  private report(input: ContainerUpdate): Promise<unknown> {
    this.reports = this.reports
      .then(() => this.deps.client.request(UPDATE, { uuid: this.uuid, input }))
      .catch((err) =>
        this.deps.log('warn', 'container update failed', { container: this.uuid, error: describe(err) }),
      );
    return this.reports;
  }

  /**
   * The final update, with the whole log, after every earlier report. Retried while the gateway
   * is unreachable; a CONFLICT or FORBIDDEN means someone else already finished it (and released
   * our lock): nothing to do.
   */
  private async finish(input: ContainerUpdate): Promise<void> {
    this.finishing = true;
    await this.reports;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.client.request(UPDATE, {
          uuid: this.uuid,
          input: { ...input, log: this.logTail.text() },
        });
        this.deps.log('info', 'container final', {
          container: this.uuid,
          state: input.state,
          exitCode: input.exitCode,
        });
        return;
      } catch (err) {
        if (err instanceof GatewayError && (err.code === 'CONFLICT' || err.code === 'FORBIDDEN')) {
          this.deps.log('info', 'container was finished elsewhere', { container: this.uuid, code: err.code });
          return;
        }
        if (!(err instanceof GatewayUnreachable) || attempt >= FINAL_REPORT_ATTEMPTS) throw err;
        this.deps.log('warn', 'final report failed; retrying', {
          container: this.uuid,
          attempt,
          error: describe(err),
        });
        await pause(Math.min(30_000, 500 * 2 ** attempt));
      }
    }
  }

  /**
   * An unexpected failure (the gateway refused a step, a file could not be written…): the
   * container must not stay locked. Best effort; what fails here the dispatcher's periodic
   * check of the containers it holds finds again.
   */
  private async abandon(err: unknown): Promise<void> {
    this.deps.log('error', 'container run failed', { container: this.uuid, error: describe(err) });
    try {
      if (this.execution) {
        await this.execution.stop(this.deps.killGraceMs);
        await this.execution.cleanup();
      }
      if (this.started) {
        this.note(`dispatcher error: ${describe(err)}`);
        await this.finish({
          state: 'CANCELLED',
          runtimeStatus: { error: 'Dispatcher error', errorDetail: describe(err) },
        });
      } else {
        await this.deps.client.request(UNLOCK, { uuid: this.uuid });
      }
    } catch (again) {
      this.deps.log('error', 'could not release the container after a failure', {
        container: this.uuid,
        error: describe(again),
      });
    }
  }
}

export function describe(err: unknown): string {
  return err instanceof GatewayError
    ? `${err.code ?? 'ERROR'}: ${err.message}`
    : ((err as Error)?.message ?? String(err));
}

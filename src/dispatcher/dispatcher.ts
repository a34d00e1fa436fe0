// The dispatch loop. Reads the queue highest priority first and locks containers while their
// runtimeConstraints fit in the budget; starts the next as soon as one ends. Holds the
// containerQueueUpdated stream to hear of new work and of its own containers' cancellations at
// once, and polls every POLL_SECONDS as the fallback (also while the stream is down).
import { Budget, type Resources, resourcesOf } from './budget.js';
import type { DispatcherConfig } from './config.js';
import { ContainerRun, describe, type RunDeps } from './container-run.js';
import { type GatewayClient, GatewayError, GatewayUnreachable } from './gateway-client.js';
import type { Log } from './log.js';
import {
  HELD,
  type Held,
  type HeldContainer,
  IDENTITY,
  type Identity,
  LOCK,
  type Lock,
  QUEUE,
  QUEUE_EVENTS,
  type Queue,
  type QueueEvent,
  REQUIRED_SCOPES,
  UNLOCK,
  UPDATE,
} from './operations.js';
import type { Runtime } from './runtime.js';

/** Containers read per look at the queue: more than a budget usually fits, never the whole queue. */
const QUEUE_PAGE = 50;
const LOG_FLUSH_MS = 1000;

/** The dispatcher's token cannot do the job (not admin, scopes too narrow): stop, and say why. */
export class DispatcherTokenError extends Error {}

export class Dispatcher {
  private readonly budget: Budget;
  private readonly runs = new Map<string, { run: ContainerRun; needs: Resources }>();
  private readonly runDeps: RunDeps;
  private tokenUuid = '';
  private stopping = false;
  private filling: Promise<void> | null = null;
  private fillAgain = false;
  private reconcileDue = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private resubscribe: NodeJS.Timeout | undefined;
  private readonly tooBig = new Set<string>();

  constructor(
    private readonly config: DispatcherConfig,
    private readonly client: GatewayClient,
    private readonly runtime: Runtime,
    private readonly log: Log,
  ) {
    this.budget = new Budget({ vcpus: config.vcpus, ram: config.ram });
    this.runDeps = {
      client,
      runtime,
      log,
      killGraceMs: config.killGraceSeconds * 1000,
      logFlushMs: LOG_FLUSH_MS,
    };
  }

  /** Checks the token, recovers what an earlier run of this dispatcher left, then starts taking work. */
  async start(): Promise<void> {
    const id = await this.identity();
    this.tokenUuid = id.currentApiClientAuthorization.uuid;
    await this.recover();
    this.listen();
    this.pollTimer = setInterval(() => this.poll(), this.config.pollSeconds * 1000);
    this.log('info', 'dispatcher started', {
      token: this.tokenUuid,
      vcpus: this.config.vcpus,
      ram: this.config.ram,
      dir: this.config.dispatchDir,
    });
    this.poll();
  }

  /** Holds the queue event stream; when the gateway ends it, subscribes again after a poll interval. */
  private listen(): void {
    if (this.stopping) return;
    this.unsubscribe = this.client.subscribe<QueueEvent>(QUEUE_EVENTS, {
      onEvent: (e) => this.onEvent(e.containerQueueUpdated),
      // (Re)connected: what happened while the stream was down is read from the queue.
      onConnected: () => {
        this.log('info', 'listening for queue events');
        this.poll();
      },
      onClosed: (err) => {
        if (this.stopping) return;
        this.log('warn', 'queue event stream ended; polling until it is back', {
          error: err ? describe(err) : null,
        });
        this.unsubscribe?.();
        this.resubscribe = setTimeout(() => this.listen(), this.config.pollSeconds * 1000);
      },
    });
  }

  /** Waits for the gateway (saying so), then checks that the token is an admin's with the scopes needed. */
  private async identity(): Promise<Identity> {
    for (let attempt = 1; ; attempt++) {
      try {
        const id = await this.client.request<Identity>(IDENTITY);
        if (!id.me.isAdmin)
          throw new DispatcherTokenError(
            'DISPATCHER_TOKEN must be an admin token (npm run cli -- create-token --admin)',
          );
        const scopes = id.currentApiClientAuthorization.scopes;
        const missing = scopes.includes('all')
          ? []
          : REQUIRED_SCOPES.filter((s) => !scopes.includes(s) && !scopes.includes(`${s.split(':')[0]}:*`));
        if (missing.length)
          throw new DispatcherTokenError(`DISPATCHER_TOKEN lacks the scopes ${missing.join(', ')}`);
        return id;
      } catch (err) {
        if (err instanceof GatewayError && err.code === 'UNAUTHENTICATED')
          throw new DispatcherTokenError(`DISPATCHER_TOKEN is not valid at ${this.client.url}`);
        if (!(err instanceof GatewayUnreachable)) throw err;
        this.log('warn', 'waiting for the gateway', { url: this.client.url, attempt, error: err.message });
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
      }
    }
  }

  /**
   * After a restart (a crash, SIGKILL): the runtime stops what earlier runs left and removes their
   * secrets; every container this token still holds has lost its process, so LOCKED ones go
   * back to the queue and RUNNING ones are CANCELLED (the gateway's retry rules then apply).
   */
  private async recover(): Promise<void> {
    const orphans = await this.runtime.recoverOrphans(this.config.killGraceSeconds * 1000);
    if (orphans.length) this.log('info', 'cleaned up after an earlier run', { containers: orphans });
    for (const c of await this.held())
      await this.release(c, 'the dispatcher restarted and its process was lost');
  }

  /** Gives back a container this token holds but runs no process for. */
  private async release(c: HeldContainer, why: string): Promise<void> {
    try {
      if (c.state === 'LOCKED') {
        await this.client.request(UNLOCK, { uuid: c.uuid });
        this.log('info', 'unlocked a container with no process', { container: c.uuid, why });
      } else if (c.state === 'RUNNING') {
        const log = `${c.log ? `${c.log.replace(/\n?$/, '\n')}` : ''}${new Date().toISOString()} dispatcher: ${why}\n`;
        await this.client.request(UPDATE, {
          uuid: c.uuid,
          input: {
            state: 'CANCELLED',
            log: log.slice(-60_000),
            runtimeStatus: { error: 'Process lost', errorDetail: why },
          },
        });
        this.log('info', 'cancelled a container with no process', { container: c.uuid, why });
      }
    } catch (err) {
      this.log('warn', 'could not release a container', { container: c.uuid, error: describe(err) });
    }
  }

  /** Every container this dispatcher's token holds, per the gateway. */
  private async held(): Promise<HeldContainer[]> {
    const out: HeldContainer[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Held = await this.client.request<Held>(HELD, { token: this.tokenUuid, after });
      out.push(...page.containers.nodes);
      if (!page.containers.pageInfo.hasNextPage) return out;
      after = page.containers.pageInfo.endCursor;
    }
  }

  private onEvent(c: QueueEvent['containerQueueUpdated']): void {
    const mine = this.runs.get(c.uuid);
    if (mine) {
      if (c.lockedByUuid !== this.tokenUuid)
        mine.run.stop('cancel', `the container became ${c.state} elsewhere`);
      else if (BigInt(c.priority) <= 0n) mine.run.stop('cancel', 'cancelled: its priority fell to 0');
    } else if (c.state === 'QUEUED' && BigInt(c.priority) > 0n) {
      this.requestFill();
    }
  }

  /** The fallback: the queue, and a check of what the gateway says this token holds. */
  private poll(): void {
    this.reconcileDue = true;
    this.requestFill();
  }

  /**
   * Runs whose container this token no longer holds (or whose priority fell to 0) are stopped;
   * containers it holds without a run are released. Runs inside the fill section, so that no
   * lock is in flight while it compares.
   */
  private async reconcile(): Promise<void> {
    const held = await this.held();
    const byUuid = new Map(held.map((c) => [c.uuid, c]));
    for (const [uuid, { run }] of this.runs) {
      const c = byUuid.get(uuid);
      if (!c) run.stop('cancel', 'the container is no longer locked by this dispatcher');
      else if (BigInt(c.priority) <= 0n) run.stop('cancel', 'cancelled: its priority fell to 0');
    }
    // Held, yet no run: a run that failed to release it.
    for (const c of held)
      if (!this.runs.has(c.uuid) && !this.stopping) await this.release(c, 'the dispatcher lost track of it');
  }

  /** One fill at a time; a request during a fill makes it read the queue once more. */
  private requestFill(): void {
    if (this.stopping) return;
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    this.filling = (async () => {
      try {
        do {
          this.fillAgain = false;
          if (this.reconcileDue) {
            this.reconcileDue = false;
            await this.reconcile().catch((err) =>
              this.log('warn', 'checking held containers failed', { error: describe(err) }),
            );
          }
          await this.fill();
        } while (this.fillAgain && !this.stopping);
      } catch (err) {
        this.log('warn', 'reading the queue failed; will retry at the next poll', { error: describe(err) });
      } finally {
        this.filling = null;
      }
    })();
  }

  /**
   * Locks queued containers in priority order while they fit. Strict order: when the next one
   * does not fit now, nothing after it is taken (a big container is not starved by small ones);
   * one that could never fit this dispatcher's budget is left to another dispatcher.
   */
  private async fill(): Promise<void> {
    const queue = (await this.client.request<Queue>(QUEUE, { first: QUEUE_PAGE })).containers.nodes;
    let locked = 0;
    for (const c of queue) {
      if (this.stopping) return;
      if (this.runs.has(c.uuid)) continue;
      const needs = resourcesOf(c.runtimeConstraints);
      if (!this.budget.fitsAtAll(needs)) {
        if (!this.tooBig.has(c.uuid))
          this.log('warn', 'container needs more than this dispatcher has; leaving it', {
            container: c.uuid,
            ...needs,
          });
        this.tooBig.add(c.uuid);
        continue;
      }
      if (!this.budget.fitsNow(needs)) return;
      let spec: Lock['lockContainer'];
      try {
        spec = (await this.client.request<Lock>(LOCK, { uuid: c.uuid })).lockContainer;
      } catch (err) {
        // Another dispatcher took it, or its priority fell to 0 meanwhile.
        if (err instanceof GatewayError && err.code === 'CONFLICT') continue;
        throw err;
      }
      locked++;
      this.budget.take(needs);
      this.log('info', 'locked', { container: c.uuid, priority: c.priority, ...needs });
      const run = new ContainerRun(this.runDeps, spec);
      this.runs.set(c.uuid, { run, needs });
      void run.done.then(() => {
        this.runs.delete(c.uuid);
        this.budget.give(needs);
        this.requestFill();
      });
    }
    // A full page all taken: the rest of the queue may fit too.
    if (queue.length === QUEUE_PAGE && locked > 0) this.fillAgain = true;
  }

  /** SIGTERM: take no more work; stop every command and finish its container; then return. */
  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log('info', 'shutting down', { running: this.runs.size });
    clearInterval(this.pollTimer);
    clearTimeout(this.resubscribe);
    this.unsubscribe?.();
    await this.filling;
    for (const { run } of this.runs.values()) run.stop('release', 'the dispatcher is shutting down');
    await Promise.all([...this.runs.values()].map(({ run }) => run.done));
    this.client.close();
    this.log('info', 'dispatcher stopped');
  }
}

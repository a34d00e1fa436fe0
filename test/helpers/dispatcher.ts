// The dispatcher as an operator runs it: a real process (`node --import tsx src/dispatcher/main.ts`,
// so that a signal reaches it and not a wrapper), talking to a test gateway over real HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Data, TestGateway } from './gateway.js';

export interface DispatcherOptions {
  token: string;
  vcpus?: number;
  ram?: number;
  pollSeconds?: number;
  killGraceSeconds?: number;
  /** Reuse a directory (a restart); a fresh one otherwise. */
  dir?: string;
}

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class DispatcherProcess {
  /** Every line it wrote on stderr (JSON log lines) and stdout. */
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    readonly dir: string,
  ) {
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop()!;
        this.lines.push(...parts);
      });
    }
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(gatewayUrl: string, opts: DispatcherOptions): DispatcherProcess {
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dispatch-test-'));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GATEWAY_URL: `${gatewayUrl}/graphql`,
      DISPATCHER_TOKEN: opts.token,
      DISPATCH_DIR: dir,
      DISPATCH_VCPUS: String(opts.vcpus ?? 4),
      DISPATCH_RAM: String(opts.ram ?? 8 * 2 ** 30),
      POLL_SECONDS: String(opts.pollSeconds ?? 60),
      KILL_GRACE_SECONDS: String(opts.killGraceSeconds ?? 2),
      LOG_LEVEL: 'debug',
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/dispatcher/main.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new DispatcherProcess(child, dir);
  }

  /** The parsed JSON log lines. */
  logs(): Data[] {
    return this.lines.flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
  }

  /** Waits for a log line with this message (and these fields). */
  async logged(msg: string, fields: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<Data> {
    return waitFor(
      `the dispatcher to log "${msg}"`,
      () => this.logs().find((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v)),
      timeoutMs,
    );
  }

  /** Started and holding the queue event stream. */
  async ready(): Promise<this> {
    await Promise.race([
      this.logged('listening for queue events'),
      this.exited.then((e) => {
        throw new Error(
          `dispatcher exited (${e.code ?? e.signal}) before it was ready:\n${this.lines.join('\n')}`,
        );
      }),
    ]);
    return this;
  }

  /** SIGTERM (or another signal), then waits for it to exit. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const slow = setTimeout(
      () => console.error(`dispatcher slow to exit:\n${this.lines.slice(-30).join('\n')}`),
      20_000,
    );
    try {
      return await this.exited;
    } finally {
      clearTimeout(slow);
    }
  }
}

/** Waits until the container is in one of `states`; returns it (as the admin sees it). */
export async function containerReaches(
  gw: TestGateway,
  uuid: string,
  states: string[],
  timeoutMs = 60_000,
): Promise<Data> {
  return waitFor(
    `container ${uuid} to be ${states.join(' or ')}`,
    async () => {
      const r = await gw.gql(
        `query($u: ID!) { container(uuid: $u) { uuid state priority exitCode log output progress runtimeStatus startedAt finishedAt
           authUuid lockedByUuid runtimeConstraints } }`,
        { u: uuid },
      );
      const c = r.data?.container;
      return c && states.includes(c.state) ? c : null;
    },
    timeoutMs,
  );
}

/** Waits until the request is FINAL; returns it with its container uuid. */
export async function requestFinal(
  gw: TestGateway,
  token: string,
  uuid: string,
  timeoutMs = 60_000,
): Promise<Data> {
  return waitFor(
    `request ${uuid} to be FINAL`,
    async () => {
      const r = await gw.gql(
        `query($u: ID!) { containerRequest(uuid: $u) { uuid state containerUuid containerCount log output } }`,
        { u: uuid },
        token,
      );
      const cr = r.data?.containerRequest;
      return cr?.state === 'FINAL' ? cr : null;
    },
    timeoutMs,
  );
}

/** A node one-liner as a container command (no shell): node -e <script> [args…]. */
export function nodeCommand(script: string, ...args: string[]): string[] {
  return [process.execPath, '-e', script, ...args];
}

/** A container script: prints `started`, waits until the file named by $GO exists, prints `went`. */
export const WAIT_FOR_GO = `console.log('started'); const fs = require('fs');
const t = setInterval(() => { if (fs.existsSync(process.env.GO)) { clearInterval(t); console.log('went'); } }, 20);`;

/** Whether a process still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

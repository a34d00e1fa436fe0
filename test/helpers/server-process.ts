// The gateway server as an operator runs it: a real process (`node dist/server/main.js`, what
// `npm start` runs, built before the tests by globalSetup; one process, so that a signal reaches
// it and not a wrapper), optionally as pid 1 of a PID namespace of its
// own (`unshare`), as a container would run it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { SERVER_ENTRY } from '../../scripts/build.js';
import { waitFor } from './dispatcher.js';
import type { GqlResult } from './gateway.js';

/** The unshare arguments that put a process in a PID namespace of its own here, or why none do. */
export function pidNamespace(): { args: string[] } | { skip: string } {
  const tries = [
    ['--pid', '--fork', '--mount-proc', '--kill-child'], // as root
    ['-Urpf', '--mount-proc', '--kill-child'], // unprivileged: a user namespace first
  ];
  const errors: string[] = [];
  for (const args of tries) {
    // Inside, the shell must be pid 1: that is what two containers on one volume look like.
    const r = spawnSync('unshare', [...args, 'sh', '-c', 'echo $$'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() === '1') return { args };
    errors.push(`unshare ${args.join(' ')}: ${(r.error?.message ?? r.stderr).trim() || `exit ${r.status}`}`);
  }
  return { skip: errors.join('; ') };
}

export class ServerProcess {
  /** Every line it wrote on stdout and stderr. */
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
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

  /** `unshare` = the arguments from pidNamespace(), to run the server as pid 1 of its own namespace. */
  static start(env: Record<string, string>, unshare?: string[]): ServerProcess {
    const server = [process.execPath, SERVER_ENTRY];
    const [cmd, ...args] = unshare ? ['unshare', ...unshare, ...server] : server;
    const child = spawn(cmd!, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', TOKEN_SWEEP_SECONDS: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServerProcess(child);
  }

  /**
   * The server as the README starts it, `npm start`: npm's process is `child`, the server's own
   * is serverPid() once it serves (npm passes SIGTERM and SIGINT on to it).
   */
  static startWithNpm(env: Record<string, string>): ServerProcess {
    const child = spawn('npm', ['start'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        PORT: '0',
        TOKEN_SWEEP_SECONDS: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServerProcess(child);
  }

  /** The server's pid, from its start-up line (once ready() has resolved). */
  serverPid(): number | undefined {
    const line = this.lines.find((l) => l.startsWith('GraphQL gateway'));
    return line ? Number(/, pid (\d+)\)/.exec(line)?.[1]) : undefined;
  }

  /** The GraphQL URL once it serves; fails if it exits first. */
  async ready(timeoutMs = 120_000): Promise<string> {
    let exit: { code: number | null } | undefined;
    void this.exited.then((e) => {
      exit = e;
    });
    const line = await waitFor(
      'the server to listen',
      () => {
        if (exit) throw new Error(`the server exited (${exit.code}) before it served:\n${this.text()}`);
        return this.lines.find((l) => l.startsWith('GraphQL gateway'));
      },
      timeoutMs,
    );
    return /(http:\/\/\S+?\/graphql)/.exec(line)![1]!;
  }

  text(): string {
    return this.lines.join('\n');
  }

  /** SIGKILL: no clean-up of any kind (with --kill-child, unshare passes it to the server). */
  async kill(): Promise<void> {
    const server = this.serverPid();
    if (server && server !== this.child.pid) {
      try {
        process.kill(server, 'SIGKILL'); // started through npm: the server is npm's child
      } catch {} // gone already
    }
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** One GraphQL request to a server process at `url` (its /graphql) with `token`. */
export async function gqlAt(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.text();
  const json = JSON.parse(body);
  return { status: res.status, data: json.data, errors: json.errors, body };
}

// The "local" runtime: the container's command runs on this host as a child process in a process
// group of its own, without a shell, in a fresh working directory. It ignores containerImage and
// isolates nothing: a development and single-machine runtime, not a sandbox.
//
// Layout of DISPATCH_DIR/<container uuid>/:
//   root/     the container's "/": cwd, outputPath and mounts are resolved under it
//   tmp/      TMPDIR when the container mounts no /tmp (removed after)
//   run.json  the process id and the secret files, so that a restarted dispatcher can stop an
//             orphaned process and remove its secrets (removed after)
//   manifest.json  the whole output manifest
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manifestOf, outputField } from './manifest.js';
import { CannotStart, type Execution, type ExitStatus, type Runtime, type StartRequest } from './runtime.js';

interface RunRecord {
  pid?: number;
  /** The process's start time (/proc/<pid>/stat field 22): a pid alone may have been reused. */
  startTicks?: string;
  secretFiles: string[];
  tmpDirs: string[];
}

/** Where a container path lands under the root. path.posix.resolve drops any `..` above "/". */
function underRoot(root: string, containerPath: string): string {
  return path.join(root, path.posix.resolve('/', containerPath));
}

function startTicks(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses) start at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

const groupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGroupGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (groupAlive(pid)) {
    if (Date.now() >= until) return false;
    await pause(50);
  }
  return true;
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value), { mode: 0o600 });
}

/** A text or json mount's content as a file's bytes; CannotStart for other kinds. */
function fileContent(where: string, mount: { kind?: unknown; content?: unknown }): string {
  if (mount.kind === 'text' && typeof mount.content === 'string') return mount.content;
  if (mount.kind === 'json') return JSON.stringify(mount.content ?? null);
  throw new CannotStart(
    `${where}: kind ${JSON.stringify(mount.kind)} is not supported by the local runtime (text, json)`,
  );
}

export class LocalRuntime implements Runtime {
  constructor(private readonly dispatchDir: string) {}

  async start(req: StartRequest): Promise<Execution> {
    const c = req.container;
    const work = path.join(this.dispatchDir, c.uuid);
    const root = path.join(work, 'root');
    const record: RunRecord = { secretFiles: [], tmpDirs: [] };
    const runFile = path.join(work, 'run.json');
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    const save = () => writeJson(runFile, record);
    save();
    const execution = new LocalExecution(work, underRoot(root, c.outputPath), record, save);
    try {
      const env = this.prepare(req, work, root, record, save);
      const cwd = underRoot(root, c.cwd);
      if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
        throw new CannotStart(
          `cwd ${JSON.stringify(c.cwd)} does not exist in the container (the local runtime makes only outputPath and the mounts)`,
        );
      }
      if (c.command.length === 0) throw new CannotStart('the command is empty');
      await execution.spawn(c.command, cwd, env, req.onOutput);
      return execution;
    } catch (err) {
      await execution.cleanup();
      throw err;
    }
  }

  /** Mounts, outputPath and secret mounts under the root; returns the command's environment. */
  private prepare(
    req: StartRequest,
    work: string,
    root: string,
    record: RunRecord,
    save: () => void,
  ): Record<string, string> {
    const c = req.container;
    for (const [where, raw] of Object.entries(c.mounts ?? {})) {
      const mount = (raw ?? {}) as { kind?: unknown; content?: unknown; writable?: unknown };
      const target = underRoot(root, where);
      if (mount.kind === 'tmp') {
        fs.mkdirSync(target, { recursive: true, mode: 0o700 });
        record.tmpDirs.push(target);
      } else if (
        mount.kind === 'collection' &&
        mount.writable === true &&
        path.posix.resolve('/', where) === path.posix.resolve('/', c.outputPath)
      ) {
        // The usual Arvados output mount: here the output is a plain directory.
        fs.mkdirSync(target, { recursive: true });
      } else {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, fileContent(`mount ${where}`, mount));
      }
    }
    fs.mkdirSync(underRoot(root, c.outputPath), { recursive: true });
    // Listed before they are written: a crash half-way still leaves them findable.
    const secrets = Object.entries(req.secretMounts ?? {});
    record.secretFiles = secrets.map(([where]) => underRoot(root, where));
    save();
    for (const [where, raw] of secrets) {
      const target = underRoot(root, where);
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
      fs.writeFileSync(
        target,
        fileContent(`secret mount ${where}`, (raw ?? {}) as { kind?: unknown; content?: unknown }),
        { mode: 0o600 },
      );
      fs.chmodSync(target, 0o600); // an existing file keeps its mode through writeFileSync
    }
    let tmp =
      c.mounts && Object.keys(c.mounts).some((m) => path.posix.resolve('/', m) === '/tmp')
        ? underRoot(root, '/tmp')
        : null;
    if (!tmp) {
      tmp = path.join(work, 'tmp');
      fs.mkdirSync(tmp, { mode: 0o700 });
      record.tmpDirs.push(tmp);
      save();
    }
    const environment = Object.fromEntries(
      Object.entries(c.environment ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
    // Nothing of the dispatcher's own environment (its token!) is passed on: only PATH, so
    // that a bare command name is found, unless the container sets its own.
    return {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: root,
      TMPDIR: tmp,
      ...environment,
      ...req.extraEnvironment,
    };
  }

  async recoverOrphans(graceMs: number): Promise<string[]> {
    if (!fs.existsSync(this.dispatchDir)) return [];
    const found: string[] = [];
    for (const uuid of fs.readdirSync(this.dispatchDir)) {
      const runFile = path.join(this.dispatchDir, uuid, 'run.json');
      let record: RunRecord;
      try {
        record = JSON.parse(fs.readFileSync(runFile, 'utf8')) as RunRecord;
      } catch {
        continue;
      }
      found.push(uuid);
      if (record.pid && record.startTicks && startTicks(record.pid) === record.startTicks) {
        killGroup(record.pid, 'SIGTERM');
        if (!(await waitGroupGone(record.pid, graceMs))) killGroup(record.pid, 'SIGKILL');
      }
      removeAll(record);
      fs.rmSync(runFile, { force: true });
    }
    return found;
  }
}

function removeAll(record: RunRecord): void {
  for (const f of record.secretFiles ?? []) fs.rmSync(f, { force: true });
  for (const d of record.tmpDirs ?? []) fs.rmSync(d, { recursive: true, force: true });
}

class LocalExecution implements Execution {
  private child: ChildProcess | undefined;
  exited!: Promise<ExitStatus>;

  constructor(
    private readonly work: string,
    private readonly outputDir: string,
    private readonly record: RunRecord,
    private readonly save: () => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves once the process runs; CannotStart when it cannot (ENOENT, EACCES…). */
  spawn(
    command: string[],
    cwd: string,
    env: Record<string, string>,
    onOutput: (chunk: string) => void,
  ): Promise<void> {
    const [file, ...args] = command as [string, ...string[]];
    // detached: a new session and process group, so that stop() reaches everything it starts.
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        shell: false,
      });
    } catch (err) {
      return Promise.reject(
        new CannotStart(
          `cannot start ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code ?? 'invalid command'}`,
        ),
      );
    }
    this.child = child;
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', onOutput);
    }
    const streamsClosed = Promise.all(
      [child.stdout!, child.stderr!].map((s) => new Promise((r) => s.once('close', r))),
    );
    this.exited = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => {
        // Whatever it left behind in its group goes with it, as when a container stops.
        killGroup(child.pid!, 'SIGKILL');
        const status = { exitCode: code ?? 128 + (signal ? os.constants.signals[signal] : 0), signal };
        // A grandchild that escaped the group could hold the pipes open: do not wait forever.
        void Promise.race([streamsClosed, pause(5000)]).then(() => resolve(status));
      });
    });
    return new Promise<void>((resolve, reject) => {
      child.once('spawn', () => {
        this.record.pid = child.pid;
        this.record.startTicks = startTicks(child.pid!);
        this.save();
        resolve();
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return; // after a successful spawn: reported by 'exit'
        const why =
          err.code === 'ENOENT'
            ? `no such executable: ${JSON.stringify(file)} (not found in PATH)`
            : err.code === 'EACCES'
              ? `not executable: ${JSON.stringify(file)} (permission denied)`
              : `cannot start ${JSON.stringify(file)}: ${err.code ?? err.message}`;
        reject(new CannotStart(why));
      });
    });
  }

  async stop(graceMs: number): Promise<ExitStatus> {
    const pid = this.child?.pid;
    if (pid !== undefined && this.child!.exitCode === null && this.child!.signalCode === null) {
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }

  async output(): Promise<string> {
    const manifest = await manifestOf(this.outputDir);
    fs.writeFileSync(path.join(this.work, 'manifest.json'), JSON.stringify(manifest, null, 1));
    return outputField(manifest);
  }

  async cleanup(): Promise<void> {
    removeAll(this.record);
    fs.rmSync(path.join(this.work, 'run.json'), { force: true });
  }
}

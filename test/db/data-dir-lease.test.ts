import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DataDirInUseError,
  type LeaseHolder,
  type LeaseLostError,
  LOCK_FILE,
  lockDataDir,
} from '../../src/db/data-dir-lock.js';
import { waitFor } from '../helpers/dispatcher.js';

// The data-directory lease (PGlite only: PostgreSQL keeps its own data), with short periods so
// that staleness takes a second, not ten. Other holders are real processes.
const FAST = { heartbeatMs: 100, staleMs: 1000 };

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crgw-lease-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const leaseFile = () => path.join(dir, LOCK_FILE);
const lease = (): LeaseHolder => JSON.parse(fs.readFileSync(leaseFile(), 'utf8'));

/** Another process that takes the lease (FAST periods), after `delayMs`, and holds it until killed. */
function holder(delayMs = 0): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const module = JSON.stringify(path.resolve('src/db/data-dir-lock.ts'));
  const script = `const { lockDataDir } = await import(${module});
    console.log('ready');
    await new Promise((r) => setTimeout(r, ${delayMs}));
    await lockDataDir(${JSON.stringify(dir)}, ${JSON.stringify(FAST)});
    console.log('held');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const s of [child.stdout!, child.stderr!]) s.on('data', (b: Buffer) => lines.push(String(b)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, lines, exited };
}

async function held(h: ReturnType<typeof holder>): Promise<void> {
  await waitFor('the other process to hold the lease', () => h.lines.join('').includes('held'), 60_000);
}

test('a lease another live process renews is refused, naming the holder and what to do', async () => {
  const h = holder();
  try {
    await held(h);
    const err = await lockDataDir(dir, FAST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirInUseError);
    const message = (err as Error).message;
    expect(message).toContain(`pid ${h.child.pid}`);
    expect(message).toContain('Stop that process first');
    expect(message).toContain('If it has crashed, start again');
    expect(lease().pid).toBe(h.child.pid); // left as it was
  } finally {
    h.child.kill('SIGKILL');
  }
});

test('the lease of a process killed with SIGKILL is taken over once stale, not before', async () => {
  const h = holder();
  await held(h);
  const dead = lease();
  h.child.kill('SIGKILL');
  await h.exited;
  const taking = lockDataDir(dir, FAST);
  await new Promise((r) => setTimeout(r, FAST.staleMs / 2));
  expect(lease().owner).toBe(dead.owner); // still watching it
  const release = await taking;
  try {
    expect(lease()).toMatchObject({ pid: process.pid, host: os.hostname() });
    expect(lease().owner).not.toBe(dead.owner);
  } finally {
    release();
  }
  expect(fs.existsSync(leaseFile())).toBe(false);
});

test('of two openers taking over one stale lease at once, exactly one wins', async () => {
  // The same directory under two names, as one volume mounted at two paths.
  const other = path.join(os.tmpdir(), `crgw-lease-link-${process.pid}`);
  fs.rmSync(other, { force: true });
  fs.symlinkSync(dir, other);
  fs.writeFileSync(
    leaseFile(),
    JSON.stringify({ owner: 'crashed', host: 'elsewhere', pid: 1, since: '2026-01-01T00:00:00Z', beat: 7 }),
  );
  try {
    const results = await Promise.allSettled([lockDataDir(dir, FAST), lockDataDir(other, FAST)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(DataDirInUseError);
    expect(lease().pid).toBe(process.pid);
    (won[0] as PromiseFulfilledResult<() => void>).value();
  } finally {
    fs.rmSync(other, { force: true });
  }
});

test('a holder that finds its lease taken stops at once, and leaves the new lease alone', async () => {
  const h = holder();
  await held(h);
  const taker: LeaseHolder = {
    owner: 'taker',
    host: 'elsewhere',
    pid: 1,
    since: new Date().toISOString(),
    beat: 0,
  };
  fs.writeFileSync(leaseFile(), JSON.stringify(taker));
  expect(await h.exited).toBe(75);
  expect(h.lines.join('')).toContain('another process took it over');
  expect(lease()).toEqual(taker);
});

test('an in-process holder is told through onLost', async () => {
  const lost: LeaseLostError[] = [];
  await lockDataDir(dir, { ...FAST, onLost: (e) => lost.push(e) });
  fs.rmSync(leaseFile());
  await waitFor('onLost', () => lost.length > 0, 10_000);
  expect(lost[0]!.message).toContain('removed or replaced');
  expect(lost).toHaveLength(1);
  // Released: the directory can be taken again.
  (await lockDataDir(dir, FAST))();
});

test('a busy main thread keeps its lease: the heartbeat runs beside it', async () => {
  const release = await lockDataDir(dir, FAST);
  try {
    const h = holder(200);
    await waitFor('the other process to start', () => h.lines.join('').includes('ready'), 60_000);
    // Three stale periods without yielding to the event loop, while the other process tries.
    const until = Date.now() + 3 * FAST.staleMs;
    while (Date.now() < until) {
      /* busy, as in a long synchronous query */
    }
    expect(await h.exited).toBe(1);
    expect(h.lines.join('')).toContain('is in use by another gateway process');
    expect(lease().pid).toBe(process.pid);
  } finally {
    release();
  }
});

test('a released directory is taken at once', async () => {
  (await lockDataDir(dir, FAST))();
  const h = holder();
  try {
    await held(h);
    expect(lease().pid).toBe(h.child.pid);
  } finally {
    h.child.kill('SIGKILL');
  }
});

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

// PGlite happily opens a data directory another process has open (its postmaster.pid holds a
// fixed fake pid), and two writers corrupt it. This lease makes the second opener fail.
//
// A pid cannot say who holds the directory: two containers sharing a volume each run their
// server as pid 1 of their own namespace, and hosts sharing a network volume see each other's
// pids as meaningless numbers. The lease names its holder by a random owner id instead, and
// proves the holder alive by a heartbeat: the holder rewrites the lease every HEARTBEAT_MS.
// A lease is stale when an opener, watching it on its own clock, sees it unchanged for STALE_MS
// (ten heartbeats). No clock is compared with another machine's, so skew does not matter.
export const LOCK_FILE = 'gateway.lock';
export const HEARTBEAT_MS = 1000;
export const STALE_MS = 10_000;

export interface LeaseHolder {
  owner: string;
  host: string;
  pid: number;
  since: string;
  beat: number;
}

export interface LeaseOptions {
  heartbeatMs?: number;
  staleMs?: number;
  /**
   * Called once if another process took the lease over (this one was stopped or cut off for
   * longer than the stale bound) or it could not be renewed. The default stops the process at
   * once: writing on would corrupt the database the new holder has opened.
   */
  onLost?: (err: LeaseLostError) => void;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LeaseHolder | null,
    readonly lockFile: string,
    readonly staleMs: number = STALE_MS,
  ) {
    const who = holder
      ? `another gateway process (host ${holder.host}, pid ${holder.pid} in its own PID namespace, since ${holder.since})`
      : 'another process';
    const seconds = Math.ceil(staleMs / 1000);
    super(
      `${dataDir} is in use by ${who}, most likely a running gateway server: ` +
        'the embedded database (PGlite) allows one process at a time, also across containers or hosts sharing the directory. ' +
        'Stop that process first, or use PostgreSQL (DATABASE_URL) to share the database. ' +
        `If it has crashed, start again: a lease (${lockFile}) not renewed for ${seconds} s is taken over.`,
    );
    this.name = 'DataDirInUseError';
  }
}

export class LeaseLostError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LeaseHolder | null,
    reason: string,
  ) {
    super(
      `Lost the lease on ${dataDir}: ${reason}. Stopping now, so as not to write beside the process that holds it.`,
    );
    this.name = 'LeaseLostError';
  }
}

function parseLease(text: string | null): LeaseHolder | null {
  if (text === null) return null;
  try {
    const l = JSON.parse(text) as LeaseHolder;
    return typeof l?.owner === 'string' ? l : null;
  } catch {
    return null; // a lock file of an earlier version (a bare pid), or not ours
  }
}

function readLease(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Written in full under a private name, then moved into place: a reader never sees half a lease. */
function writeTmp(file: string, lease: LeaseHolder): string {
  const tmp = `${file}.${lease.owner}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(lease)}\n`);
  return tmp;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The heartbeat runs in a worker thread, so a main thread busy for seconds (a long PGlite query,
// migrations in WASM) does not let the lease go stale. `state` (shared with the main thread)
// keeps a renewal and the release from crossing: 0 idle, 1 released, 2 renewing. (Plain JavaScript,
// evaluated as CommonJS or as a module depending on how the process started: hence
// getBuiltinModule rather than require or import.)
const HEARTBEAT_WORKER = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const fs = process.getBuiltinModule('node:fs');
const { file, lease, heartbeatMs, staleMs, state } = workerData;
const flag = new Int32Array(state);
let lastRenewed = Date.now();
const stop = (holder, reason) => {
  clearInterval(timer);
  parentPort.postMessage({ holder, reason });
};
const timer = setInterval(() => {
  if (Atomics.compareExchange(flag, 0, 0, 2) !== 0) return clearInterval(timer);
  try {
    let text = null;
    try { text = fs.readFileSync(file, 'utf8'); } catch (err) { if (err.code !== 'ENOENT') throw err; }
    let holder = null;
    try { holder = JSON.parse(text); } catch {}
    if (!holder || holder.owner !== lease.owner) {
      return stop(holder && typeof holder.owner === 'string' ? holder : null,
        holder ? 'another process took it over' : 'its lease file was removed or replaced');
    }
    lease.beat += 1;
    const tmp = file + '.' + lease.owner + '.tmp';
    fs.writeFileSync(tmp, JSON.stringify(lease) + '\\n');
    fs.renameSync(tmp, file);
    lastRenewed = Date.now();
  } catch (err) {
    // Cannot renew: stop before another opener may take the lease as stale.
    if (Date.now() - lastRenewed > staleMs / 2) stop(null, 'it could not be renewed (' + err.message + ')');
  } finally {
    Atomics.compareExchange(flag, 0, 2, 0);
  }
}, heartbeatMs);
`;

/** Puts `lease` in place: a new lease file, or over a stale one; throws DataDirInUseError otherwise. */
async function acquire(
  file: string,
  lease: LeaseHolder,
  heartbeatMs: number,
  staleMs: number,
  inUse: (text: string | null) => DataDirInUseError,
): Promise<void> {
  // A few rounds: a lease can be released (removed) while we watch it, and then we try again.
  for (let round = 0; round < 5; round++) {
    const tmp = writeTmp(file, lease);
    try {
      fs.linkSync(tmp, file); // atomic, and fails if any lease exists
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    // Someone's lease: watch it on our own clock. A change means a live holder.
    const seen = readLease(file);
    if (seen === null) continue;
    const until = performance.now() + staleMs;
    let gone = false;
    while (!gone && performance.now() < until) {
      await sleep(Math.min(250, heartbeatMs / 4));
      const now = readLease(file);
      if (now !== null && now !== seen) throw inUse(now);
      gone = now === null;
    }
    if (gone) continue;
    fs.renameSync(writeTmp(file, lease), file);
    // Another opener that saw the same stale lease may have moved its own over ours just now:
    // whoever's lease is there a heartbeat later wins; the others have seen it change and refuse.
    await sleep(heartbeatMs);
    return;
  }
  throw inUse(readLease(file));
}

const held = new Set<string>();
const releases = new Set<() => void>();
let exitHook = false;

function defaultOnLost(err: LeaseLostError): never {
  console.error(err.message);
  process.exit(75);
}

/**
 * Takes `dataDir` for this process, or throws DataDirInUseError. A lease nobody has renewed for
 * STALE_MS is taken over; a takeover reads the lease back after a heartbeat period, so of two
 * openers taking over at once only the one whose lease stayed wins. Returns the release
 * function (also run at process exit).
 */
export async function lockDataDir(dataDir: string, opts: LeaseOptions = {}): Promise<() => void> {
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  const staleMs = opts.staleMs ?? STALE_MS;
  const file = path.join(path.resolve(dataDir), LOCK_FILE);
  const inUse = (text: string | null) => new DataDirInUseError(dataDir, parseLease(text), file, staleMs);
  if (held.has(file)) throw inUse(readLease(file));
  held.add(file); // also keeps a second open in this process out while this one waits

  const lease: LeaseHolder = {
    owner: crypto.randomBytes(16).toString('hex'),
    host: os.hostname(),
    pid: process.pid,
    since: new Date().toISOString(),
    beat: 0,
  };
  const ours = () => parseLease(readLease(file))?.owner === lease.owner;
  try {
    await acquire(file, lease, heartbeatMs, staleMs, inUse);
    if (!ours()) throw inUse(readLease(file));
  } catch (err) {
    held.delete(file);
    throw err;
  }

  const state = new SharedArrayBuffer(4);
  const flag = new Int32Array(state);
  const worker = new Worker(HEARTBEAT_WORKER, {
    eval: true,
    workerData: { file, lease, heartbeatMs, staleMs, state },
  });
  const onLost = opts.onLost ?? defaultOnLost;
  worker.on('message', (m: { holder: LeaseHolder | null; reason: string }) => {
    if (!held.has(file)) return;
    release();
    onLost(new LeaseLostError(dataDir, m.holder, m.reason));
  });
  worker.on('error', (err) => {
    if (!held.has(file)) return;
    release();
    onLost(new LeaseLostError(dataDir, null, `its heartbeat failed (${err.message})`));
  });

  worker.unref(); // after the listeners: adding one refs the worker again

  function release() {
    if (!held.delete(file)) return;
    releases.delete(release);
    // Wait out a renewal in flight, so that none lands after the lease file is removed.
    while (Atomics.compareExchange(flag, 0, 0, 1) !== 0) Atomics.wait(flag, 0, 2, 5);
    void worker.terminate();
    if (ours()) fs.rmSync(file, { force: true });
  }
  releases.add(release);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const r of releases) r();
    });
  }
  return release;
}

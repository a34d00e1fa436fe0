// The gateway as a process: its resident memory once idle, and the time from its start to its
// first answer, each against a bare yoga + Pothos server (bench/bare-server.ts) started the same
// way in the same run: both compiled by scripts/build.ts and run as `node <bundle>`, which is how
// `npm start` runs the gateway. Beside them, the floor of the embedded gateway: the bare server
// that also opens PGlite (what PGlite alone costs a process).
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBundle, buildServer, SERVER_ENTRY } from '../scripts/build.js';
import { newSecretsKey } from '../src/format/secret-box.js';
import { scratchDatabases } from './scratch.js';
import { median, ratioLine } from './stats.js';

const REPS = Number(process.env.BENCH_START_REPS ?? 3);
const ROOT = `bench${crypto.randomBytes(24).toString('hex')}`;
const ME = '{ me { uuid isAdmin } }';
const STATIC = '{ static { uuid isAdmin } }';

interface Started {
  child: ChildProcess;
  url: string;
  /** Milliseconds from spawn to the first answer. */
  firstAnswerMs: number;
}

async function answer(url: string, query: string): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ROOT}` },
    body: JSON.stringify({ query }),
  });
  const json = (await res.json()) as { errors?: unknown };
  if (!res.ok || json.errors) throw new Error(`bench request failed: ${res.status} ${JSON.stringify(json)}`);
}

/** Spawns `node <file>`, waits for its listening line, then for its answer to `query`. */
async function start(file: string, env: Record<string, string>, query: string): Promise<Started> {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [file], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PORT: '0',
      HOST: '127.0.0.1',
      ...NPM_START.env,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it listened:\n${out}`)));
  });
  await answer(url, query);
  const firstAnswerMs = Number(process.hrtime.bigint() - t0) / 1e6;
  child.stdout!.resume();
  child.stderr!.resume();
  return { child, url, firstAnswerMs };
}

async function stop(s: Started): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

/** Resident and peak resident memory of a process, in MB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * How `npm start` runs the gateway (package.json's start script, `[VAR=value …] exec node <file>`):
 * the environment it sets is given to every process here, the gateway's and the baselines'.
 */
function npmStart(): { env: Record<string, string>; file: string } {
  const script = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: { start: string } })
    .scripts.start;
  const m = /^((?:\w+=\S+ )*)exec node (\S+)$/.exec(script);
  if (!m || m[2] !== SERVER_ENTRY) throw new Error(`bench: npm start is not what it expects: ${script}`);
  const env = Object.fromEntries(
    m[1]!
      .split(' ')
      .filter(Boolean)
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
  return { env, file: m[2] };
}

const NPM_START = npmStart();
const GATEWAY = NPM_START.file;
/** For the headers: how each process is started. */
const STARTED_AS = `${Object.entries(NPM_START.env)
  .map(([k, v]) => `${k}=${v} `)
  .join('')}node <bundle>`;
const BARE = 'bench/dist/bare-server.js';
const embeddedEnv = (dataDir: string) => ({ DATA_DIR: dataDir, SYSTEM_ROOT_TOKEN: ROOT, LOG_LEVEL: 'warn' });
const floorEnv = (dataDir: string) => ({ BARE_PGLITE_DIR: dataDir });

/** The gateway as `npm start` runs it, and the bare server compiled the same way, from the sources as they are. */
async function buildBoth(): Promise<void> {
  await buildServer();
  await buildBundle({ 'bare-server': 'bench/bare-server.ts' }, 'bench/dist');
}

interface Idle {
  rss: number;
  peak: number;
  /** The gateway's own account (GET /metrics), MB: V8's heap in use, and memory outside it (WASM, buffers). */
  heap?: number;
  external?: number;
}

/** Two of prom-client's default metrics, in MB (`nodejs_heap_size_used_bytes`, `nodejs_external_memory_bytes`). */
async function heapOf(graphqlUrl: string): Promise<{ heap: number; external: number }> {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  const metric = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 1048576;
  return { heap: metric('nodejs_heap_size_used_bytes'), external: metric('nodejs_external_memory_bytes') };
}

/** Resident memory once idle: started, 50 answers, then 3 s with nothing to do. */
async function idle(file: string, env: Record<string, string>, query: string): Promise<Idle> {
  const s = await start(file, env, query);
  try {
    for (let i = 0; i < 50; i++) await answer(s.url, query);
    await new Promise((r) => setTimeout(r, 3000));
    const m = memoryOf(s.child.pid!);
    return file === GATEWAY ? { ...m, ...(await heapOf(s.url)) } : m;
  } finally {
    await stop(s);
  }
}

export async function benchMemory(): Promise<void> {
  await buildBoth();
  const scratch = await scratchDatabases('memory');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'));
  const dataDir = path.join(tmp, 'gateway');
  const floorDir = path.join(tmp, 'floor');
  try {
    console.log(
      `memory: resident memory of the process once idle (after 50 answers and 3 s), MB; ratio = gateway / bare yoga + Pothos; floor = the bare server with PGlite open (one query an answer); every process started as ${STARTED_AS}`,
    );
    const bare = await idle(BARE, {}, STATIC);
    const postgres = await idle(
      GATEWAY,
      {
        DATABASE_URL: await scratch.create(),
        SECRETS_KEY: newSecretsKey().toString('hex'),
        SYSTEM_ROOT_TOKEN: ROOT,
        LOG_LEVEL: 'warn',
      },
      ME,
    );
    const floorNew = await idle(BARE, floorEnv(floorDir), STATIC);
    const embeddedNew = await idle(GATEWAY, embeddedEnv(dataDir), ME);
    const floor = await idle(BARE, floorEnv(floorDir), STATIC);
    const embedded = await idle(GATEWAY, embeddedEnv(dataDir), ME);
    const mb = (x: number) => `${x.toFixed(0)} MB`;
    const line = (label: string, m: Idle, against?: Idle) =>
      console.log(
        `  ${label}: ${mb(m.rss)} idle (peak ${mb(m.peak)}), ratio ${(m.rss / bare.rss).toFixed(2)} to the bare server's ${mb(bare.rss)}` +
          (against
            ? `; ${mb(Math.abs(m.rss - against.rss))} ${m.rss < against.rss ? 'below' : 'above'} the floor's ${mb(against.rss)}`
            : '') +
          (m.heap === undefined ? '' : `; V8 heap used ${mb(m.heap)}, external ${mb(m.external!)}`),
      );
    line('gateway on PostgreSQL', postgres);
    line('gateway embedded, new directory (created and migrated)', embeddedNew, floorNew);
    line('gateway embedded, started again on it', embedded, floor);
    line('floor (bare + PGlite), new directory', floorNew);
    line('floor (bare + PGlite), started again on it', floor);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await scratch.drop();
  }
}

export async function benchStartup(): Promise<void> {
  await buildBoth();
  console.log(
    `startup: spawn to first answer, embedded database, ${REPS} reps; cold = a new data directory (created and migrated), warm = one used before; ratio = gateway / bare yoga + Pothos, started the same way (${STARTED_AS}, as npm start); floor = the bare server with PGlite open, on a new / used directory`,
  );
  const r = {
    cold: [] as number[],
    warm: [] as number[],
    floorCold: [] as number[],
    floorWarm: [] as number[],
    coldOverFloor: [] as number[],
    warmOverFloor: [] as number[],
  };
  const ms = {
    cold: [] as number[],
    warm: [] as number[],
    bare: [] as number[],
    floorCold: [] as number[],
    floorWarm: [] as number[],
  };
  for (let rep = 0; rep < REPS; rep++) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
    const dataDir = path.join(tmp, 'gateway');
    const floorDir = path.join(tmp, 'floor');
    try {
      const timed = async (file: string, env: Record<string, string>, query: string) => {
        const s = await start(file, env, query);
        await stop(s);
        return s.firstAnswerMs;
      };
      const b1 = await timed(BARE, {}, STATIC);
      const fc = await timed(BARE, floorEnv(floorDir), STATIC);
      const c = await timed(GATEWAY, embeddedEnv(dataDir), ME);
      const b2 = await timed(BARE, {}, STATIC);
      const fw = await timed(BARE, floorEnv(floorDir), STATIC);
      const w = await timed(GATEWAY, embeddedEnv(dataDir), ME);
      r.cold.push(c / b1);
      r.warm.push(w / b2);
      r.floorCold.push(fc / b1);
      r.floorWarm.push(fw / b2);
      r.coldOverFloor.push(c / fc);
      r.warmOverFloor.push(w / fw);
      ms.cold.push(c);
      ms.warm.push(w);
      ms.bare.push(b1, b2);
      ms.floorCold.push(fc);
      ms.floorWarm.push(fw);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  const s = (xs: number[]) => `${(median(xs) / 1000).toFixed(2)} s`;
  const lines: [string, number[], string][] = [
    ['first answer, embedded cold / bare', r.cold, `${s(ms.cold)} vs ${s(ms.bare)}`],
    ['first answer, embedded warm / bare', r.warm, `${s(ms.warm)} vs ${s(ms.bare)}`],
    ['floor (bare + PGlite), new directory / bare', r.floorCold, `${s(ms.floorCold)} vs ${s(ms.bare)}`],
    ['floor (bare + PGlite), used directory / bare', r.floorWarm, `${s(ms.floorWarm)} vs ${s(ms.bare)}`],
    ['embedded cold / floor on a new directory', r.coldOverFloor, `${s(ms.cold)} vs ${s(ms.floorCold)}`],
    ['embedded warm / floor on a used directory', r.warmOverFloor, `${s(ms.warm)} vs ${s(ms.floorWarm)}`],
  ];
  for (const [name, ratios, abs] of lines) console.log(`  ${ratioLine(name, ratios)}; ${abs} (medians)`);
}

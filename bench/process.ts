// The gateway as a process: its resident memory once idle, and the time from its start to its
// first answer, each against a bare yoga + Pothos server (bench/bare-server.ts) started the same
// way (`node --import tsx <file>`, as `npm start` runs the gateway) in the same run.
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

/** Spawns `node --import tsx <file>`, waits for its listening line, then for its answer to `query`. */
async function start(file: string, env: Record<string, string>, query: string): Promise<Started> {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', HOST: '127.0.0.1', ...env },
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

const GATEWAY = 'src/server/main.ts';
const BARE = 'bench/bare-server.ts';
const embeddedEnv = (dataDir: string) => ({ DATA_DIR: dataDir, SYSTEM_ROOT_TOKEN: ROOT, LOG_LEVEL: 'warn' });

/** Resident memory once idle: started, 50 answers, then 3 s with nothing to do. */
async function idle(file: string, env: Record<string, string>, query: string) {
  const s = await start(file, env, query);
  try {
    for (let i = 0; i < 50; i++) await answer(s.url, query);
    await new Promise((r) => setTimeout(r, 3000));
    return memoryOf(s.child.pid!);
  } finally {
    await stop(s);
  }
}

export async function benchMemory(): Promise<void> {
  const scratch = await scratchDatabases('memory');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'));
  try {
    console.log(
      'memory: resident memory of the process once idle (after 50 answers and 3 s), MB; ratio = gateway / bare yoga + Pothos',
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
    const embedded = await idle(GATEWAY, embeddedEnv(dataDir), ME);
    const line = (label: string, m: { rss: number; peak: number }) =>
      console.log(
        `  ${label}: ${m.rss.toFixed(0)} MB idle (peak ${m.peak.toFixed(0)} MB), ratio ${(m.rss / bare.rss).toFixed(2)} to the bare server's ${bare.rss.toFixed(0)} MB`,
      );
    line('gateway on PostgreSQL', postgres);
    line('gateway embedded', embedded);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await scratch.drop();
  }
}

export async function benchStartup(): Promise<void> {
  console.log(
    `startup: spawn to first answer, embedded database, ${REPS} reps; cold = a new data directory (created and migrated), warm = one used before; ratio = gateway / bare yoga + Pothos, started the same way`,
  );
  const cold: number[] = [];
  const warm: number[] = [];
  const coldMs: number[] = [];
  const warmMs: number[] = [];
  const bareMs: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
    try {
      const timed = async (file: string, env: Record<string, string>, query: string) => {
        const s = await start(file, env, query);
        await stop(s);
        return s.firstAnswerMs;
      };
      const b1 = await timed(BARE, {}, STATIC);
      const c = await timed(GATEWAY, embeddedEnv(dataDir), ME);
      const b2 = await timed(BARE, {}, STATIC);
      const w = await timed(GATEWAY, embeddedEnv(dataDir), ME);
      cold.push(c / b1);
      warm.push(w / b2);
      coldMs.push(c);
      warmMs.push(w);
      bareMs.push(b1, b2);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const ms = (xs: number[]) => `${(median(xs) / 1000).toFixed(2)} s`;
  console.log(
    `  ${ratioLine('first answer, embedded cold / bare', cold)}; ${ms(coldMs)} vs ${ms(bareMs)} (medians)`,
  );
  console.log(
    `  ${ratioLine('first answer, embedded warm / bare', warm)}; ${ms(warmMs)} vs ${ms(bareMs)} (medians)`,
  );
}

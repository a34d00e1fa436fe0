import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOCK_FILE } from '../../src/db/data-dir-lock.js';
import { pidNamespace, ServerProcess } from '../helpers/server-process.js';

// Real servers on one embedded data directory (PGlite only: PostgreSQL keeps its own data), as
// two containers sharing a volume run them: each pid 1 of a PID namespace of its own.
const ns = pidNamespace();
if ('skip' in ns) console.warn(`Skipping the PID-namespace test: unshare is not permitted here (${ns.skip})`);
const inNamespaces = 'skip' in ns ? test.skip : test;

// A first start on a fresh directory (migrations through WASM), a start after a crash (PGlite's
// recovery, after waiting out the stale lease) and two refused starts: minutes on a loaded machine.
const SERVERS_MS = 400_000;

const ROOT_SECRET = 'onesErverrootsecret0123456789abcdefghijklmnopq';

// One directory for both tests: only the first start applies the migrations.
let dir: string;
const started: ServerProcess[] = [];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crgw-one-server-'));
});
afterEach(async () => {
  for (const s of started.splice(0)) await s.kill();
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(unshare?: string[]): ServerProcess {
  const s = ServerProcess.start(
    { DATA_DIR: path.join(dir, 'data'), SYSTEM_ROOT_TOKEN: ROOT_SECRET },
    unshare,
  );
  started.push(s);
  return s;
}

async function refused(s: ServerProcess): Promise<void> {
  // Whichever comes first: it stops, or it serves (the failure this guards against).
  const { code } = await Promise.race([
    s.exited,
    s.ready().then(
      () => ({ code: 'served' as const }),
      () => s.exited,
    ),
  ]);
  expect(s.text()).toContain('is in use by another gateway process');
  expect(s.text()).toContain('Stop that process first, or use PostgreSQL (DATABASE_URL)');
  expect(code).toBe(1);
}

/** Who the root token is, asked of the server at `url`: proves it serves this directory's data. */
async function me(url: string): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ROOT_SECRET}` },
    body: JSON.stringify({ query: '{ me { uuid } }' }),
  });
  return res.json();
}

test(
  'a second server in the same PID namespace is refused, and a clean stop lets the next start at once',
  async () => {
    const first = start();
    await first.ready();
    await refused(start());
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'data', LOCK_FILE))).toBe(false);
    await start().ready();
  },
  SERVERS_MS,
);

inNamespaces(
  'a second server in another PID namespace is refused; after the first is killed, a new one takes over once the lease is stale',
  async () => {
    const first = start((ns as { args: string[] }).args);
    const url = await first.ready();

    await refused(start((ns as { args: string[] }).args));
    expect(await me(url)).toEqual({ data: { me: { uuid: 'zzzzz-tpzed-000000000000000' } } });

    await first.kill(); // no clean-up: the lease stays until it is stale
    expect(fs.existsSync(path.join(dir, 'data', LOCK_FILE))).toBe(true);
    const next = start((ns as { args: string[] }).args);
    const nextUrl = await next.ready();
    expect(await me(nextUrl)).toEqual({ data: { me: { uuid: 'zzzzz-tpzed-000000000000000' } } });
  },
  SERVERS_MS,
);

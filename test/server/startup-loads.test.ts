// What a start loads: a gateway loads the large parts it may never use (GraphiQL's 9 MB bundle,
// PGlite on PostgreSQL, the schema engine when nothing is to migrate) only when it needs them,
// which keeps its memory and start-up time down (bench: memory, startup).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshPostgresDatabase } from '../helpers/backends.js';
import { TEST_SECRETS_KEY } from '../helpers/gateway.js';
import { gqlAt, ServerProcess } from '../helpers/server-process.js';

const ROOT_SECRET = 'loadsrootsecret0123456789abcdefghijklmnopqrstu';
const PROCESS_MS = 300_000;
const RECORDER = path.resolve('test/helpers/record-loads.mjs');

let dir: string;
const started: ServerProcess[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'startup-loads-'));
});
afterEach(async () => {
  for (const s of started.splice(0)) await s.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts a server that records what it loads, waits for its first answer; returns url and loads(). */
async function startRecording(env: Record<string, string>) {
  const record = path.join(dir, `loads-${started.length}`);
  const server = ServerProcess.start({
    ...env,
    SYSTEM_ROOT_TOKEN: ROOT_SECRET,
    HOST: '127.0.0.1',
    NODE_OPTIONS: `--import=${RECORDER}`,
    RECORD_LOADS: record,
  });
  started.push(server);
  const url = await server.ready(PROCESS_MS);
  const me = await gqlAt(url, ROOT_SECRET, '{ me { uuid } }');
  expect(me.errors).toBeUndefined();
  return { url, server, loads: () => fs.readFileSync(record, 'utf8') };
}

test(
  'embedded: a start does not load GraphiQL, nor the schema engine on a directory already migrated; a browser still gets GraphiQL',
  async () => {
    const env = { DATA_DIR: path.join(dir, 'data') };
    const first = await startRecording(env);
    expect(first.loads()).toContain('/@electric-sql/pglite/');
    expect(first.loads()).toContain('/schema-engine'); // a new directory: migrated
    await first.server.kill();

    const again = await startRecording(env);
    expect(again.loads()).toContain('/@electric-sql/pglite/');
    expect(again.loads()).not.toContain('/schema-engine');
    expect(again.loads()).not.toContain('/render-graphiql/');

    const page = await fetch(again.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/graphiql/i);
    expect(again.loads()).toContain('/render-graphiql/');
  },
  PROCESS_MS,
);

(process.env.TEST_DATABASE_URL ? test : test.skip)(
  'on PostgreSQL: a start loads neither PGlite nor GraphiQL nor the schema engine',
  async () => {
    const db = await freshPostgresDatabase(); // migrated already
    try {
      const { loads } = await startRecording({ DATABASE_URL: db.url, SECRETS_KEY: TEST_SECRETS_KEY });
      expect(loads()).toContain('/graphql-yoga/');
      expect(loads()).not.toContain('pglite');
      expect(loads()).not.toContain('/render-graphiql/');
      expect(loads()).not.toContain('/schema-engine');
    } finally {
      for (const s of started.splice(0)) await s.kill();
      await db.drop();
    }
  },
  PROCESS_MS,
);

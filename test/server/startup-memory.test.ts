// A start that migrated (a new data directory: PGlite's initdb, then every migration through the
// schema engine, whose memory grows to ~500 MB) leaves that memory to the garbage collector, which
// may take minutes to get to it while the server idles: the server collects it before it serves.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerProcess } from '../helpers/server-process.js';

const ROOT_SECRET = 'memoryrootsecret0123456789abcdefghijklmnopqrst';
const PROCESS_MS = 300_000;
const MB = 1024 * 1024;

let dir: string;
let server: ServerProcess | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'startup-memory-'));
});
afterEach(async () => {
  await server?.kill();
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The server's memory outside V8's heap (WASM memories, buffers) as its /metrics reports it. */
async function externalMemory(url: string): Promise<number> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  return Number(/^nodejs_external_memory_bytes (\S+)/m.exec(text)?.[1]);
}

test(
  'embedded, first start on a new directory: what initdb and the migrations used is collected before it serves',
  async () => {
    server = ServerProcess.start({
      DATA_DIR: path.join(dir, 'data'),
      SYSTEM_ROOT_TOKEN: ROOT_SECRET,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    const url = await server.ready(PROCESS_MS);
    // Collected: PGlite's own memory (~140 MB, as on any later start). Left to the collector, the
    // schema engine's and initdb's memories may still be there (380-570 MB seen) whenever V8 has
    // not collected on its own by then.
    expect(await externalMemory(url)).toBeLessThan(250 * MB);
  },
  PROCESS_MS,
);

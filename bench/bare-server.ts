// Baseline A as a process of its own, compiled and started the way `npm start` starts the gateway
// (`node <bundle>`, bench/process.ts): a yoga + Pothos server with one static field and no
// database. With BARE_PGLITE_DIR it is the floor of the embedded gateway: the same server that
// also opens PGlite on that directory as the gateway does (src/db/pglite-start.ts) and answers
// each request after one query to it. What the gateway's start-up time and memory are compared with.
import fs from 'node:fs';
import path from 'node:path';
import { createPGlite } from '../src/db/pglite-start.js';
import { collectGarbage } from '../src/server/collect-garbage.js';
import { addStaticField, baselineBuilder, serveBaseline } from './static-baseline.js';

const dataDir = process.env.BARE_PGLITE_DIR;
const created = dataDir !== undefined && !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
const pglite = dataDir ? await createPGlite(dataDir) : null;
// A new directory: what PGlite's initdb used is collected, as the gateway collects it after a
// start that migrated (src/server/main.ts); left to the collector it may stay for minutes.
if (created) await collectGarbage();
const builder = baselineBuilder();
addStaticField(
  builder,
  pglite
    ? async () => {
        await pglite.query('SELECT 1');
      }
    : undefined,
);
const server = await serveBaseline(builder, Number(process.env.PORT ?? 0));
console.log(`baseline listening: ${server.url} (pid ${process.pid})`);
const stop = () =>
  void server
    .close()
    .then(() => pglite?.close())
    .then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

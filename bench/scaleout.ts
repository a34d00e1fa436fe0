// Several gateways on one PostgreSQL: throughput of `{ me }` and of commits through two gateway
// processes (the load shared out evenly) against one, in the same run, interleaved: the ratio
// says what a second instance adds on this machine (both share its cores with PostgreSQL and
// the load generator, so expect well under 2 here; on machines of their own, more).
import crypto from 'node:crypto';
import pg from 'pg';
import { ServerProcess } from '../test/helpers/server-process.js';
import { gatewayEnv } from './scratch.js';
import { COMMIT_BODY, figure } from './throughput.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROOT = `bench${crypto.randomBytes(24).toString('hex')}`;

export async function benchScaleout(): Promise<void> {
  const name = `bench_scaleout_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const env = gatewayEnv(url.toString(), ROOT);
  const servers: ServerProcess[] = [];
  try {
    // One after the other: the first applies the migrations.
    servers.push(ServerProcess.start(env));
    const one = await servers[0]!.ready();
    servers.push(ServerProcess.start(env));
    const two = await servers[1]!.ready();
    console.log(
      `scaleout: two gateway processes vs one on one PostgreSQL (scratch database ${name}), concurrency 8 in all, ratio = two / one`,
    );
    const me = { query: '{ me { uuid isAdmin } }' };
    await figure(
      '{ me }, 2 gateways / 1',
      { url: [one, two], token: ROOT, body: me },
      { url: one, token: ROOT, body: me },
    );
    await figure(
      'commit (new container), 2 gateways / 1',
      { url: [one, two], token: ROOT, body: COMMIT_BODY },
      { url: one, token: ROOT, body: COMMIT_BODY },
    );
  } finally {
    for (const s of servers) await s.kill();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

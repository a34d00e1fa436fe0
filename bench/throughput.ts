// Gateway throughput on PostgreSQL, each figure a ratio against a baseline measured in the same
// run, interleaved with it (bench/baselines.ts): `{ me }` and `containerAuth` against a static
// yoga + Pothos field, a commit that creates a container against one `pg` INSERT into the same
// table. Every measurement is `BENCH_SECONDS` of HTTP requests at concurrency 8 from a worker
// thread (autocannon); the figure is the median of `BENCH_REPS` ratios, with their spread.
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { newSecretsKey, SecretBox } from '../src/format/secret-box.js';
import { createGateway } from '../src/server/app.js';
import { Logger } from '../src/server/logger.js';
import { startBaselineServer } from './baselines.js';
import { median, ratioLine } from './stats.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const CONCURRENCY = 8;
// A file, not a function: autocannon's worker thread loads it.
const UNIQUE_ID = fileURLToPath(new URL('./unique-id.cjs', import.meta.url));

/** A commit that creates a container (`[<id>]` makes each command, so each container, new). */
export const COMMIT_BODY = {
  query:
    'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid containerUuid } }',
  variables: {
    i: {
      state: 'COMMITTED',
      priority: 1,
      command: ['bench', '[<id>]'],
      containerImage: 'img',
      outputPath: '/out',
      runtimeConstraints: { vcpus: 1, ram: 1000 },
    },
  },
};

export interface Load {
  /** Several urls: the load is spread evenly over them (instances behind a balancer). */
  url: string | string[];
  /** A GraphQL request; `[<id>]` in it is replaced by a fresh id per request. */
  body: { query: string; variables?: Record<string, unknown> };
  token?: string;
}

export function headersOf(load: Load): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(load.token ? { authorization: `Bearer ${load.token}` } : {}),
  };
}

/** One request answered without errors, so that a broken figure fails instead of measuring errors. */
export async function check(load: Load): Promise<void> {
  for (const url of [load.url].flat()) {
    const body = JSON.stringify(load.body).replaceAll('[<id>]', crypto.randomUUID());
    const res = await fetch(url, { method: 'POST', headers: headersOf(load), body });
    const json = (await res.json()) as { errors?: unknown };
    if (!res.ok || json.errors)
      throw new Error(`bench request failed: ${res.status} ${JSON.stringify(json)}`);
  }
}

/** `connections` clients sending `load` to one url for `seconds`, from a worker thread; any failure throws. */
export async function runLoad(url: string, load: Load, seconds: number, connections: number) {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: headersOf(load),
    requests: [{ body: JSON.stringify(load.body), setupRequest: UNIQUE_ID }],
    connections,
    duration: seconds,
    workers: 1,
  });
  if (r.errors || r.non2xx || r.timeouts)
    throw new Error(`bench load failed: ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts`);
  return r;
}

/** Requests per second over `seconds` at `CONCURRENCY` in all (shared out over the urls). */
async function rate(load: Load, seconds: number): Promise<number> {
  const urls = [load.url].flat();
  const rates = await Promise.all(
    urls.map(async (url) => {
      const r = await runLoad(url, load, seconds, CONCURRENCY / urls.length);
      return r.requests.total / r.duration;
    }),
  );
  return rates.reduce((a, b) => a + b, 0);
}

/** Warm-up, then REPS interleaved pairs (alternating which goes first); prints the ratio subject/baseline. */
export async function figure(name: string, subject: Load, baseline: Load): Promise<number> {
  await check(subject);
  await check(baseline);
  // Unmeasured: JIT, query plans, pools.
  await rate(baseline, 1);
  await rate(subject, 1);
  const ratios: number[] = [];
  const subjects: number[] = [];
  const baselines: number[] = [];
  for (let i = 0; i < REPS; i++) {
    let s: number;
    let b: number;
    if (i % 2 === 0) {
      b = await rate(baseline, SECONDS);
      s = await rate(subject, SECONDS);
    } else {
      s = await rate(subject, SECONDS);
      b = await rate(baseline, SECONDS);
    }
    subjects.push(s);
    baselines.push(b);
    ratios.push(s / b);
  }
  console.log(
    `  ${ratioLine(name, ratios)}; ${median(subjects).toFixed(0)} vs ${median(baselines).toFixed(0)} req/s (medians)`,
  );
  return median(ratios);
}

export async function benchThroughput(): Promise<void> {
  const name = `bench_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const config = loadConfig({
    SECRETS_KEY: newSecretsKey().toString('hex'), // a scratch database: a key of this run
    ...process.env,
    DATABASE_URL: url.toString(),
    TOKEN_SWEEP_SECONDS: '0',
  });
  let gateway: Awaited<ReturnType<typeof createGateway>> | undefined;
  let baseline: Awaited<ReturnType<typeof startBaselineServer>> | undefined;
  try {
    gateway = await createGateway(config, { logger: new Logger(() => {}) });
    // C commits with the gateway's key, in the gateway's table, as the gateway's root user.
    baseline = await startBaselineServer(url.toString(), 10, 0, {
      clusterId: config.clusterId,
      secrets: new SecretBox(config.secretsKeys!),
      tokenCacheSeconds: config.tokenCacheSeconds,
    });
    const gw = `${await gateway.listen(0, '127.0.0.1')}/graphql`;
    const root = gateway.rootToken;
    if (root.kind !== 'generated') throw new Error('expected a generated root token on a scratch database');
    const token = root.apiToken;
    console.log(
      `throughput: PostgreSQL (scratch database ${name}), concurrency ${CONCURRENCY}, ${REPS} × ${SECONDS} s per side, ratio = gateway / baseline`,
    );

    const staticField: Load = { url: baseline.url, body: { query: '{ static { uuid isAdmin } }' } };
    const insert: Load = {
      url: baseline.url,
      body: {
        query: 'mutation($c: [String!]!) { insertContainer(command: $c) }',
        variables: { c: ['bench', '[<id>]'] },
      },
    };
    await figure(
      '{ me } / static field',
      { url: gw, token, body: { query: '{ me { uuid isAdmin } }' } },
      staticField,
    );

    const commit: Load = { url: gw, token, body: COMMIT_BODY };
    // C: the statements a commit cannot do without (the gateway's SQL) through plain pg.
    const floor: Load = {
      url: baseline.url,
      token,
      body: {
        query: 'mutation($c: [String!]!) { commitFloor(command: $c) { uuid containerUuid } }',
        variables: { c: ['bench', '[<id>]'] },
      },
    };
    await figure('commit (new container) / one pg INSERT', commit, insert);
    await figure('commit (new container) / floor C (its statements through pg)', commit, floor);
    await figure('floor C / one pg INSERT (how far the target is reachable)', floor, insert);

    // The dispatcher's call: the token of a container its token has locked.
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(gw, {
        method: 'POST',
        headers: headersOf({ url: gw, token, body: { query } }),
        body: JSON.stringify({ query, variables }),
      });
      const json = (await res.json()) as { data?: Record<string, Record<string, string>>; errors?: unknown };
      if (json.errors || !json.data) throw new Error(JSON.stringify(json));
      return json.data;
    };
    const made = await gql(
      'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { containerUuid } }',
      { i: { ...COMMIT_BODY.variables.i, priority: 1000, command: ['bench', 'auth'] } },
    );
    const containerUuid = made.createContainerRequest!.containerUuid!;
    await gql('mutation($u: ID!) { lockContainer(uuid: $u) { uuid } }', { u: containerUuid });
    const auth: Load = {
      url: gw,
      token,
      body: {
        query: 'query($u: ID!) { containerAuth(uuid: $u) { uuid apiToken } }',
        variables: { u: containerUuid },
      },
    };
    // D: containerAuth's own statement (and the token's read, as the gateway keeps it) through plain pg.
    const authFloor: Load = {
      url: baseline.url,
      token,
      body: {
        query: 'query($u: String!) { containerAuthFloor(uuid: $u) { uuid apiToken } }',
        variables: { u: containerUuid },
      },
    };
    await figure('containerAuth / static field', auth, staticField);
    await figure('containerAuth / floor D (its statement through pg)', auth, authFloor);
    await figure('floor D / static field (how far the target is reachable)', authFloor, staticField);
  } finally {
    await baseline?.close();
    await gateway?.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

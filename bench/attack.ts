// One client's latency while another attacks: `{ me }` from one client (concurrency 1) on a
// gateway process over PostgreSQL while an ordinary user sends, back to back, the costliest query
// the limits allow (bench/attack-query.ts sized just under MAX_QUERY_COST over a container shared
// by 100 requests), against the same latency with no attacker, interleaved (bench/README.md).
import crypto from 'node:crypto';
import { parse } from 'graphql';
import { loadConfig } from '../src/config.js';
import { schema } from '../src/schema/index.js';
import { operationCost } from '../src/server/operation-cost.js';
import { gqlAt, ServerProcess } from '../test/helpers/server-process.js';
import { attackQuery } from './attack-query.js';
import { gatewayEnv, scratchDatabases } from './scratch.js';
import { median, quantile, ratioLine } from './stats.js';
import { COMMIT_BODY, headersOf, type Load, runLoad } from './throughput.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const ROOT = `bench${crypto.randomBytes(24).toString('hex')}`;
const SHARED_BY = 100;

/** The costliest attack within `maxCost` (1 to 3 levels, any page size), by the server's own estimate. */
function costliest(maxCost: number): { query: string; levels: number; first: number; cost: number } {
  let best = { query: '', levels: 0, first: 0, cost: 0 };
  for (let levels = 1; levels <= 3; levels++) {
    for (let first = 1; first <= SHARED_BY; first++) {
      const query = attackQuery(levels, first);
      const cost = operationCost({
        schema,
        document: parse(query),
        contextValue: {},
        variableValues: { u: 'zzzzz-dz642-000000000000000' },
      });
      if (typeof cost !== 'number' || cost > maxCost) break;
      if (cost > best.cost) best = { query, levels, first, cost };
    }
  }
  return best;
}

async function gql(url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const r = await gqlAt(url, token, query, variables);
  if (r.errors || !r.data) throw new Error(`bench setup failed: ${r.body.slice(0, 500)}`);
  return r.data;
}

/** An ordinary user (not admin: held to every limit) and a token of its own. */
async function ordinaryUser(url: string): Promise<string> {
  const made = await gql(url, ROOT, 'mutation($i: CreateUserInput!) { createUser(input: $i) { uuid } }', {
    i: { email: 'attacker@example.com', fullName: 'Attacker', isAdmin: false, isActive: true },
  });
  const issued = await gql(
    url,
    ROOT,
    'mutation($i: CreateApiClientAuthorizationInput!) { createApiClientAuthorization(input: $i) { apiToken } }',
    { i: { userUuid: made.createUser.uuid, scopes: ['all'] } },
  );
  return issued.createApiClientAuthorization.apiToken;
}

/** SHARED_BY identical committed requests of `token`'s: they share one container, whose uuid this is. */
async function sharedContainer(url: string, token: string): Promise<string> {
  const commit = () =>
    gql(url, token, COMMIT_BODY.query, { i: { ...COMMIT_BODY.variables.i, command: ['bench', 'attack'] } });
  const first = await commit();
  for (let i = 1; i < SHARED_BY; i += 10)
    await Promise.all(Array.from({ length: Math.min(10, SHARED_BY - i) }, commit));
  return first.createContainerRequest.containerUuid;
}

interface Latency {
  p50: number;
  p99: number;
  /** Attacks answered meanwhile, and their median time (ms). */
  attacks: number;
  attackP50: number;
}

/**
 * The victim's latencies (ms) over SECONDS, timed here one request after another, while the
 * attacker (autocannon, in a worker thread: its answers are not parsed on this thread) sends the
 * attack back to back, or not.
 */
async function latency(victim: Load & { url: string }, attack?: Load & { url: string }): Promise<Latency> {
  const attacking = attack ? runLoad(attack.url, attack, SECONDS, 1) : null;
  attacking?.catch(() => {}); // awaited below
  const times: number[] = [];
  const body = JSON.stringify(victim.body);
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const started = performance.now();
    const res = await fetch(victim.url, { method: 'POST', headers: headersOf(victim), body });
    const json = (await res.json()) as { errors?: unknown };
    if (!res.ok || json.errors)
      throw new Error(`bench request failed: ${res.status} ${JSON.stringify(json)}`);
    times.push(performance.now() - started);
  }
  const a = await attacking;
  return {
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    attacks: a?.requests.total ?? 0,
    attackP50: a?.latency.p50 ?? 0,
  };
}

export async function benchAttack(): Promise<void> {
  const dbs = await scratchDatabases('attack');
  try {
    const dbUrl = await dbs.create();
    const name = new URL(dbUrl).pathname.slice(1);
    const env = gatewayEnv(dbUrl, ROOT);
    const maxCost = loadConfig(env).maxQueryCost;
    const server = ServerProcess.start(env);
    try {
      const url = await server.ready();
      const token = await ordinaryUser(url);
      const shared = await sharedContainer(url, token);
      const attack = costliest(maxCost);
      const attackLoad = { url, token, body: { query: attack.query, variables: { u: shared } } };
      // Answered in full, not refused: autocannon only sees the HTTP status.
      const answer = JSON.stringify(await gql(url, token, attack.query, { u: shared }));
      // The victim is an admin token: no rate limit of its own to meet at concurrency 1.
      const victim = { url, token: ROOT, body: { query: '{ me { uuid isAdmin } }' } };
      console.log(
        `attack: { me } latency of one client (concurrency 1) while an ordinary user sends, back to back, the costliest query the limits allow (${attack.levels} levels of containerRequests(first: ${attack.first}), cost ${attack.cost} of MAX_QUERY_COST ${maxCost}, ${(answer.length / 1024).toFixed(0)} KiB of data), vs no attacker; one gateway process on PostgreSQL (scratch database ${name}), ${REPS} × ${SECONDS} s per side, ratio = attacked / quiet (1 = unaffected, 3 = three times slower)`,
      );
      // Unmeasured: JIT, query plans, pools.
      await latency(victim, attackLoad);
      const p50: number[] = [];
      const p99: number[] = [];
      const quiet: number[] = [];
      const attacked: number[] = [];
      const attacks: number[] = [];
      const attackTimes: number[] = [];
      for (let i = 0; i < REPS; i++) {
        // Alternating which goes first, so that both sides see the same drift of the machine.
        const got = new Map<boolean, Latency>();
        for (const withAttack of i % 2 === 0 ? [false, true] : [true, false])
          got.set(withAttack, await latency(victim, withAttack ? attackLoad : undefined));
        const [q, a] = [got.get(false)!, got.get(true)!];
        p50.push(a.p50 / q.p50);
        p99.push(a.p99 / q.p99);
        quiet.push(q.p50);
        attacked.push(a.p50);
        attacks.push(a.attacks);
        attackTimes.push(a.attackP50);
      }
      console.log(
        `  ${ratioLine('{ me } p50 latency, attacked / quiet', p50)}; ${median(attacked).toFixed(1)} vs ${median(quiet).toFixed(1)} ms (medians)`,
      );
      console.log(`  ${ratioLine('{ me } p99 latency, attacked / quiet', p99)}`);
      console.log(
        `  the attacker: ${median(attacks)} attacks answered per ${SECONDS} s, ${median(attackTimes).toFixed(0)} ms each (medians)`,
      );
    } finally {
      await server.kill();
    }
  } finally {
    await dbs.drop();
  }
}

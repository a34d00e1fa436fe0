// Dispatcher throughput: containers per second from QUEUED (the commit) to COMPLETE for a
// trivial command (`true`), through a gateway over HTTP and `src/dispatcher/main.ts` as its own
// process — against the same number of bare child_process.spawn('true') calls at the same
// concurrency (the dispatcher's vcpus budget), measured in the same run. Reported as a ratio
// (what the platform's bookkeeping costs per container), with the spread of the repetitions.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { newSecretsKey } from '../src/format/secret-box.js';
import { createGateway } from '../src/server/app.js';
import { Logger } from '../src/server/logger.js';
import { ratioLine } from './stats.js';

const CONTAINERS = Number(process.env.BENCH_DISPATCH_CONTAINERS ?? 60);
const ROUNDS = Number(process.env.BENCH_DISPATCH_ROUNDS ?? 3);
const VCPUS = 2;

/** `n` spawns of `true`, `concurrency` at a time: per second. */
async function bareSpawns(n: number, concurrency: number): Promise<number> {
  const start = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await new Promise<void>((resolve, reject) => {
        const child = spawn('true', [], { stdio: 'ignore', detached: true });
        child.once('error', reject);
        child.once('exit', () => resolve());
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function benchDispatcher(): Promise<void> {
  const config = loadConfig({
    SECRETS_KEY: newSecretsKey().toString('hex'), // a scratch database: a key of this run
    ...process.env,
    DATA_DIR: 'memory://',
    TOKEN_SWEEP_SECONDS: '0',
  });
  const gateway = await createGateway(config, { logger: new Logger(() => {}) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dispatch-'));
  const url = await gateway.listen(0, '127.0.0.1');
  const root = gateway.rootToken;
  const token = root.kind === 'generated' ? root.apiToken : process.env.SYSTEM_ROOT_TOKEN;
  if (!token) throw new Error('the dispatcher benchmark needs the root token: run it on a fresh database');
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as {
      data?: Record<string, { uuid: string; containerUuid: string }>;
      errors?: unknown;
    };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  };
  const dispatcher = spawn(process.execPath, ['--import', 'tsx', 'src/dispatcher/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GATEWAY_URL: `${url}/graphql`,
      DISPATCHER_TOKEN: token,
      DISPATCH_DIR: dir,
      DISPATCH_VCPUS: String(VCPUS),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    console.log(
      `dispatcher: ${gateway.services.config.database.kind}, ${CONTAINERS} containers of \`true\` per round, ${VCPUS} at a time, ${ROUNDS} rounds`,
    );
    /** Commits `n` requests at once, waits for all to finish; containers per second from the first QUEUED to the last COMPLETE. */
    const round = async (label: string, n: number): Promise<number> => {
      const made = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          gql(
            `mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid containerUuid } }`,
            {
              i: {
                state: 'COMMITTED',
                priority: 1,
                command: ['true', label, String(i)],
                containerImage: 'none',
                outputPath: '/out',
                runtimeConstraints: { vcpus: 1, ram: 1000 },
              },
            },
          ),
        ),
      );
      const uuids = made.map((m) => m.createContainerRequest!.containerUuid);
      let shown = Date.now();
      for (;;) {
        const rows = await gateway.services.db.prisma.container.findMany({
          where: { uuid: { in: uuids } },
          select: { state: true, createdAt: true, finishedAt: true },
        });
        if (rows.some((r) => r.state === 'CANCELLED')) throw new Error('a benchmark container was cancelled');
        if (rows.every((r) => r.state === 'COMPLETE')) {
          const first = Math.min(...rows.map((r) => r.createdAt.getTime()));
          const last = Math.max(...rows.map((r) => r.finishedAt!.getTime()));
          return n / ((last - first) / 1000);
        }
        if (Date.now() - shown >= 2000) {
          process.stdout.write(
            `  ${label}: ${rows.filter((r) => r.state === 'COMPLETE').length}/${n} complete\n`,
          );
          shown = Date.now();
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // Unmeasured: the dispatcher's start-up, JIT and query plans.
    await round('warm-up', 10);
    await bareSpawns(10, VCPUS);
    const ratios: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      // Interleaved, so that both see the same machine load.
      const spawned = await bareSpawns(CONTAINERS, VCPUS);
      const dispatched = await round(`round ${r}`, CONTAINERS);
      ratios.push(dispatched / spawned);
      console.log(
        `  round ${r}: dispatcher ${dispatched.toFixed(1)} containers/s, bare spawn ${spawned.toFixed(0)}/s, ratio ${(dispatched / spawned).toFixed(4)}`,
      );
    }
    console.log(`  ${ratioLine('dispatcher / bare spawn', ratios, 4)}`);
  } finally {
    dispatcher.kill('SIGTERM');
    await new Promise((r) => dispatcher.once('exit', r));
    await gateway.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

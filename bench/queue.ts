// The dispatcher's queue page (the first 100 QUEUED containers by priority) with 200k queued in
// 1M containers, against the same page with 10k queued in 50k containers: two gateways in this
// process, each on a scratch PostgreSQL database of its own, measured interleaved (figure()).
// The ratio is time with the big queue over time with the small one (the small one's rate over
// the big one's): 1 means the page ignores the queue's size.
import { loadConfig } from '../src/config.js';
import { QUEUE } from '../src/dispatcher/operations.js';
import { newSecretsKey } from '../src/format/secret-box.js';
import { createGateway } from '../src/server/app.js';
import { Logger } from '../src/server/logger.js';
import { insertFillerContainers } from './fill-containers.js';
import { scratchDatabases } from './scratch.js';
import { figure } from './throughput.js';

// Containers in the big and the small table; a fifth of each is QUEUED (the filler's mix).
const BIG = Number(process.env.BENCH_QUEUE_BIG ?? 1_000_000);
const SMALL = Number(process.env.BENCH_QUEUE_SMALL ?? 50_000);

type Gateway = Awaited<ReturnType<typeof createGateway>>;

/** A gateway on a new scratch database holding `rows` filler containers; returns its URL and token. */
async function filledGateway(databaseUrl: string, rows: number, opened: Gateway[]) {
  const config = loadConfig({
    SECRETS_KEY: newSecretsKey().toString('hex'),
    ...process.env,
    DATABASE_URL: databaseUrl,
    TOKEN_SWEEP_SECONDS: '0',
  });
  const gateway = await createGateway(config, { logger: new Logger(() => {}) });
  opened.push(gateway);
  const { prisma } = gateway.services.db;
  const started = Date.now();
  for (let from = 0; from < rows; from += 100_000) {
    const to = Math.min(rows, from + 100_000);
    await insertFillerContainers(prisma, from, to);
    process.stdout.write(`  ${to}/${rows} containers\r`);
  }
  process.stdout.write('\n');
  await prisma.$executeRawUnsafe('VACUUM ANALYZE containers, container_counts');
  const queued = await prisma.container.count({ where: { state: 'QUEUED' } });
  console.log(
    `  ${rows} containers, ${queued} QUEUED (filled in ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  const root = gateway.rootToken;
  if (root.kind !== 'generated') throw new Error('expected a generated root token on a scratch database');
  return { url: `${await gateway.listen(0, '127.0.0.1')}/graphql`, token: root.apiToken };
}

export async function benchQueue(): Promise<void> {
  const scratch = await scratchDatabases('queue');
  const gateways: Gateway[] = [];
  try {
    console.log(
      `queue: the dispatcher's queue page (first 100 QUEUED by priority) on PostgreSQL, ${BIG} vs ${SMALL} containers`,
    );
    const big = await filledGateway(await scratch.create('_big'), BIG, gateways);
    const small = await filledGateway(await scratch.create('_small'), SMALL, gateways);
    const page = { query: QUEUE, variables: { first: 100 } };
    await figure(
      `queue page, ${BIG / 5} queued / ${SMALL / 5} queued (time ratio: small's rate / big's)`,
      { ...small, body: page },
      { ...big, body: page },
    );
    // totalCount counts the whole filtered set: asked for, it makes the page O(queue).
    const counted = {
      query:
        'query { containers(filter: {state: QUEUED, minPriority: 1}, orderBy: {field: PRIORITY, direction: DESC}, first: 100) { totalCount nodes { uuid } } }',
    };
    await figure(
      `queue page with totalCount, ${BIG / 5} queued / ${SMALL / 5} queued (time ratio)`,
      { ...small, body: counted },
      { ...big, body: counted },
    );
  } finally {
    for (const g of gateways) await g.close();
    await scratch.drop();
  }
}

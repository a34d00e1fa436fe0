// Commit cost against the number of containers: reuse must be an index lookup (design.md §8), so
// committing with 100k containers in the table should cost about what it costs with 1k.
// Reported as a ratio against the 1k baseline measured in the same run.

import { loadConfig } from '../src/config.js';
import type { PrismaClient } from '../src/db/client.js';
import { openDatabase } from '../src/db/client.js';
import { createContainerRequest } from '../src/domain/container-requests.js';
import { newSecretsKey } from '../src/format/secret-box.js';
import { insertFillerContainers } from './fill-containers.js';
import { adminDomain } from './scratch.js';

const SIZES = (process.env.BENCH_SIZES ?? '1000,100000').split(',').map(Number);
const COMMITS = Number(process.env.BENCH_COMMITS ?? 200);

export async function benchReuseLookup(): Promise<void> {
  const config = loadConfig({
    SECRETS_KEY: newSecretsKey().toString('hex'), // a scratch database: a key of this run
    ...process.env,
    DATA_DIR: 'memory://',
    TOKEN_SWEEP_SECONDS: '0',
  });
  const db = await openDatabase(config.database);
  try {
    const domain = await adminDomain(db, config);
    console.log(`reuse lookup: ${config.database.kind}, ${COMMITS} commits per size`);

    // Half the commits reuse (same fields as an earlier one), half create a new container.
    const commits = async (label: string): Promise<number> => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < COMMITS; i++) {
        const input = {
          state: 'COMMITTED' as const,
          priority: 1,
          command: ['bench', label, `${i % (COMMITS / 2)}`],
          containerImage: 'img',
          outputPath: '/out',
          runtimeConstraints: { vcpus: 1, ram: 1000 },
        };
        await createContainerRequest(domain, input);
      }
      return Number(process.hrtime.bigint() - start) / 1e6 / COMMITS;
    };
    // Unmeasured first round: JIT, query plans and caches warm up before the baseline.
    await commits('warm-up');

    let have = 0;
    let baseline = 0;
    for (const size of SIZES) {
      await fillContainers(db.prisma, have, size);
      have = size;
      await db.prisma.$executeRawUnsafe('ANALYZE containers');
      const perCommitMs = await commits(String(size));
      if (!baseline) baseline = perCommitMs;
      const plan = await db.prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
        "EXPLAIN SELECT uuid FROM containers WHERE reuse_hash = 'x' AND state IN ('RUNNING','LOCKED','QUEUED')",
      );
      const usesIndex = plan.some((r) => /Index|Bitmap/.test(r['QUERY PLAN']));
      console.log(
        `  ${String(size).padStart(8)} containers: ${perCommitMs.toFixed(2)} ms/commit, ratio to baseline ${(perCommitMs / baseline).toFixed(2)}, lookup uses index: ${usesIndex}`,
      );
    }
  } finally {
    await db.close();
  }
}

/** Adds filler containers [from, to) in batches, with progress. */
async function fillContainers(prisma: PrismaClient, from: number, to: number): Promise<void> {
  const batch = 20_000;
  for (let start = from; start < to; start += batch) {
    const end = Math.min(to, start + batch);
    await insertFillerContainers(prisma, start, end);
    process.stdout.write(`  filling containers: ${end}/${to}\r`);
  }
  process.stdout.write('\n');
}

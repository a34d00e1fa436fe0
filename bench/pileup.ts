// Committing onto a container that already has 5,000 requests against committing onto one that
// has 1, on PostgreSQL: the container's priority is worked out again at every commit, and must
// not read every request on it. Commits go straight to the domain (createContainerRequest), one
// at a time, alternating between the two containers; each added request is deleted again
// (untimed), so every commit sees exactly 1 or 5,000. The ratio is the mean time of a commit
// onto the piled-up container over the mean onto the lone one, per repetition.
import { loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/client.js';
import { createContainerRequest } from '../src/domain/container-requests.js';
import type { DomainContext } from '../src/domain/context.js';
import { newSecretsKey } from '../src/format/secret-box.js';
import { adminDomain, scratchDatabases } from './scratch.js';
import { ratioLine } from './stats.js';

const PILE = Number(process.env.BENCH_PILE ?? 5000);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const COMMITS = Number(process.env.BENCH_PILE_COMMITS ?? 100);

export async function benchPileup(): Promise<void> {
  const scratch = await scratchDatabases('pileup');
  try {
    const config = loadConfig({
      SECRETS_KEY: newSecretsKey().toString('hex'), // a scratch database: a key of this run
      ...process.env,
      DATABASE_URL: await scratch.create(),
      TOKEN_SWEEP_SECONDS: '0',
    });
    const db = await openDatabase(config.database);
    try {
      await measure(db, await adminDomain(db, config));
    } finally {
      await db.close();
    }
  } finally {
    await scratch.drop();
  }
}

async function measure(db: Database, domain: DomainContext): Promise<void> {
  const input = (command: string[]) => ({
    state: 'COMMITTED' as const,
    priority: 1,
    command,
    containerImage: 'img',
    outputPath: '/out',
    runtimeConstraints: { vcpus: 1, ram: 1000 },
  });
  const lone = ['bench', 'lone'];
  const piled = ['bench', 'piled'];
  await createContainerRequest(domain, input(lone));
  const { uuid: first } = await createContainerRequest(domain, input(piled));
  const { containerUuid } = await db.prisma.containerRequest.findUniqueOrThrow({
    where: { uuid: first },
    select: { containerUuid: true },
  });
  // The pile: copies of the first request, COMMITTED on the same container, of every priority.
  await db.prisma.$executeRawUnsafe(
    `INSERT INTO container_requests (uuid, owner_uuid, state, priority, command, container_image, output_path,
         runtime_constraints, container_uuid, container_count, created_at)
       SELECT 'zzzzz-xvhdp-' || lpad(to_hex(g), 15, '0'), owner_uuid, 'COMMITTED', 1 + g % 1000, command,
         container_image, output_path, runtime_constraints, container_uuid, 1, now() - make_interval(secs => g)
       FROM container_requests, generate_series(1, $1) AS g WHERE uuid = $2`,
    PILE - 1,
    first,
  );
  await db.prisma.$executeRawUnsafe('ANALYZE container_requests');
  console.log(
    `pileup: commits onto a container with ${PILE} requests vs with 1, PostgreSQL, ${REPS} × ${COMMITS} commits each, ratio = time piled / time lone`,
  );
  const commit = async (command: string[]): Promise<number> => {
    const start = process.hrtime.bigint();
    const { uuid } = await createContainerRequest(domain, input(command));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    await db.prisma.$executeRaw`DELETE FROM container_requests WHERE uuid = ${uuid}`;
    return ms;
  };
  const check = await db.prisma.containerRequest.count({ where: { containerUuid } });
  if (check !== PILE) throw new Error(`the pile has ${check} requests, not ${PILE}`);
  for (let i = 0; i < COMMITS; i++) await commit(i % 2 ? lone : piled); // warm-up, unmeasured
  const ratios: number[] = [];
  let piledMs = 0;
  let loneMs = 0;
  for (let rep = 0; rep < REPS; rep++) {
    let p = 0;
    let l = 0;
    for (let i = 0; i < COMMITS; i++) {
      if ((i + rep) % 2) {
        l += await commit(lone);
        p += await commit(piled);
      } else {
        p += await commit(piled);
        l += await commit(lone);
      }
    }
    ratios.push(p / l);
    piledMs += p;
    loneMs += l;
  }
  const n = REPS * COMMITS;
  console.log(
    `  ${ratioLine(`commit onto ${PILE} requests / onto 1`, ratios)}; ${(piledMs / n).toFixed(2)} vs ${(loneMs / n).toFixed(2)} ms per commit (means)`,
  );
}

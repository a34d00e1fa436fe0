// Hot reads outside a transaction go through the pg Pool on PostgreSQL (src/db/direct-read.ts):
// the same rows as Prisma's $queryRaw, value for value, in the statements' log, and prepared.
import { spawnSync } from 'node:child_process';
import { type Database, Prisma } from '../../src/db/client.js';
import { readRows } from '../../src/db/direct-read.js';
import { databaseFailure } from '../../src/db/errors.js';
import { prepared } from '../../src/db/prepared.js';
import { BACKENDS, freshDatabase } from '../helpers/backends.js';

// Every type the direct path parses itself, with NULLs, and text with a space and a quote.
const VALUES = Prisma.sql`
  SELECT 9007199254740993::int8 AS big, ARRAY[1, NULL, 3]::int8[] AS bigs,
         TIMESTAMP '2026-01-02 03:04:05.678' AS at, NULL::timestamp AS no_at,
         ARRAY[TIMESTAMP '1999-12-31 23:59:59.999', NULL]::timestamp[] AS ats,
         TIMESTAMPTZ '2026-01-02 03:04:05.678+02' AS at_tz,
         ARRAY['a b', NULL, 'c"d']::text[] AS texts, 7::int4 AS small, true AS yes,
         '{"k": [1, "x"]}'::jsonb AS doc, ${'a param'}::text AS param,
         ${new Date('2026-03-04T05:06:07.089Z')}::timestamp AS date_param`;

test('a `timestamp` is read as UTC in any zone of the process (pg alone would read local time)', () => {
  // A process of its own: TZ is read by node at start, and jest's process.env is its own copy.
  const script = `
    import { PRISMA_TYPES } from './src/db/direct-read.ts';
    const one = PRISMA_TYPES.getTypeParser(1114)('2026-01-02 03:04:05.678');
    const all = PRISMA_TYPES.getTypeParser(1115)('{"1999-12-31 23:59:59.999",NULL}');
    console.log(JSON.stringify([one, ...all]));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, TZ: 'America/New_York', NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  expect(child.stderr).toBe('');
  expect(JSON.parse(child.stdout)).toEqual(['2026-01-02T03:04:05.678Z', '1999-12-31T23:59:59.999Z', null]);
});

describe.each(BACKENDS)('direct reads (%s)', (backend) => {
  let db: Database;
  const log: string[] = [];
  beforeAll(async () => {
    db = await freshDatabase(backend, { log: (e) => log.push(e.query) });
    await db.prisma.$queryRaw`SELECT 1`; // connected: the pool exists
  });
  afterAll(async () => {
    await db.close();
  });

  test('readRows gives what $queryRaw gives, value for value', async () => {
    const viaPrisma = await db.prisma.$queryRaw<Record<string, unknown>[]>(VALUES);
    const direct = await readRows<Record<string, unknown>>(db.prisma, VALUES);
    expect(direct).toEqual(viaPrisma);
    expect(direct[0]!.at).toEqual(new Date('2026-01-02T03:04:05.678Z'));
    expect(direct[0]!.big).toBe(9007199254740993n);
    expect(direct[0]!.date_param).toEqual(new Date('2026-03-04T05:06:07.089Z'));
  });

  test('a direct read is in the statements log, as every statement', async () => {
    log.length = 0;
    await readRows(db.prisma, Prisma.sql`SELECT ${1}::int AS one -- direct-read.test`);
    expect(log.filter((q) => q.includes('direct-read.test'))).toHaveLength(1);
  });

  test('an error keeps its SQLSTATE, and a statement past its limit reads as a timeout', async () => {
    const sql = prepared(Prisma.sql`SELECT ${2}::int / ${0}::int AS x -- direct-read.test`);
    const err = await readRows(db.prisma, sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toMatch(/division by zero/);
    if (backend !== 'postgres') return; // PGlite has no statement_timeout of ours
    const slow = await freshDatabase(backend, { timeouts: { statementMs: 200, connectMs: 5_000 } });
    try {
      await slow.prisma.$queryRaw`SELECT 1`;
      const late = await readRows(slow.prisma, Prisma.sql`SELECT pg_sleep(2)::text`).catch((e: unknown) => e);
      expect(databaseFailure(late)).toBe('timeout');
    } finally {
      await slow.close();
    }
  });
});

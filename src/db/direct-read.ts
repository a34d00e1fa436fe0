import pg from 'pg';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { preparedStatementName } from './prepared.js';

// A hot read that runs on its own (no transaction) costs more in Prisma's client than in the
// driver: on PostgreSQL its $queryRaw spends ~100 µs of the main thread per statement in the
// query engine (serialising the request, mapping every value), about as much as the rest of a
// cached `containerAuth`. Such reads go through the driver adapter's own pg Pool instead: the
// same connections, statement_timeout and prepared-statement names, and the same values back
// as $queryRaw gives (timestamps as UTC Dates, bigint as BigInt). PGlite, a transaction's
// client, and a client not connected yet keep using $queryRaw.

type Reader = <T>(sql: Prisma.Sql) => Promise<T[]>;
/** What readRows needs of a client: any Db (client.ts), a transaction's included. */
type Raw = Pick<PrismaClient, '$queryRaw'>;

const readers = new WeakMap<object, Reader>();

/** The rows of a read-only `sql`, through the pool when `db` has one (see above), else $queryRaw. */
export function readRows<T>(db: Raw, sql: Prisma.Sql): Promise<T[]> {
  const read = readers.get(db);
  return read ? read<T>(sql) : db.$queryRaw<T[]>(sql);
}

/** What the statements' log receives, as Prisma's query event gives it. */
export type QueryLog = (event: { query: string; params: string }) => void;

/** Makes readRows on `prisma` go through `pool()` once it returns the connected pool. */
export function readThroughPool(prisma: object, pool: () => pg.Pool | null, log?: QueryLog): void {
  readers.set(prisma, async <T>(sql: Prisma.Sql) => {
    const p = pool();
    if (!p) return (prisma as Raw).$queryRaw<T[]>(sql);
    log?.({ query: sql.text, params: JSON.stringify(sql.values, jsonSafe) });
    const name = preparedStatementName({ sql: sql.text }) || undefined;
    const result = await p.query({
      name,
      text: sql.text,
      // pg would write a Date in the process's local zone; Prisma writes UTC.
      values: sql.values.map((v) => (v instanceof Date ? v.toISOString() : v)),
      types: PRISMA_TYPES,
    });
    return result.rows as T[];
  });
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

const { builtins } = pg.types;
const TEXT_ARRAY = 1009;
const TIMESTAMP_ARRAY = 1115;
const INT8_ARRAY = 1016;
// PostgreSQL's text form of a `timestamp` (no zone) is UTC here, as Prisma writes it; pg's own
// parser would read it in the process's local zone.
const utc = (v: string) => new Date(`${v.replace(' ', 'T')}Z`);
const arrayOf = <T>(item: (v: string) => T) => {
  const parseArray = (pg.types.getTypeParser as (oid: number) => (v: string) => (string | null)[])(
    TEXT_ARRAY,
  );
  return (v: string) => parseArray(v).map((s) => (s === null ? s : item(s)));
};
const OVERRIDES = new Map<number, (v: string) => unknown>([
  [builtins.TIMESTAMP, utc],
  [TIMESTAMP_ARRAY, arrayOf(utc)],
  [builtins.INT8, (v) => BigInt(v)],
  [INT8_ARRAY, arrayOf((v) => BigInt(v))],
]);
export const PRISMA_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' && OVERRIDES.has(oid)
      ? OVERRIDES.get(oid)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

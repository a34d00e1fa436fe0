import type { TestGateway } from './gateway.js';

/** A raw SQL query on the gateway's database (what the API never shows: secrets, columns). */
export function sql<T = Record<string, unknown>>(
  gw: TestGateway,
  query: string,
  ...params: unknown[]
): Promise<T[]> {
  return gw.gateway.services.db.prisma.$queryRawUnsafe<T[]>(query, ...params);
}

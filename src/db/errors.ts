/**
 * What a database error says about the database, for the errors the client gets: `timeout`
 * when a statement ran past its limit (statement_timeout, or a lock waited on as long),
 * `unavailable` when the server cannot be reached or stopped answering (no connection within
 * the pool's timeout, a read that timed out, a connection lost). Anything else: null.
 */
export type DatabaseFailure = 'timeout' | 'unavailable';

// PostgreSQL: query_canceled (statement_timeout), lock_not_available (lock_timeout).
const TIMEOUT_SQLSTATES = new Set(['57014', '55P03']);
// Prisma: P1008 operations timed out.
const TIMEOUT_PRISMA = new Set(['P1008']);
// Prisma: P1001 cannot reach the server, P1002 server timed out, P1017 server closed the
// connection, P2024 no connection from the pool in time.
const UNAVAILABLE_PRISMA = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
// The driver adapter's kinds for the same (@prisma/adapter-pg).
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
// node-postgres' own messages, which Prisma passes on as they are: a pool that could not get
// a connection in time, a read that timed out, a connection that went away.
const UNAVAILABLE_MESSAGES =
  /^(Query read timeout|timeout exceeded when trying to connect|Connection terminated( unexpectedly| due to connection timeout)?)$/;
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE']);

export function databaseFailure(err: unknown): DatabaseFailure | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as {
    code?: unknown;
    message?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown; originalCode?: unknown } } };
  };
  const cause = e.meta?.driverAdapterError?.cause;
  const sqlstate = cause?.originalCode ?? cause?.code;
  if (typeof sqlstate === 'string' && TIMEOUT_SQLSTATES.has(sqlstate)) return 'timeout';
  // node-postgres' own error, from a read that went past Prisma (direct-read.ts).
  if (typeof e.code === 'string' && TIMEOUT_SQLSTATES.has(e.code)) return 'timeout';
  if (typeof e.code === 'string' && TIMEOUT_PRISMA.has(e.code)) return 'timeout';
  if (typeof e.code === 'string' && (UNAVAILABLE_PRISMA.has(e.code) || UNAVAILABLE_SOCKET.has(e.code)))
    return 'unavailable';
  if (typeof cause?.kind === 'string' && UNAVAILABLE_KINDS.has(cause.kind)) return 'unavailable';
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return 'unavailable';
  return null;
}

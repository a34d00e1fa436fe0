import crypto from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';

// PostgreSQL parses and plans a statement anew each time it is sent unnamed. For the commit
// statement (domain/commit.ts: a dozen CTEs and subqueries) that planning costs more than
// running it (~3 ms against well under 1 on a busy 2-core machine), and for the reuse lock's
// statement before it too (~0.1 ms against ~0.03), so the hot statements of a
// fixed shape are sent as named prepared statements instead: parsed once per connection, and
// planned once PostgreSQL settles on a generic plan. Each distinct text is one prepared
// statement on every pooled connection, so only fixed shapes may be registered (a text built
// from a list of varying length would make one each), and at most MAX_PREPARED of them.
// PGlite has no such option: the statements run there unnamed, as before.
const MAX_PREPARED = 32;
const names = new Map<string, string>();

/** `sql`, sent as a named prepared statement on PostgreSQL (its text must not vary with its values). */
export function prepared(sql: Prisma.Sql): Prisma.Sql {
  if (!names.has(sql.text) && names.size < MAX_PREPARED)
    names.set(sql.text, `gw_${crypto.createHash('sha1').update(sql.text).digest('hex').slice(0, 24)}`);
  return sql;
}

/** The adapter's statementNameGenerator: a registered statement's name, else '' (unnamed). */
export function preparedStatementName(query: { sql: string }): string {
  return names.get(query.sql) ?? '';
}

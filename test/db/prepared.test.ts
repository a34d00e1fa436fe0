// The hot statements of a fixed shape go to PostgreSQL as named prepared statements
// (src/db/prepared.ts): one name per text, the same whatever the values; any other unnamed.
import { Prisma } from '../../src/db/client.js';
import { prepared, preparedStatementName } from '../../src/db/prepared.js';

test('a registered statement has one name for its text, whatever its values; others none', () => {
  const a = prepared(Prisma.sql`SELECT ${1}::int AS a -- prepared.test`);
  const again = prepared(Prisma.sql`SELECT ${2}::int AS a -- prepared.test`);
  const other = prepared(Prisma.sql`SELECT ${1}::int AS b -- prepared.test`);
  expect(preparedStatementName({ sql: a.text })).toMatch(/^gw_[0-9a-f]{24}$/);
  expect(preparedStatementName({ sql: again.text })).toBe(preparedStatementName({ sql: a.text }));
  expect(preparedStatementName({ sql: other.text })).not.toBe(preparedStatementName({ sql: a.text }));
  expect(preparedStatementName({ sql: 'SELECT 1 -- never registered' })).toBe('');
});

import fs from 'node:fs';
import { printedSchema } from '../../src/schema/index.js';

test('schema.graphql is the printed Pothos schema (run `npm run schema` after changing the schema)', () => {
  const committed = fs.readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
  expect(committed).toBe(printedSchema());
});

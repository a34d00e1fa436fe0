import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './user.js';
import './token.js';
import './container-request.js';
import './container.js';

export const schema = builder.toSchema();

/** What `npm run schema` writes to schema.graphql (and a test compares). */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

import { isObjectType, lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './user.js';
import './token.js';
import './container-request.js';
import './container.js';

export const schema = builder.toSchema();

// The one field a plugin generates without a way to describe it: each connection's totalCount.
for (const type of Object.values(schema.getTypeMap())) {
  const totalCount = isObjectType(type) ? type.getFields().totalCount : undefined;
  if (totalCount && !totalCount.description) totalCount.description = 'How many items the whole list has.';
}

/** What `npm run schema` writes to schema.graphql (and a test compares). */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

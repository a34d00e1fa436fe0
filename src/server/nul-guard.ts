import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

// PostgreSQL text and jsonb cannot hold U+0000: a string carrying one would reach the database
// and fail there as a masked INTERNAL_SERVER_ERROR. Refuse it once, for every field, up front.
const NUL_IN_JSON = /\\u0000/i;

function carriesNul(value: unknown): boolean {
  return value !== undefined && NUL_IN_JSON.test(JSON.stringify(value) ?? '');
}

export function rejectNulCharacters(): Plugin {
  return {
    onParams({ params, setResult }) {
      // The document is checked for the escape too: a string literal may spell it.
      if (carriesNul(params.variables) || (params.query && (params.query.includes('\u0000') || NUL_IN_JSON.test(params.query)))) {
        setResult({
          errors: [new GraphQLError('Strings must not contain the NUL character (U+0000)', { extensions: { code: 'BAD_USER_INPUT' } })],
        });
      }
    },
  };
}

import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { scanDocument } from './document-scan.js';
import { inputFieldOf } from './errors-plugin.js';

/**
 * How deeply a document may nest brackets of any kind. graphql-js' parser recurses once per
 * level and overflows the stack somewhere above a thousand (a masked INTERNAL_SERVER_ERROR);
 * this leaves room for a JSON literal as deep as the JSON scalar allows (MAX_JSON_DEPTH, 64)
 * inside any reasonable selection, so the scalar gives the finer answer below it.
 */
export const MAX_DOCUMENT_DEPTH = 128;

export function rejectDeepDocuments(): Plugin {
  return {
    onParams({ params, setResult }) {
      if (!params.query) return;
      const found = scanDocument(params.query, { maxDepth: MAX_DOCUMENT_DEPTH });
      if (!found) return;
      const field = inputFieldOf(found.names);
      setResult({
        errors: [
          new GraphQLError(`The document nests more than ${MAX_DOCUMENT_DEPTH} levels deep`, {
            extensions: { code: 'BAD_USER_INPUT', ...(field === undefined ? {} : { field }) },
          }),
        ],
      });
    },
  };
}

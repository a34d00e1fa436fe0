import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { scanDocument } from './document-scan.js';
import { inputFieldOf } from './errors-plugin.js';

// PostgreSQL text and jsonb cannot hold U+0000, and jsonb refuses an unpaired UTF-16 surrogate
// (text silently stores U+FFFD instead): a string carrying one would reach the database and
// fail there as a masked INTERNAL_SERVER_ERROR, or change. Refuse it once, for every field.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(s: string): boolean {
  return s.includes('\u0000') || LONE_SURROGATE.test(s);
}

interface Trail {
  name: string;
  up: Trail | null;
}

function namesOf(trail: Trail | null): string[] {
  const names: string[] = [];
  for (let t = trail; t; t = t.up) names.unshift(t.name);
  return names;
}

/**
 * The names (variable, then object keys; list indices skipped) leading to the first string,
 * value or key, that the database cannot store. A loop, not a recursion: variables may nest thousands deep.
 */
export function nulPath(variables: unknown): string[] | null {
  const stack: [unknown, Trail | null][] = [[variables, null]];
  while (stack.length > 0) {
    const [value, trail] = stack.pop()!;
    if (typeof value === 'string') {
      if (unstorable(value)) return namesOf(trail);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], trail]);
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      if (entries.some(([key]) => unstorable(key))) return namesOf(trail);
      for (let i = entries.length - 1; i >= 0; i--)
        stack.push([entries[i]![1], { name: entries[i]![0], up: trail }]);
    }
  }
  return null;
}

function refusal(names: string[]): GraphQLError {
  const field = inputFieldOf(names);
  return new GraphQLError('Strings must not contain the NUL character (U+0000) or an unpaired surrogate', {
    extensions: { code: 'BAD_USER_INPUT', ...(field === undefined ? {} : { field }) },
  });
}

function nulInDocument(query: string | undefined): string[] | null {
  if (!query) return null;
  const found = scanDocument(query, { nul: true });
  if (found) return found.names;
  // A raw one outside a string literal is not GraphQL at all: refused too, with no field at fault.
  return query.includes('\u0000') ? [] : null;
}

export function rejectNulCharacters(): Plugin {
  return {
    onParams({ params, setResult }) {
      // In the document, a string literal may hold one, raw or spelled \u0000.
      const names = nulPath(params.variables) ?? nulInDocument(params.query);
      if (names) setResult({ errors: [refusal(names)] });
    },
  };
}

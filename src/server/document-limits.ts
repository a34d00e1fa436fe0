import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { errorWithCode } from '../errors.js';

/**
 * The size caps of one document (README "Limits"), counted by graphql-armor's rules: tokens
 * while it is parsed (a document over the cap is never built), then aliases, selection depth
 * and directives per operation, before the standard validation walks it. Over a cap is
 * QUERY_TOO_COMPLEX, as over the cost budget, and the same way: a fixed message stating the
 * limit (armor's own would do, but says "Syntax Error"), no name from the request.
 */

export interface DocumentLimits {
  maxTokens: number;
  maxAliases: number;
  maxDepth: number;
  maxDirectives: number;
}

/** `extensions.limit` names the variable that sets the limit, as every limit's error does. */
const overLimit = (variable: string, max: number, message: string) =>
  errorWithCode('QUERY_TOO_COMPLEX', `${message} than the limit of ${max}`, {
    extensions: { limit: variable, max },
  });

// Thrown rather than reported: it stops the parse, or the validation at the operation's start,
// and leaves yoga as any error thrown there, answered like the cost budget's refusal (HTTP 200,
// no data). propagateOnRejection is never reached; false so armor's message never could be.
const refuse = (error: () => GraphQLError) => ({
  propagateOnRejection: false,
  onReject: [
    () => {
      throw error();
    },
  ],
});

export function documentLimits(limits: DocumentLimits): Plugin {
  const tokens = maxTokensPlugin({
    n: limits.maxTokens,
    ...refuse(() => overLimit('MAX_TOKENS', limits.maxTokens, 'The document has more tokens')),
  });
  const rules = [
    maxAliasesRule({
      n: limits.maxAliases,
      // armor's default lets `__typename` be aliased without counting; every alias counts here.
      allowList: [],
      ...refuse(() => overLimit('MAX_ALIASES', limits.maxAliases, 'The operation has more aliases')),
    }),
    maxDepthRule({
      n: limits.maxDepth,
      // A fragment is no level of its own: depth counts fields, however they are written.
      // __schema is not counted (ignoreIntrospection): the introspection query nests type
      // references nine deep, and walks no data.
      flattenFragments: true,
      ignoreIntrospection: true,
      ...refuse(() => overLimit('MAX_DEPTH', limits.maxDepth, 'The operation nests fields more levels deep')),
    }),
    maxDirectivesRule({
      n: limits.maxDirectives,
      ...refuse(() => overLimit('MAX_DIRECTIVES', limits.maxDirectives, 'The operation has more directives')),
    }),
  ];
  return {
    ...(tokens as Plugin),
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
  };
}

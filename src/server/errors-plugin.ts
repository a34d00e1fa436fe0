import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { redact } from './logger.js';

const KNOWN_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'INTERNAL_SERVER_ERROR']);

// graphql-js echoes a rejected variable's whole value ("got invalid value { runtimeToken: … }"),
// and a rejected literal's too ("String cannot represent a non string value: {secret: …}",
// 'Value "…" does not exist in "E" enum.'): keep the variable, the path and the reason, drop
// the value.
function withoutEchoedValue(message: string): string {
  const m = /^(Variable "\$[^"]+" got invalid value)[\s\S]*?( at "[^"]*")?; ([\s\S]*)$/.exec(message);
  if (!m) return withoutValueInReason(message);
  return `${m[1]}${m[2] ?? ''}; ${withoutValueInReason(m[3]!)}`;
}

function withoutValueInReason(reason: string): string {
  return reason
    .replace(/(cannot represent[^:]*|value): [\s\S]*$/, '$1.')
    .replace(/^(Expected value of type "[^"]*"), found [\s\S]*$/, '$1.')
    .replace(/^Value [\s\S]* does not exist in ("[^"]*") enum\.[\s\S]*$/, 'Value does not exist in $1 enum.');
}

/**
 * Every error leaves with one of our codes: parse, validation and variable errors become
 * BAD_USER_INPUT, and no message may carry a token.
 */
export function normalizeErrors(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      const results = Array.isArray(result) ? result : [result];
      let changed = false;
      const fixed = results.map((r) => {
        if (!r || typeof r !== 'object' || !('errors' in r) || !r.errors?.length) return r;
        changed = true;
        return {
          ...r,
          errors: r.errors.map((e: GraphQLError) => {
            // yoga puts the parser's error under originalError (for a bad JSON body, a message
            // quoting the body) and, in development, a stack: neither may leave. The name stays:
            // yoga answers 400 rather than 200 to a bad request when originalError is present.
            const { originalError, stacktrace: _stack, ...extensions } = (e.extensions ?? {}) as Record<string, unknown>;
            if (originalError && typeof originalError === 'object') {
              extensions.originalError = { name: String((originalError as { name?: unknown }).name ?? 'Error') };
            }
            const code = extensions.code;
            const known = typeof code === 'string' && KNOWN_CODES.has(code);
            return new GraphQLError(redact(withoutEchoedValue(e.message)), {
              nodes: e.nodes,
              positions: e.positions,
              path: e.path,
              extensions: { ...extensions, code: known ? code : 'BAD_USER_INPUT' },
            });
          }),
        };
      });
      if (changed) setResult(Array.isArray(result) ? (fixed as typeof result) : (fixed[0] as typeof result));
    },
  };
}

import { type DocumentNode, GraphQLError, Kind, parse, type Source, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { redact } from './logger.js';

const KNOWN_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'INTERNAL_SERVER_ERROR',
]);

/**
 * The field a BAD_USER_INPUT error names (SPEC 9), the way the domain's badInput names it:
 * `names` runs from the argument (or variable) inwards, and the field is the top-level input
 * field the fault lies in (`i.runtimeConstraints.vcpus` → `runtimeConstraints`), or the
 * argument or variable itself when it is wrong as a whole (`$u` → `u`).
 */
export function inputFieldOf(names: readonly string[]): string | undefined {
  return names[1] ?? names[0];
}

const NAME = '[_A-Za-z][_0-9A-Za-z]*';
const VARIABLE_INVALID = new RegExp(`^Variable "\\$(${NAME})" got invalid value`);
const VARIABLE_OTHER = new RegExp(`^Variable "\\$(${NAME})" `);
// The path graphql-js prints after the value: names and list indices only, never a value.
const AT_PATH = new RegExp(` at "(${NAME}(?:\\.${NAME}|\\[\\d+\\])*)"$`);
const FIELD_IN_REASON = new RegExp(
  `^Field "(?:${NAME}\\.)?(${NAME})" (?:of required type|is not defined by type)`,
);
const ARGUMENT_MISSING = new RegExp(`^Field "[^"]*" argument "(${NAME})" of type "[^"]*" is required`);

// graphql-js echoes a rejected literal's value ("String cannot represent a non string value:
// {secret: …}", 'Value "…" does not exist in "E" enum.'): keep the reason, drop the value.
function withoutValueInReason(reason: string): string {
  return reason
    .replace(/(cannot represent[^:]*|value): [\s\S]*$/, '$1.')
    .replace(/^(Expected value of type "[^"]*"), found [\s\S]*$/, '$1.')
    .replace(/^Value [\s\S]* does not exist in ("[^"]*") enum\.[\s\S]*$/, 'Value does not exist in $1 enum.');
}

function fieldInReason(reason: string): string[] {
  const m = FIELD_IN_REASON.exec(reason) ?? ARGUMENT_MISSING.exec(reason);
  return m ? [m[1]!] : [];
}

/**
 * graphql-js writes `Variable "$i" got invalid value <the whole value> at "i.x"; <reason>`,
 * and the value may hold anything, "; " and ' at "' included. The reason is the inner error's
 * message (yoga.ts keeps it as originalError), so the split is exact: keep the variable, the
 * path and the reason, drop the value. Without the inner error, keep the variable alone.
 */
function variableError(e: GraphQLError): { message: string; names: string[] } | null {
  const invalid = VARIABLE_INVALID.exec(e.message);
  if (!invalid) {
    const other = VARIABLE_OTHER.exec(e.message);
    return other ? { message: withoutValueInReason(e.message), names: [other[1]!] } : null;
  }
  const variable = invalid[1]!;
  const reason = e.originalError?.message;
  if (reason === undefined || !e.message.endsWith(`; ${reason}`))
    return { message: `${invalid[0]}.`, names: [variable] };
  const head = e.message.slice(0, e.message.length - reason.length - 2);
  const at = AT_PATH.exec(head)?.[1];
  const path = at ? (at.match(new RegExp(NAME, 'g')) ?? []).slice(1) : [];
  return {
    message: `${invalid[0]}${at ? ` at "${at}"` : ''}; ${withoutValueInReason(reason)}`,
    names: [variable, ...path, ...fieldInReason(reason)],
  };
}

/**
 * Literal errors point at a place in the document: the argument (or variable default) and the
 * input fields, outermost first, that enclose it.
 */
function namesAt(document: DocumentNode, offset: number): string[] {
  const names: string[] = [];
  const inside = (loc: { start: number; end: number } | undefined) =>
    !!loc && loc.start <= offset && offset < loc.end;
  visit(document, {
    enter(node) {
      if (!inside(node.loc)) return false;
      if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) names.push(node.name.value);
      else if (node.kind === Kind.VARIABLE_DEFINITION) {
        if (!inside(node.defaultValue?.loc)) return false;
        names.push(node.variable.name.value);
      }
      return undefined;
    },
  });
  return names;
}

function literalNames(e: GraphQLError, documents: Map<Source, DocumentNode | null>): string[] {
  const offset = e.positions?.[0];
  if (!e.source || offset === undefined) return [];
  if (!documents.has(e.source)) {
    try {
      documents.set(e.source, parse(e.source));
    } catch {
      documents.set(e.source, null); // a syntax error: no field to name
    }
  }
  const document = documents.get(e.source);
  return document ? namesAt(document, offset) : [];
}

/**
 * Every error leaves with one of our codes: parse, validation and variable errors become
 * BAD_USER_INPUT, name the input field at fault (extensions.field, as badInput does), and no
 * message may carry a value or a token.
 */
export function normalizeErrors(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      const results = Array.isArray(result) ? result : [result];
      let changed = false;
      const documents = new Map<Source, DocumentNode | null>();
      const fixed = results.map((r) => {
        if (!r || typeof r !== 'object' || !('errors' in r) || !r.errors?.length) return r;
        changed = true;
        return {
          ...r,
          errors: r.errors.map((e: GraphQLError) => {
            // yoga puts the parser's error under originalError (for a bad JSON body, a message
            // quoting the body) and, in development, a stack: neither may leave. The name stays:
            // yoga answers 400 rather than 200 to a bad request when originalError is present.
            const {
              originalError,
              stacktrace: _stack,
              ...extensions
            } = (e.extensions ?? {}) as Record<string, unknown>;
            if (originalError && typeof originalError === 'object') {
              extensions.originalError = {
                name: String((originalError as { name?: unknown }).name ?? 'Error'),
              };
            }
            const code = extensions.code;
            const known = typeof code === 'string' && KNOWN_CODES.has(code);
            const variable = variableError(e);
            const message = variable?.message ?? withoutValueInReason(e.message);
            if ((known ? code : 'BAD_USER_INPUT') === 'BAD_USER_INPUT' && extensions.field === undefined) {
              const field = inputFieldOf(
                variable?.names ?? [...literalNames(e, documents), ...fieldInReason(e.message)],
              );
              if (field !== undefined) extensions.field = field;
            }
            return new GraphQLError(redact(message), {
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

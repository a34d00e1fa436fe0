import { type DocumentNode, GraphQLError, parse, type Source } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../core/logger.js';
import { databaseFailure } from '../db/errors.js';
import { badInput, errorCode, errorWithCode, internalError, isErrorCode } from '../errors.js';
import { schema } from '../schema/index.js';
import { inputFieldOf } from './input-guard.js';
import { redact } from './logger.js';
import { namesAt, schemaNames, variableUse, withoutForeignNames } from './request-names.js';

/**
 * What happens to an error on its way out, in one place: maskError (given to yoga) keeps our
 * own errors, turns graphql-js' variable errors into BAD_USER_INPUT and masks anything else;
 * normalizeErrors (a plugin, last in the list) gives every error one of our codes, names the
 * input field at fault, and drops any value graphql-js echoed and any name the schema does not
 * have (request-names.ts).
 */

const NAME = '[_A-Za-z][_0-9A-Za-z]*';

/**
 * The graphql-js (16) messages we take apart, with a sample of each; a test checks that each
 * pattern matches its sample and what graphql-js says today.
 */
export const GRAPHQL_MESSAGES = {
  /** A variable whose value does not coerce: the value, then the path and the reason. */
  variableInvalid: {
    pattern: new RegExp(`^Variable "\\$(${NAME})" got invalid value`),
    sample:
      'Variable "$i" got invalid value { name: 5 } at "i.name"; String cannot represent a non string value: 5',
  },
  /** Any other message about a variable: missing, null, or of a type that does not fit. */
  variableOther: {
    pattern: new RegExp(`^Variable "\\$(${NAME})" `),
    sample: 'Variable "$u" of required type "ID!" was not provided.',
  },
  /** The path printed after the value: names and list indices only, never a value. */
  atPath: {
    pattern: new RegExp(` at "(${NAME}(?:\\.${NAME}|\\[\\d+\\])*)"$`),
    sample: 'Variable "$i" got invalid value 5 at "i.runtimeConstraints.vcpus"',
  },
  /** A required input field left out, or one the input type does not have. */
  fieldInReason: {
    pattern: new RegExp(`^Field "(?:${NAME}\\.)?(${NAME})" (?:of required type|is not defined by type)`),
    sample: 'Field "command" of required type "[String!]!" was not provided.',
  },
  /** A required argument left out. */
  argumentMissing: {
    pattern: new RegExp(`^Field "[^"]*" argument "(${NAME})" of type "[^"]*" is required`),
    sample: 'Field "container" argument "uuid" of type "ID!" is required, but it was not provided.',
  },
  /** A scalar refusing a value, quoting it after the colon. */
  cannotRepresent: {
    pattern: /(cannot represent[^:]*|value): [\s\S]*$/,
    sample: 'String cannot represent a non string value: {secret: "x"}',
  },
  /** A literal of the wrong type, quoted after "found". */
  expectedValue: {
    pattern: /^(Expected value of type "[^"]*"), found [\s\S]*$/,
    sample: 'Expected value of type "Int!", found "x".',
  },
  /** An enum value that does not exist, quoted. */
  enumValue: {
    pattern: /^Value [\s\S]* does not exist in ("[^"]*") enum\.[\s\S]*$/,
    sample: 'Value "RUNNNING" does not exist in "ContainerState" enum.',
  },
} as const;

const M = GRAPHQL_MESSAGES;

// graphql-js echoes a rejected literal's value ("String cannot represent a non string value:
// {secret: …}", 'Value "…" does not exist in "E" enum.'): keep the reason, drop the value.
function withoutValueInReason(reason: string): string {
  return reason
    .replace(M.cannotRepresent.pattern, '$1.')
    .replace(M.expectedValue.pattern, '$1.')
    .replace(M.enumValue.pattern, 'Value does not exist in $1 enum.');
}

function fieldInReason(reason: string): string[] {
  const m = M.fieldInReason.pattern.exec(reason) ?? M.argumentMissing.pattern.exec(reason);
  return m ? [m[1]!] : [];
}

/**
 * graphql-js writes `Variable "$i" got invalid value <the whole value> at "i.x"; <reason>`,
 * and the value may hold anything, "; " and ' at "' included. The reason is the inner error's
 * message (yoga.ts keeps it as originalError), so the split is exact: keep the variable, the
 * path and the reason, drop the value. Without the inner error, keep the variable alone.
 */
function variableError(e: GraphQLError): { message: string; names: string[] } | null {
  const invalid = M.variableInvalid.pattern.exec(e.message);
  if (!invalid) {
    const other = M.variableOther.pattern.exec(e.message);
    return other ? { message: withoutValueInReason(e.message), names: [other[1]!] } : null;
  }
  const variable = invalid[1]!;
  const reason = e.originalError?.message;
  if (reason === undefined || !e.message.endsWith(`; ${reason}`))
    return { message: `${invalid[0]}.`, names: [variable] };
  const head = e.message.slice(0, e.message.length - reason.length - 2);
  const at = M.atPath.pattern.exec(head)?.[1];
  const path = at ? (at.match(new RegExp(NAME, 'g')) ?? []).slice(1) : [];
  return {
    message: `${invalid[0]}${at ? ` at "${at}"` : ''}; ${withoutValueInReason(reason)}`,
    names: [variable, ...path, ...fieldInReason(reason)],
  };
}

/** The document an error points into, parsed once per result (null if it does not parse). */
function documentOf(e: GraphQLError, documents: Map<Source, DocumentNode | null>): DocumentNode | null {
  if (!e.source) return null;
  if (!documents.has(e.source)) {
    try {
      documents.set(e.source, parse(e.source));
    } catch {
      documents.set(e.source, null); // a syntax error: no field to name
    }
  }
  return documents.get(e.source) ?? null;
}

/** Literal errors point at a place: the argument (or variable default) and input fields around it. */
function literalNames(e: GraphQLError, document: DocumentNode | null): string[] {
  const offset = e.positions?.[0];
  return document && offset !== undefined ? namesAt(document, offset) : [];
}

/**
 * A variable's names start with the variable, whose name the request chose: where it is used
 * names the same input with the schema's names (`$i` given as `input` → input, …).
 */
function throughUse(names: string[], document: DocumentNode | null): string[] {
  const use = document && names[0] !== undefined ? variableUse(document, names[0]) : null;
  return use ? [...use, ...names.slice(1)] : names;
}

/**
 * Every error leaves with one of our codes: parse, validation and variable errors become
 * BAD_USER_INPUT, name the input field at fault (extensions.field, as badInput does), and no
 * message may carry a value, a token or a name the schema does not have.
 */
export function normalizeResult<R>(result: R, documents = new Map<Source, DocumentNode | null>()): R {
  if (!result || typeof result !== 'object' || !('errors' in result)) return result;
  const errors = (result as { errors?: readonly GraphQLError[] }).errors;
  if (!errors?.length) return result;
  const names = schemaNames(schema);
  return {
    ...result,
    errors: errors.map((e) => {
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
      const known = isErrorCode(code);
      const variable = variableError(e);
      const message = variable?.message ?? withoutValueInReason(e.message);
      if ((known ? code : 'BAD_USER_INPUT') === 'BAD_USER_INPUT' && extensions.field === undefined) {
        const document = documentOf(e, documents);
        const field = inputFieldOf(
          variable
            ? throughUse(variable.names, document)
            : [...literalNames(e, document), ...fieldInReason(e.message)],
        );
        if (field !== undefined) extensions.field = field;
      }
      // Whoever made it, the field is a name of the schema's or none.
      if (typeof extensions.field !== 'string' || !names.has(extensions.field)) delete extensions.field;
      return errorWithCode(known ? code : 'BAD_USER_INPUT', redact(withoutForeignNames(message, names)), {
        nodes: e.nodes,
        positions: e.positions,
        path: e.path,
        extensions,
      });
    }),
  };
}

/** The plugin: every result yoga sends, normalised (a batch shares its parsed documents). */
export function normalizeErrors(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      const documents = new Map<Source, DocumentNode | null>();
      const fixed = Array.isArray(result)
        ? result.map((r) => normalizeResult(r, documents))
        : normalizeResult(result, documents);
      const changed = Array.isArray(result)
        ? (fixed as unknown[]).some((r, i) => r !== result[i])
        : fixed !== result;
      if (changed) setResult(fixed as typeof result);
    },
  };
}

/**
 * yoga's maskError: our own errors pass as they are; graphql-js' variable coercion errors
 * (missing, null or mistyped variables, or a scalar refusing the value) are the client's,
 * BAD_USER_INPUT; anything else is unexpected: masked for the client, and logged by kind and
 * place only — never its message: a driver's quotes SQL and parameters (secret-mount content,
 * bare secrets), which redact() cannot recognise.
 */
export function maskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    // The inner error stays: its message is the reason, which is how normalizeErrors tells the
    // path and the reason from the value they echo, and drops the value.
    if (error instanceof GraphQLError && !error.path && error.message.startsWith('Variable "$')) {
      return badInput(undefined, error.message, {
        nodes: error.nodes,
        originalError: error.originalError,
        extensions: error.extensions,
      });
    }
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    // Ours: as thrown, but keeping the path and locations graphql-js gave it (the path is how a
    // client with partial data knows which field the error nulled).
    if (original instanceof GraphQLError && errorCode(original))
      return error instanceof GraphQLError && error.originalError === original ? error : original;
    if (error instanceof GraphQLError && errorCode(error) && !error.originalError) return error;
    // The database's own time limits and outages are the client's to retry, not our bugs; the
    // path stays (it tells a client with partial data which field failed).
    const path = error instanceof GraphQLError ? error.path : undefined;
    const where = error instanceof GraphQLError ? { nodes: error.nodes, path } : {};
    const failure = databaseFailure(original);
    if (failure === 'timeout') {
      logger.warn('database statement timed out', { path });
      return errorWithCode('TIMEOUT', 'A database statement took longer than its limit; try again later.', {
        ...where,
        extensions: { limit: 'DB_STATEMENT_TIMEOUT_MS' },
      });
    }
    if (failure === 'unavailable') {
      logger.warn('database unavailable', { path });
      return errorWithCode('SERVICE_UNAVAILABLE', 'The database is not answering; try again later.', where);
    }
    const code = (original as { code?: unknown } | null | undefined)?.code;
    logger.error('unexpected error', {
      name: (original as Error | null | undefined)?.name,
      code: typeof code === 'string' ? code : undefined,
      path,
    });
    return internalError(message);
  };
}

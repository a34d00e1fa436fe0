import { type GraphQLError, Lexer, parse, Source, type Token, TokenKind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badInput } from '../errors.js';
import { variableUse } from './request-names.js';

/**
 * The input guard: refuses, before anything parses or reads a request, what would otherwise
 * fail deep inside as a masked INTERNAL_SERVER_ERROR — a document nested too deeply for the
 * parser, and strings PostgreSQL cannot store — with BAD_USER_INPUT naming the field.
 */

/**
 * How deeply a document may nest brackets of any kind. graphql-js' parser recurses once per
 * level and overflows the stack somewhere above a thousand (a masked INTERNAL_SERVER_ERROR);
 * this leaves room for a JSON literal as deep as the JSON scalar allows (MAX_JSON_DEPTH, 64)
 * inside any reasonable selection, so the scalar gives the finer answer below it.
 */
export const MAX_DOCUMENT_DEPTH = 128;

/**
 * The field a BAD_USER_INPUT error names (design.md §9), the way the domain's badInput names it:
 * `names` runs from the argument (or variable) inwards, and the field is the top-level input
 * field the fault lies in (`i.runtimeConstraints.vcpus` → `runtimeConstraints`), or the
 * argument or variable itself when it is wrong as a whole (`$u` → `u`).
 */
export function inputFieldOf(names: readonly string[]): string | undefined {
  return names[1] ?? names[0];
}

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

function trailNames(trail: Trail | null): string[] {
  const names: string[] = [];
  for (let t = trail; t; t = t.up) names.unshift(t.name);
  return names;
}

/**
 * The names (variable, then object keys; list indices skipped) leading to the first string,
 * value or key, that the database cannot store. A loop, not a recursion: variables may nest
 * thousands deep.
 */
export function unstorablePath(variables: unknown): string[] | null {
  const stack: [unknown, Trail | null][] = [[variables, null]];
  while (stack.length > 0) {
    const [value, trail] = stack.pop()!;
    if (typeof value === 'string') {
      if (unstorable(value)) return trailNames(trail);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], trail]);
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      if (entries.some(([key]) => unstorable(key))) return trailNames(trail);
      for (let i = entries.length - 1; i >= 0; i--)
        stack.push([entries[i]![1], { name: entries[i]![0], up: trail }]);
    }
  }
  return null;
}

export interface DocumentScan {
  /** Names leading to the first place nested more than MAX_DOCUMENT_DEPTH deep, if any. */
  tooDeep: string[] | null;
  /** Names leading to the first string literal holding U+0000, if any. */
  nul: string[] | null;
}

interface Level {
  open: TokenKind;
  /** The last `name:` at this level: the argument, input field or variable being given. */
  key: string | null;
}

const OPEN = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSE = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * One pass of graphql-js' own lexer over a document, before anything parses it (the lexer is
 * a loop; the parser recurses). A document that does not lex yields nothing (the parser
 * reports that syntax error itself); a raw NUL outside any string literal is not GraphQL at
 * all and counts as a NUL with no field at fault.
 */
export function scanDocument(query: string, maxDepth = MAX_DOCUMENT_DEPTH): DocumentScan {
  const scan: DocumentScan = { tooDeep: null, nul: null };
  const stack: Level[] = [];
  let previous: Token | null = null;
  try {
    const lexer = new Lexer(new Source(query));
    for (let t = lexer.advance(); t.kind !== TokenKind.EOF; previous = t, t = lexer.advance()) {
      if (OPEN.has(t.kind)) {
        stack.push({ open: t.kind, key: null });
        if (stack.length > maxDepth) {
          scan.tooDeep = namesOf(stack);
          break;
        }
      } else if (CLOSE.has(t.kind)) {
        stack.pop();
      } else if (t.kind === TokenKind.COLON && previous?.kind === TokenKind.NAME) {
        const level = stack.at(-1);
        if (level) level.key = previous.value;
      } else if (
        scan.nul === null &&
        (t.kind === TokenKind.STRING || t.kind === TokenKind.BLOCK_STRING) &&
        t.value.includes('\u0000')
      ) {
        scan.nul = namesOf(stack);
      }
    }
  } catch {
    // Does not lex: the parser reports it; only what was found before is ours.
  }
  if (scan.nul === null && query.includes('\u0000')) scan.nul = [];
  return scan;
}

// Input values only appear inside an argument list or a variable definition list: the names
// start at the innermost one. Outside any (a selection set nested too deeply), there are none.
function namesOf(stack: Level[]): string[] {
  const from = stack.findLastIndex((l) => l.open === TokenKind.PAREN_L);
  if (from < 0) return [];
  return stack.slice(from).flatMap((l) => (l.key === null ? [] : [l.key]));
}

/**
 * What the guard refuses in a request's document and variables, or null. Precedence, for a
 * request with several faults: a document too deep to parse, then an unstorable string in the
 * variables, then one in the document.
 */
export function inputRefusal(params: { query?: string | null; variables?: unknown }): GraphQLError | null {
  const scan = params.query ? scanDocument(params.query) : { tooDeep: null, nul: null };
  if (scan.tooDeep)
    return badInput(
      inputFieldOf(scan.tooDeep),
      `The document nests more than ${MAX_DOCUMENT_DEPTH} levels deep`,
    );
  const inVariables = unstorablePath(params.variables);
  const names = inVariables ? throughUse(inVariables, params.query) : scan.nul;
  return names
    ? badInput(
        inputFieldOf(names),
        'Strings must not contain the NUL character (U+0000) or an unpaired surrogate',
      )
    : null;
}

/**
 * Names in the variables start with the variable's, which the request chose: where the
 * document uses it names the same input with the schema's names. The document is not too
 * deep to parse here (that refusal comes first).
 */
function throughUse(names: string[], query: string | null | undefined): string[] {
  let use: string[] | null = null;
  try {
    use = query && names[0] !== undefined ? variableUse(parse(query), names[0]) : null;
  } catch {
    // Does not parse: the parser reports it; the names stay as they are.
  }
  return use ? [...use, ...names.slice(1)] : names;
}

/** The plugin: the refusal is the whole answer, before anything parses or reads the request. */
export function inputGuard(): Plugin {
  return {
    onParams({ params, setResult }) {
      const refused = inputRefusal(params);
      if (refused) setResult({ errors: [refused] });
    },
  };
}

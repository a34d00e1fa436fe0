import {
  type DocumentNode,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  Kind,
  visit,
} from 'graphql';

/**
 * Names a request chooses itself (fields it asks for, arguments, variables, directives,
 * fragments, operations) may be anything a GraphQL name can be — a bare v1 token secret is
 * one. Errors quote a name only if the schema has it; any other is elided, and graphql-js'
 * "Did you mean …?" suggestions are dropped for everyone (a guessing game against the schema
 * is no help to a client that has the schema).
 */

const NAME = /[_A-Za-z][_0-9A-Za-z]*/g;

/** What stands for a name the schema does not have. */
export const ELIDED = '…';

// Words of the language itself, which syntax errors quote.
const KEYWORDS = ['query', 'mutation', 'subscription', 'fragment', 'on', 'true', 'false', 'null'];

const known = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

/** Every name the schema defines: types, fields, arguments, input fields, enum values, directives. */
export function schemaNames(schema: GraphQLSchema): ReadonlySet<string> {
  let names = known.get(schema);
  if (names) return names;
  const set = new Set<string>(KEYWORDS);
  for (const type of Object.values(schema.getTypeMap())) {
    set.add(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        set.add(field.name);
        for (const arg of field.args) set.add(arg.name);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) set.add(field.name);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) set.add(value.name);
    }
  }
  for (const directive of schema.getDirectives()) {
    set.add(directive.name);
    for (const arg of directive.args) set.add(arg.name);
  }
  names = set;
  known.set(schema, names);
  return names;
}

const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * The message with every quoted name the schema does not have elided (`"$secret"` →
 * `"$…"`, `"i.runtimeConstraints"` → `"….runtimeConstraints"`) and no suggestion.
 */
export function withoutForeignNames(message: string, names: ReadonlySet<string>): string {
  return message
    .replace(SUGGESTION, '')
    .replace(
      /"([^"]*)"/g,
      (_quoted, inner: string) => `"${inner.replace(NAME, (n) => (names.has(n) ? n : ELIDED))}"`,
    );
}

/**
 * The argument and input fields, outermost first, that enclose a place in the document (a
 * literal, or a variable's use); a variable's default value is a place inside its definition.
 */
export function namesAt(document: DocumentNode, offset: number): string[] {
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

/**
 * Where a variable is first used: the argument and input fields that enclose it (`$m` in
 * `containers(filter: {minPriority: $m})` → filter, minPriority), or null if it is not used.
 * These are the schema's names for what the variable gives, unlike its own name.
 */
export function variableUse(document: DocumentNode, variable: string): string[] | null {
  let at: number | undefined;
  visit(document, {
    VariableDefinition: () => false,
    Variable(node) {
      if (at === undefined && node.name.value === variable) at = node.loc?.start;
    },
  });
  return at === undefined ? null : namesAt(document, at);
}

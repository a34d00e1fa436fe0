// The graphql-js messages error handling takes apart (to name the field at fault and drop
// echoed values): each pattern matches its sample, and what graphql-js says today.
import { graphql } from 'graphql';
import { schema } from '../../src/schema/index.js';
import { GRAPHQL_MESSAGES } from '../../src/server/error-handling.js';

/** Every error message graphql-js gives for an operation (validation or variable coercion). */
async function messagesFor(source: string, variableValues?: Record<string, unknown>): Promise<string[]> {
  const r = await graphql({ schema, source, variableValues });
  return (r.errors ?? []).flatMap((e) => [e.message, ...(e.originalError ? [e.originalError.message] : [])]);
}

const CR_INPUT = 'mutation($i: CreateContainerRequestInput!) { createContainerRequest(input: $i) { uuid } }';

// Operations graphql-js answers with each kind of message before any resolver runs.
const PRODUCERS: Record<keyof typeof GRAPHQL_MESSAGES, () => Promise<string[]>> = {
  variableInvalid: () =>
    messagesFor(CR_INPUT, { i: { name: 5, command: ['x'], containerImage: 'i', outputPath: '/o' } }),
  variableOther: () => messagesFor('query($u: ID!) { container(uuid: $u) { uuid } }'),
  atPath: () =>
    messagesFor(CR_INPUT, { i: { name: 5, command: ['x'], containerImage: 'i', outputPath: '/o' } }),
  fieldInReason: () =>
    messagesFor(
      'mutation { createContainerRequest(input: {containerImage: "i", outputPath: "/o"}) { uuid } }',
    ),
  argumentMissing: () => messagesFor('{ container { uuid } }'),
  cannotRepresent: () => messagesFor('{ containers(first: "x") { totalCount } }'),
  expectedValue: () => messagesFor('{ containers(filter: "x") { totalCount } }'),
  enumValue: () => messagesFor('{ containers(filter: {state: RUNNNING}) { totalCount } }'),
};

describe('the graphql-js messages error handling relies on', () => {
  test.each(Object.entries(GRAPHQL_MESSAGES))('%s matches its sample', (_name, { pattern, sample }) => {
    expect(pattern.test(sample)).toBe(true);
  });

  test.each(Object.keys(GRAPHQL_MESSAGES) as (keyof typeof GRAPHQL_MESSAGES)[])(
    '%s matches what graphql-js says',
    async (name) => {
      const messages = await PRODUCERS[name]();
      // For the path pattern, the part before the reason (as error handling cuts it).
      const candidates = name === 'atPath' ? messages.map((m) => m.split('; ')[0]!) : messages;
      expect(candidates.some((m) => GRAPHQL_MESSAGES[name].pattern.test(m))).toBe(true);
    },
  );
});
